"""The desk's writes: saving with a revision, review, publishing, pending changes, restore.

The admin, management commands and tests all call these, so each rule lives once. Every write
to an entry goes through `save_entry` (`apply_snapshot` calls it too): in one transaction it locks
the entry's row, checks that the entry is still at the version the change was made from (else
`StaleSave`, and nothing is written), keeps the state before the entry's first desk edit as a
revision, bumps the version, writes, keeps one revision (django-reversion, with an
`EntryRevision` snapshot) and records an audit event.
"""

from __future__ import annotations

import dataclasses
import datetime
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

import reversion
from django.db import transaction
from django.db.models import Exists, OuterRef, QuerySet
from django.utils import timezone
from reversion.errors import RevertError
from reversion.models import Version
from taggit.models import Tag

from events.models import Entry
from events.tagging import tag_key, tags_by_key
from sources.models import Citation, Publisher, Source
from sources.services import get_or_create_publisher, get_or_create_source
from stories.models import Story

from .models import AuditEvent, EntryRevision, PendingChange
from .snapshots import FIELD_LABELS, FIELDS, EntrySnapshot, SourceSnapshot, merge, snapshot_of

Action = AuditEvent.Action


class State:
    """The workflow states editors see, as labels (the list filter uses the keys)."""

    DRAFT = "draft"
    REVIEW = "review"
    SCHEDULED = "scheduled"
    LIVE = "live"
    PENDING = "pending"
    LABELS = {
        DRAFT: "Draft",
        REVIEW: "In review",
        SCHEDULED: "Scheduled",
        LIVE: "Live",
        PENDING: "Live, changes pending",
    }


def state_of(entry: Entry, *, has_pending_change: bool | None = None) -> str:
    """The entry's workflow state key (see State); pass has_pending_change to save a query."""
    if entry.status == Entry.Status.REVIEW:
        return State.REVIEW
    if entry.status == Entry.Status.DRAFT:
        return State.DRAFT
    if entry.is_scheduled:
        return State.SCHEDULED
    if has_pending_change is None:
        has_pending_change = PendingChange.objects.filter(entry=entry).exists()
    return State.PENDING if has_pending_change else State.LIVE


def with_state(entries: QuerySet[Entry]) -> QuerySet[Entry]:
    """Annotate `has_pending_change` so state_of needs no query per row."""
    return entries.annotate(
        has_pending_change=Exists(PendingChange.objects.filter(entry=OuterRef("pk")))
    )


def filter_state(entries: QuerySet[Entry], state: str) -> QuerySet[Entry]:
    """Entries in one workflow state, as a queryset (for the changelist filter)."""
    now = timezone.now()
    published = entries.filter(status=Entry.Status.PUBLISHED)
    pending = Exists(PendingChange.objects.filter(entry=OuterRef("pk")))
    return {
        State.DRAFT: entries.filter(status=Entry.Status.DRAFT),
        State.REVIEW: entries.filter(status=Entry.Status.REVIEW),
        State.SCHEDULED: published.filter(publish_at__gt=now),
        State.LIVE: published.filter(publish_at__lte=now).exclude(pending),
        State.PENDING: published.filter(publish_at__lte=now).filter(pending),
    }[state]


def can_publish(user) -> bool:
    """Editors publish, schedule, unpublish, approve and return; reporters submit."""
    return bool(user and user.has_perm("events.publish_entry"))


def record(action: str, *, user, entry: Entry | None, detail: str = "") -> AuditEvent:
    """Add one event to the audit trail."""
    return AuditEvent.objects.create(
        action=action,
        user=user if getattr(user, "is_authenticated", False) else None,
        entry=entry,
        entry_label=str(entry)[:300] if entry is not None else "",
        detail=detail,
    )


