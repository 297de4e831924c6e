"""An entry's past: its revisions, what changed between two of them, restoring one, its timeline.

Revisions are django-reversion revisions, each with an `EntryRevision` holding the entry's
snapshot (tags by name, sources by URL). Comparing and restoring work on those snapshots, so
they still mean the same after a tag is renamed or merged or a source is edited or deleted.
"""

from __future__ import annotations

import dataclasses
import datetime
import difflib
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.formats import date_format
from django.utils.safestring import SafeString

from events.models import Correction, Entry
from events.textdiff import Segment, render_segments, word_diff

from . import corrections, workflow
from .models import AuditEvent, EntryRevision
from .snapshots import FIELD_LABELS, EntrySnapshot, SourceSnapshot, snapshot_of

RESTORE_PERMISSION = "events.restore_entry"

# What a restore writes back. The publishing state (status, publish time) stays as it is now:
# bringing back an earlier text must not take a live entry off the site, nor publish a draft.
RESTORED_FIELDS = ("event_date", "headline", "slug", "body", "tags", "sources")

# Fields compared as values rather than as text, tags or sources, in the order shown.
VALUE_FIELDS = ("event_date", "slug", "status", "publish_at")


# --- selectors --------------------------------------------------------------------------------


def revisions_of(entry: Entry) -> QuerySet[EntryRevision]:
    """The entry's revisions, newest first, with their reversion revision and user (one query)."""
    return (
        EntryRevision.objects.filter(entry=entry)
        .select_related("revision__user")
        .order_by("-entry_version", "-id")
    )


def revision_of(entry: Entry, version: int) -> EntryRevision | None:
    """The revision that kept `entry` at `version`, or None."""
    return revisions_of(entry).filter(entry_version=version).first()


# --- comparing two snapshots ------------------------------------------------------------------


@dataclass(frozen=True)
class TextChange:
    name: str
    label: str
    segments: list[Segment]

    @property
    def html(self) -> SafeString:
        return render_segments(self.segments)


@dataclass(frozen=True)
class ValueChange:
    name: str
    label: str
    old: str
    new: str


@dataclass(frozen=True)
class SourceMove:
    source: SourceSnapshot
    old_position: int  # 1-based, as readers count them
    new_position: int


@dataclass(frozen=True)
class SourceEdit:
    """A source cited in both versions whose details differ (it was edited in between)."""

    source: SourceSnapshot
    fields: tuple[str, ...]


@dataclass(frozen=True)
class Comparison:
    """What changed from `old` to `new`: text word by word, tags, sources, and other fields."""

    old: EntrySnapshot
    new: EntrySnapshot
    texts: list[TextChange]
    tags_added: list[str]
    tags_removed: list[str]
    tags_renamed: list[tuple[str, str]]
    sources_added: list[tuple[int, SourceSnapshot]]
    sources_removed: list[tuple[int, SourceSnapshot]]
    sources_moved: list[SourceMove]
    sources_edited: list[SourceEdit]
    values: list[ValueChange]

    @property
    def has_changes(self) -> bool:
        return bool(
            self.texts
            or self.tags_added
            or self.tags_removed
            or self.tags_renamed
            or self.sources_added
            or self.sources_removed
            or self.sources_moved
            or self.sources_edited
            or self.values
        )

    @property
    def tags_changed(self) -> bool:
        return bool(self.tags_added or self.tags_removed or self.tags_renamed)

    @property
    def sources_changed(self) -> bool:
        return bool(
            self.sources_added or self.sources_removed or self.sources_moved or self.sources_edited
        )


def _display(name: str, value: str | None) -> str:
    """A snapshot value as an editor reads it (dates and times in the site's time zone)."""
    if not value:
        return "–"
    if name == "status":
        return str(dict(Entry.Status.choices).get(value, value))
    if name == "event_date":
        parsed = parse_date(value)
        return date_format(parsed, "DATE_FORMAT") if parsed else value
    if name == "publish_at":
        parsed = parse_datetime(value)
        if parsed is None:
            return value
        return date_format(timezone.localtime(parsed), "DATETIME_FORMAT")
    return value


def _compare_tags(old: EntrySnapshot, new: EntrySnapshot):
    # Tags are compared case-insensitively, as they are stored; a tag kept under the same id
    # but another name was renamed, not swapped.
    old_names = {n.casefold(): n for n in old.tags}
    new_names = {n.casefold(): n for n in new.tags}
    new_by_id = {new.tag_ids[n]: n for n in new.tags if new.tag_ids.get(n)}
    renamed = []
    for name in old.tags:
        other = new_by_id.get(old.tag_ids.get(name, 0))
        if (
            other is not None
            and name.casefold() not in new_names
            and other.casefold() not in old_names
        ):
            renamed.append((name, other))
    renamed_old = {o.casefold() for o, _ in renamed}
    renamed_new = {n.casefold() for _, n in renamed}
    added = [n for k, n in new_names.items() if k not in old_names and k not in renamed_new]
    removed = [n for k, n in old_names.items() if k not in new_names and k not in renamed_old]
    return added, removed, renamed