def keep_revision(entry: Entry, *, user, action: str, comment: str = "") -> EntryRevision:
    """Store one revision of `entry` as saved now: its rows (reversion) and its snapshot.

    Call after the entry, its tags and its citations are all saved.
    """
    with reversion.create_revision(manage_manually=True):
        reversion.set_user(user if getattr(user, "is_authenticated", False) else None)
        reversion.set_comment(comment or dict(Action.choices).get(action, action))
        reversion.add_to_revision(entry)
        snapshot = snapshot_of(entry).to_json()
        # The story lives in its own table (stories.StoryEntry): the revision keeps its name, the
        # base a later stale save merges the story membership against (see `base_row`).
        snapshot["story"] = story_name(entry)
        meta = {
            "entry": entry,
            "entry_version": entry.version,
            "action": action,
            "snapshot": snapshot,
        }
        reversion.add_meta(EntryRevision, **meta)
    return EntryRevision.objects.get(entry=entry, entry_version=entry.version)


def story_name(entry: Entry) -> str:
    """The name of the story `entry` belongs to as stored now, or "" (one query)."""
    return (
        Story.objects.filter(memberships__entry=entry).values_list("name", flat=True).first() or ""
    )


def lock(entry: Entry | int) -> Entry:
    """The entry as stored now, its row locked until the transaction ends (call inside one).

    Every write to an entry takes this lock first, so two writers never pass a version check
    together: the second waits, then reads what the first wrote. (SQLite has no row locks; its
    transactions take the database's write lock when they begin, see the settings.)
    """
    pk = entry.pk if isinstance(entry, Entry) else entry
    return Entry.objects.select_for_update().get(pk=pk)


def _keep_found(stored: Entry, *, user) -> None:
    if not EntryRevision.objects.filter(entry=stored, entry_version=stored.version).exists():
        keep_revision(stored, user=user, action=Action.FOUND)


def ensure_revision(entry: Entry, *, user) -> None:
    """Keep the entry as it is stored now if no revision holds its current version yet.

    Entries written outside the desk (the demo, the archive import, JSON Lines) have none; the
    desk keeps one when an editor opens them and before their first desk edit, so the original
    can be compared and restored, and a later save made from this version can be merged.
    Editors opening the entry at once keep it once (the row lock orders them).
    """
    if EntryRevision.objects.filter(entry=entry, entry_version=entry.version).exists():
        return
    with transaction.atomic():
        _keep_found(lock(entry), user=user)


class StaleSave(Exception):
    """The entry changed after the version a save was made from: nothing was written.

    The caller merges the save with the newer version (or shows the conflict) and tries again.
    """

    def __init__(self, entry: Entry, *, expected: int, stored: int):
        super().__init__(f"{entry} is at version {stored}, not {expected}: nothing was saved.")
        self.expected = expected
        self.stored = stored


@transaction.atomic
def save_entry(
    entry: Entry,
    *,
    user,
    action: str = Action.EDIT,
    detail: str = "",
    base_version: int | None = None,
    related: Callable[[], object] | None = None,
) -> Entry:
    """Save `entry`'s own fields as a new version, with a revision and an audit event.

    One atomic step: the stored row is locked and its version compared with `base_version`
    (the version the change was made from; by default the version `entry` was read at). If the
    entry has moved on, StaleSave is raised and nothing is written. `related` is called after
    the entry's row is written and before its revision is kept, to write its tags and citations.
    A new entry starts at version 1.
    """
    creating = entry.pk is None
    if creating:
        entry.version = 1
        if entry.author_id is None and getattr(user, "is_authenticated", False):
            entry.author = user
    else:
        stored = lock(entry)
        expected = entry.version if base_version is None else base_version
        if stored.version != expected:
            raise StaleSave(entry, expected=expected, stored=stored.version)
        # The state before the entry's first desk edit (an import, the demo) is kept first.
        _keep_found(stored, user=user)
        entry.version = stored.version + 1
    if getattr(user, "is_authenticated", False):
        entry.last_edited_by = user
    entry.save()
    if related is not None:
        related()
    action = Action.CREATE if creating else action
    keep_revision(entry, user=user, action=action)
    record(action, user=user, entry=entry, detail=detail)
    return entry


# --- applying a snapshot: approving a pending change, restoring a revision ---------------------