def _compare_sources(old: EntrySnapshot, new: EntrySnapshot):
    old_at = {s.url: i for i, s in enumerate(old.sources, 1)}
    new_at = {s.url: i for i, s in enumerate(new.sources, 1)}
    added = [(i, s) for i, s in enumerate(new.sources, 1) if s.url not in old_at]
    removed = [(i, s) for i, s in enumerate(old.sources, 1) if s.url not in new_at]
    # Sources kept in both: those outside the longest run kept in the same relative order moved.
    # (Adding one source at the top shifts every position but moves nothing.)
    kept_old = [s.url for s in old.sources if s.url in new_at]
    kept_new = [s.url for s in new.sources if s.url in old_at]
    matcher = difflib.SequenceMatcher(None, kept_old, kept_new, autojunk=False)
    in_place = {
        url
        for block in matcher.get_matching_blocks()
        for url in kept_old[block.a : block.a + block.size]
    }
    new_by_url = {s.url: s for s in new.sources}
    moved = [
        SourceMove(new_by_url[url], old_at[url], new_at[url])
        for url in kept_new
        if url not in in_place
    ]
    old_by_url = {s.url: s for s in old.sources}
    detail_fields = [f.name for f in dataclasses.fields(SourceSnapshot) if f.name != "url"]
    edited = []
    for url in kept_new:
        before, after = old_by_url[url], new_by_url[url]
        changed = tuple(f for f in detail_fields if getattr(before, f) != getattr(after, f))
        if changed:
            edited.append(SourceEdit(after, changed))
    return added, removed, moved, edited


def compare(old: EntrySnapshot, new: EntrySnapshot) -> Comparison:
    """What changed from `old` to `new`, in the terms editors use.

    Headline and body as a word-level diff; tags added, removed and renamed; sources (by URL)
    added and removed with their positions, moved (out of their order, not merely shifted by
    an addition or removal) and edited; and the date, slug, status and publish time.
    """
    texts = [
        TextChange(name, FIELD_LABELS[name], word_diff(getattr(old, name), getattr(new, name)))
        for name in ("headline", "body")
        if getattr(old, name) != getattr(new, name)
    ]
    tags_added, tags_removed, tags_renamed = _compare_tags(old, new)
    added, removed, moved, edited = _compare_sources(old, new)
    values = [
        ValueChange(
            name,
            FIELD_LABELS[name],
            old=_display(name, getattr(old, name)),
            new=_display(name, getattr(new, name)),
        )
        for name in VALUE_FIELDS
        if getattr(old, name) != getattr(new, name)
    ]
    return Comparison(
        old=old,
        new=new,
        texts=texts,
        tags_added=tags_added,
        tags_removed=tags_removed,
        tags_renamed=tags_renamed,
        sources_added=added,
        sources_removed=removed,
        sources_moved=moved,
        sources_edited=edited,
        values=values,
    )


def snapshot_at(entry_revision: EntryRevision) -> EntrySnapshot:
    return EntrySnapshot.from_json(entry_revision.snapshot)


# --- restoring --------------------------------------------------------------------------------


class RestoreError(ValueError):
    """A restore refused, with the reason an editor reads."""


def can_restore(user) -> bool:
    """Editors restore revisions; reporters may read them."""
    return bool(user and user.has_perm(RESTORE_PERMISSION))


def restore_target(
    entry: Entry, entry_revision: EntryRevision, *, now: EntrySnapshot | None = None
) -> EntrySnapshot:
    """What the entry would be after restoring `entry_revision`: its content, today's state.

    `now` is the entry's snapshot as stored, when the caller already has it.
    """
    now = now or snapshot_of(entry)
    return dataclasses.replace(
        snapshot_at(entry_revision), status=now.status, publish_at=now.publish_at
    )


def needs_note(entry: Entry, target: EntrySnapshot, *, now: EntrySnapshot | None = None) -> bool:
    """Whether restoring `target` changes what readers read of a live entry (its headline or
    body), so that readers are told, in a public note, as for any correction or update."""
    now = now or snapshot_of(entry)
    return entry.is_live and (now.headline, now.body) != (target.headline, target.body)