def resolve_tags(snapshot: EntrySnapshot) -> list[Tag]:
    """The tags a snapshot names, as they are now.

    A tag that still exists under the id it had is used whatever its name now (it was renamed);
    any other name goes through the one lookup (events.tagging.tags_by_key): the tag of that name
    in any case, the tag it is an alias of, or the tag it was renamed or merged into; created
    only if it stands for none.
    """
    ids = [i for i in snapshot.tag_ids.values() if i]
    by_id = {t.pk: t for t in Tag.objects.filter(pk__in=ids)}
    kept = {name: by_id.get(snapshot.tag_ids.get(name, 0)) for name in snapshot.tags}
    found = tags_by_key([name for name, tag in kept.items() if tag is None])
    tags: list[Tag] = []
    for name in snapshot.tags:
        tag = kept[name] or found.get(tag_key(name))
        if tag is not None and tag not in tags:
            tags.append(tag)
    return tags


def _source_for(item: SourceSnapshot) -> Source:
    """The stored source at the snapshot's URL, or one re-created from the snapshot's details.

    A source is shared by entries, so applying an old snapshot never rewrites its details.
    """
    source = Source.objects.filter(url=item.url).first()
    if source is not None:
        return source
    publisher: Publisher | None = (
        get_or_create_publisher(item.publisher) if item.publisher else None
    )
    published_on = datetime.date.fromisoformat(item.published_on) if item.published_on else None
    return get_or_create_source(
        item.url,
        title=item.title,
        publisher=publisher,
        byline=item.byline,
        published_on=published_on,
        excerpt=item.excerpt,
    )


def set_sources(entry: Entry, sources: Iterable[SourceSnapshot]) -> None:
    """Make `entry` cite exactly these sources, in this order."""
    wanted = [_source_for(item) for item in sources]
    Citation.objects.filter(entry=entry).exclude(source__in=wanted).delete()
    existing = {c.source_id: c for c in Citation.objects.filter(entry=entry)}
    for position, source in enumerate(wanted):
        citation = existing.get(source.pk)
        if citation is None:
            Citation.objects.create(entry=entry, source=source, position=position)
        elif citation.position != position:
            citation.position = position
            citation.save(update_fields=["position"])


def _assign(entry: Entry, snapshot: EntrySnapshot, fields: Iterable[str]) -> None:
    for name in fields:
        if name in ("tags", "sources"):
            continue
        value = getattr(snapshot, name)
        if name == "event_date":
            value = datetime.date.fromisoformat(value)
        elif name == "publish_at" and value:
            value = datetime.datetime.fromisoformat(value)
        setattr(entry, name, value)


@transaction.atomic
def apply_snapshot(
    entry: Entry,
    snapshot: EntrySnapshot,
    *,
    user,
    action: str,
    fields: Iterable[str] | None = None,
    detail: str = "",
    base_version: int | None = None,
) -> Entry:
    """Write `snapshot` (all its fields, or only `fields`) onto `entry` as one new version.

    A save like any other (`save_entry`): refused with StaleSave if the entry is no longer at
    `base_version` (by default the version `entry` was read at).
    """
    names = list(fields) if fields is not None else list(EntrySnapshot.__dataclass_fields__)
    names = [n for n in names if n != "tag_ids"]
    _assign(entry, snapshot, names)

    def related() -> None:
        if "tags" in names:
            entry.tags.set(resolve_tags(snapshot))
        if "sources" in names:
            set_sources(entry, snapshot.sources)

    return save_entry(
        entry, user=user, action=action, detail=detail, base_version=base_version, related=related
    )


# --- review -----------------------------------------------------------------------------------


class WorkflowError(ValueError):
    """A workflow step refused, with the reason an editor reads."""


@transaction.atomic
def hold_change(entry: Entry, snapshot: EntrySnapshot, *, user) -> PendingChange:
    """Keep a reporter's edit to a live entry aside until an editor approves it.

    Readers keep seeing the entry as it is. A later edit adds to the held one: a field the new
    edit leaves as it is live keeps the value held before, so nothing typed earlier is lost.
    The change is based on the live version, which a revision keeps, so approving it later is
    a save made from that version (merged with the edits made since, or refused).
    """
    entry = lock(entry)
    _keep_found(entry, user=user)
    live = snapshot_of(entry)
    held = PendingChange.objects.filter(entry=entry).first()
    if held is not None:
        before = EntrySnapshot.from_json(held.snapshot)
        kept = {
            name: getattr(before, name)
            for name in FIELDS
            if getattr(snapshot, name) == getattr(live, name)
        }
        snapshot = dataclasses.replace(
            snapshot, **kept, tag_ids={**before.tag_ids, **snapshot.tag_ids}
        )
    pending, _ = PendingChange.objects.update_or_create(
        entry=entry,
        defaults={
            "snapshot": snapshot.to_json(),
            "base_version": entry.version,
            "proposed_by": user,
            "proposed_at": timezone.now(),
            "review_note": "",
        },
    )
    changed = ", ".join(live.changed_fields(snapshot)) or "nothing"
    record(Action.HOLD, user=user, entry=entry, detail=f"Changed: {changed}.")
    return pending


def base_snapshot(entry: Entry, version: int) -> EntrySnapshot | None:
    """The entry as it was at `version`, from its revision (None if no revision kept it)."""
    revision = EntryRevision.objects.filter(entry=entry, entry_version=version).first()
    return EntrySnapshot.from_json(revision.snapshot) if revision else None


# What a held change may change: its text and tags, never when the entry is published.
HELD_FIELDS = ("event_date", "headline", "slug", "body", "tags", "sources")


def base_row(entry: Entry, version: int) -> dict | None:
    """The entry's own fields as the revision of `version` kept them (None if none did).

    With them the name of the story the entry was in (key "story"), when the revision kept it.
    """
    revision = EntryRevision.objects.filter(entry=entry, entry_version=version).first()
    if revision is None:
        return None
    kept = Version.objects.get_for_object(entry).filter(revision_id=revision.revision_id).first()
    if kept is None:
        return None
    try:
        row = dict(kept.field_dict)
    except RevertError:  # kept before a field of the entry was removed: no base to merge on
        return None
    if "story" in revision.snapshot:
        row["story"] = revision.snapshot["story"]
    return row


def held_fields(entry: Entry, pending: PendingChange) -> list[str]:
    """The fields the held change changes, against the version it was made from."""
    proposed = EntrySnapshot.from_json(pending.snapshot)
    base = base_snapshot(entry, pending.base_version) or snapshot_of(entry)
    return [n for n in base.changed_fields(proposed) if n in HELD_FIELDS]


def _merge_held(entry: Entry, pending: PendingChange) -> tuple[EntrySnapshot, list[str]]:
    """The held change as a save made from its own base version, merged with the edits since.

    Returns the snapshot to write and the fields it changes on the entry as it is now. A field
    both the held change and a later edit changed (to different values) refuses the approval:
    WorkflowError names them, and the held change stays.
    """
    held = EntrySnapshot.from_json(pending.snapshot)
    now = snapshot_of(entry)
    base = base_snapshot(entry, pending.base_version)
    if base is None and pending.base_version == entry.version:
        base = now
    merged = merge(base, now, held, HELD_FIELDS)
    if merged.conflicts:
        names = ", ".join(FIELD_LABELS[name] for name, _, _ in merged.conflicts)
        raise WorkflowError(
            f"The entry was edited after this change was held (version {pending.base_version}, "
            f"now {entry.version}), and both changed its {names}. Nothing was approved: the "
            "held change stays. Return it to the reporter with a note, or make the edit yourself."
        )
    fields = [n for n in now.changed_fields(merged.result) if n in HELD_FIELDS]
    return merged.result, fields