@transaction.atomic
def restore(
    entry: Entry,
    entry_revision: EntryRevision,
    *,
    user,
    kind: str = Correction.Kind.UPDATE,
    note: str = "",
) -> Entry:
    """Bring back the headline, body, tags, sources, date and slug `entry_revision` kept.

    Restoring is itself a new version with its own revision and an audit event ("Restored
    version N"); nothing is overwritten. Tags are found by the id they had (a renamed tag is
    used under its new name), else by name, case-insensitively (re-created when gone); sources
    by URL, their details left as they are now (re-created from the revision when deleted). The
    status and publish time stay as they are. On a live entry whose headline or body it
    changes, a restore is an update readers are told about: `note` (of `kind`) is required and
    kept as a public note with the text before and after (`desk.corrections.keep_note`).
    Raises PermissionDenied for users without `events.restore_entry`, RestoreError when the
    revision cannot be restored or the note is missing.
    """
    if not can_restore(user):
        raise PermissionDenied("Only editors can restore revisions.")
    if entry_revision.entry_id != entry.pk:
        raise RestoreError("That revision belongs to another entry.")
    entry = workflow.lock(entry)
    now = snapshot_of(entry)
    target = restore_target(entry, entry_revision, now=now)
    if not now.changed_fields(target):
        raise RestoreError(
            f"Version {entry_revision.entry_version} has the same content as the entry now: "
            "nothing to restore."
        )
    clash = (
        Entry.objects.filter(event_date=target.event_date, slug=target.slug)
        .exclude(pk=entry.pk)
        .first()
    )
    if clash is not None:
        raise RestoreError(
            f"Version {entry_revision.entry_version} used the slug “{target.slug}” on "
            f"{target.event_date}, which another entry of that day now has: {clash}."
        )
    detail = f"Restored version {entry_revision.entry_version}"
    public = needs_note(entry, target, now=now)
    if public:
        try:
            note = corrections.check_note(kind=kind, note=note, user=user)
        except corrections.CorrectionError as refusal:
            raise RestoreError(
                f"This entry is live and restoring changes its text, so readers are told in a "
                f"public note. {refusal}"
            ) from refusal
        detail += f". {Correction.Kind(kind).label}: {note}"
    before = (entry.headline, entry.body)
    entry = workflow.apply_snapshot(
        entry,
        target,
        user=user,
        action=AuditEvent.Action.RESTORE,
        fields=RESTORED_FIELDS,
        detail=detail,
    )
    if public:
        corrections.keep_note(entry, kind=kind, note=note, user=user, before=before)
    return entry


# --- the entry's timeline ---------------------------------------------------------------------

# A save keeps a revision and records an event within the same transaction; they are told apart
# from other events by the same action and user within this span.
_SAME_SAVE = datetime.timedelta(seconds=5)


@dataclass(frozen=True)
class TimelineItem:
    """One moment of an entry's life: an audit event, the revision a save kept, or both."""

    when: datetime.datetime
    user: object
    action: str
    action_label: str
    detail: str = ""
    revision: EntryRevision | None = None
    event: AuditEvent | None = None


def merge_timeline(events: list[AuditEvent], revisions: list[EntryRevision]) -> list[TimelineItem]:
    """Audit events and revisions as one list, newest first; a save shows once, with both.

    An event is paired with the revision of the same action and user kept within a few seconds
    of it (a save keeps both in one transaction); what has no partner stands alone (a return
    of a held change keeps no revision; a revision may come from a script that records none).
    """
    unpaired = sorted(revisions, key=lambda r: r.revision.date_created)
    items: list[TimelineItem] = []
    for event in sorted(events, key=lambda e: (e.created, e.pk)):
        partner = next(
            (
                r
                for r in unpaired
                if r.action == event.action
                and r.revision.user_id == event.user_id
                and abs(r.revision.date_created - event.created) <= _SAME_SAVE
            ),
            None,
        )
        if partner is not None:
            unpaired.remove(partner)
        items.append(
            TimelineItem(
                when=event.created,
                user=event.user,
                action=event.action,
                action_label=event.get_action_display(),
                detail=event.detail,
                revision=partner,
                event=event,
            )
        )
    items.extend(
        TimelineItem(
            when=r.revision.date_created,
            user=r.revision.user,
            action=r.action,
            action_label=r.get_action_display(),
            # reversion's comment defaults to the action's label: shown only when it says more.
            detail="" if r.revision.comment == r.get_action_display() else r.revision.comment,
            revision=r,
        )
        for r in unpaired
    )
    items.sort(key=lambda item: item.when, reverse=True)
    return items


def timeline(entry: Entry, *, revisions: list[EntryRevision] | None = None) -> list[TimelineItem]:
    """The entry's audit events and revisions merged by time, newest first (two queries, one
    when the caller already holds `revisions_of(entry)`)."""
    events = list(AuditEvent.objects.filter(entry=entry).select_related("user"))
    if revisions is None:
        revisions = list(revisions_of(entry))
    return merge_timeline(events, revisions)