@transaction.atomic
def approve(entry: Entry, *, user, at: datetime.datetime | None = None) -> Entry:
    """An editor approves: the entry (with any held change) goes live now, or at `at`.

    A held change is a save made from the version it was held on: merged field by field with
    the edits made since (an editor's later edit to other fields stays), refused with
    WorkflowError when both changed the same field.
    """
    if not can_publish(user):
        raise WorkflowError("Only editors can approve entries.")
    entry = lock(entry)
    pending = PendingChange.objects.filter(entry=entry).first()
    if pending is not None:
        snapshot, fields = _merge_held(entry, pending)
        pending.delete()
        labels = ", ".join(fields) or "no difference"
        detail = (
            f"Approved the change held for review (made from version {pending.base_version}): "
            + labels
        )
        if fields:
            entry = apply_snapshot(
                entry, snapshot, user=user, action=Action.APPROVE, fields=fields, detail=detail
            )
        else:
            record(Action.APPROVE, user=user, entry=entry, detail=detail)
        if at is None:
            return entry
    if entry.is_live and at is None:
        return entry
    when = at or timezone.now()
    entry.status = Entry.Status.PUBLISHED
    entry.publish_at = when
    entry.review_note = ""
    action = Action.SCHEDULE if when > timezone.now() else Action.APPROVE
    return save_entry(
        entry, user=user, action=action, detail=f"Publish time {when:%Y-%m-%d %H:%M}."
    )


@transaction.atomic
def return_to_reporter(entry: Entry, *, user, note: str) -> Entry:
    """An editor sends an entry (or the change held on a live one) back with a note."""
    note = (note or "").strip()
    if not note:
        raise WorkflowError("Say why you are returning it: the note is what the reporter reads.")
    if not can_publish(user):
        raise WorkflowError("Only editors can return entries.")
    entry = lock(entry)
    pending = PendingChange.objects.filter(entry=entry).first()
    if pending is not None:
        pending.review_note = note
        pending.save(update_fields=["review_note"])
        record(Action.RETURN, user=user, entry=entry, detail=note)
        return entry
    if entry.status == Entry.Status.PUBLISHED:
        raise WorkflowError("A live entry is unpublished, not returned.")
    entry.status = Entry.Status.DRAFT
    entry.review_note = note
    return save_entry(entry, user=user, action=Action.RETURN, detail=note)


# --- bulk actions -----------------------------------------------------------------------------


@dataclass
class BulkReport:
    """What a bulk action did, and what it skipped and why: the message says exactly this."""

    verb: str
    done: list[Entry] = field(default_factory=list)
    skipped: dict[str, list[Entry]] = field(default_factory=dict)

    def skip(self, entry: Entry, reason: str) -> None:
        self.skipped.setdefault(reason, []).append(entry)

    @property
    def message(self) -> str:
        text = f"{self.verb} {len(self.done)}"
        for reason, entries in self.skipped.items():
            text += f"; {len(entries)} skipped: {reason}"
        return text + "."


def _stale(entry: Entry, versions: dict[int, int] | None) -> bool:
    return versions is not None and versions.get(entry.pk, entry.version) != entry.version


@transaction.atomic
def publish_now(
    entries: Iterable[Entry], *, user, versions: dict[int, int] | None = None
) -> BulkReport:
    """Publish each entry now: drafts, entries in review and scheduled ones (moved to now).

    `versions` maps ids to the version the editor saw; an entry changed since is skipped.
    """
    report = BulkReport("Published")
    for listed in entries:
        entry = lock(listed)
        if _stale(entry, versions):
            report.skip(entry, "changed since the list was shown")
        elif entry.is_live:
            report.skip(entry, "already live")
        else:
            entry.status = Entry.Status.PUBLISHED
            entry.publish_at = timezone.now()
            entry.review_note = ""
            save_entry(entry, user=user, action=Action.PUBLISH, detail="Bulk: publish now.")
            report.done.append(entry)
    return report


@transaction.atomic
def unpublish(
    entries: Iterable[Entry], *, user, versions: dict[int, int] | None = None
) -> BulkReport:
    """Move live and scheduled entries back to draft (their publish time is kept)."""
    report = BulkReport("Moved to draft")
    for listed in entries:
        entry = lock(listed)
        if _stale(entry, versions):
            report.skip(entry, "changed since the list was shown")
        elif entry.status != Entry.Status.PUBLISHED:
            report.skip(entry, "not published")
        else:
            entry.status = Entry.Status.DRAFT
            save_entry(entry, user=user, action=Action.UNPUBLISH, detail="Bulk: move to draft.")
            report.done.append(entry)
    return report
