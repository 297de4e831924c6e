"""The change log: writing it when entries, tags and sources change, and reading it in order.

What a mirror needs is "which entries and tags may look different now", at the moment it
becomes true for readers. Receivers (api/signals.py) call the `record_*` functions; the feed
reads `changes_after()`. The entry payloads the feed serves are the entries' current public
state, so a row only has to say *which* entry changed, never *how*.
"""

import base64
import datetime
from collections.abc import Iterable

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.dispatch import Signal
from django.utils import timezone

from events.models import Correction, Entry, TaggedEntry
from stories.models import Story

from .keyset import MAX_INT
from .models import Change

# Sent with `changes` (the Change rows just written, with their ids) inside the transaction
# that wrote them: apps that push changes out (push/) record their deliveries beside them.
changes_recorded = Signal()


def _write(rows: list[Change]) -> list[Change]:
    """Insert `rows` and tell the listeners, in the caller's transaction."""
    if rows:
        rows = Change.objects.bulk_create(rows, batch_size=1000)
        changes_recorded.send(sender=Change, changes=rows)
    return rows


def _is_live(status: str, publish_at: datetime.datetime | None, now: datetime.datetime) -> bool:
    # The same rule as Entry.objects.published(), applied to values we already hold (the state
    # before a save, which the database no longer has by post_save).
    return status == Entry.Status.PUBLISHED and publish_at is not None and publish_at <= now


def entry_state(entry_pk: int | None) -> tuple[str, datetime.datetime | None] | None:
    """An entry's stored (status, publish_at), read before a save overwrites it."""
    if entry_pk is None:
        return None
    return Entry.objects.filter(pk=entry_pk).values_list("status", "publish_at").first()


def record_entry_saved(entry: Entry, before: tuple[str, datetime.datetime | None] | None) -> None:
    """Record what a save of `entry` means to readers, now and at its publish time.

    A row effective now when the entry was live before or is live after (published, updated or
    unpublished); a row effective at the publish time when it is scheduled, since no signal
    fires when the clock makes it live. Rows still in the future are nobody's yet, so a save
    replaces them: a rescheduled or withdrawn entry leaves no stale row behind. Drafts that
    were never live leave no trace at all.
    """
    now = timezone.now()
    Change.objects.filter(entry_id=entry.pk, effective_at__gt=now).delete()
    was_live = before is not None and _is_live(*before, now)
    is_live = _is_live(entry.status, entry.publish_at, now)
    rows = []
    if was_live or is_live:
        if is_live and not was_live:
            kind = Change.Kind.ENTRY_PUBLISHED
        elif is_live:
            kind = Change.Kind.ENTRY_UPDATED
        else:
            kind = Change.Kind.ENTRY_UNPUBLISHED
        rows.append(Change(kind=kind, entry_id=entry.pk, effective_at=now))
    if entry.status == Entry.Status.PUBLISHED and entry.publish_at and entry.publish_at > now:
        rows.append(
            Change(
                kind=Change.Kind.ENTRY_PUBLISHED, entry_id=entry.pk, effective_at=entry.publish_at
            )
        )
    _write(rows)


def record_entries_written(entry_ids: Iterable[int]) -> None:
    """Record entries written in bulk (an import), as a save of each would: one query to read.

    They are new, so there is no "before": live ones are published now, scheduled ones at
    their publish time, drafts leave no trace. One read and one bulk insert, whatever the count.
    """
    now = timezone.now()
    published = (
        Entry.objects.filter(pk__in=list(entry_ids), status=Entry.Status.PUBLISHED)
        .exclude(publish_at=None)
        .order_by("pk")
        .values_list("pk", "publish_at")
    )
    _write(
        [
            Change(kind=Change.Kind.ENTRY_PUBLISHED, entry_id=pk, effective_at=max(at, now))
            for pk, at in published
            if at is not None
        ]
    )


def record_entry_deleted(entry: Entry) -> None:
    """A tombstone for a deleted entry that readers could see; pending rows go with it."""
    now = timezone.now()
    Change.objects.filter(entry_id=entry.pk, effective_at__gt=now).delete()
    if _is_live(entry.status, entry.publish_at, now):
        _write([Change(kind=Change.Kind.ENTRY_DELETED, entry_id=entry.pk, effective_at=now)])


def record_entries_updated(entry_ids: Iterable[int]) -> None:
    """An "updated" row for each of `entry_ids` that is live now (tags or sources changed).

    Scheduled entries need none: their row at the publish time serves their state as it is then.
    """
    ids = {pk for pk in entry_ids if pk is not None}
    if not ids:
        return
    now = timezone.now()
    live = Entry.objects.published().filter(pk__in=ids).order_by("pk").values_list("pk", flat=True)
    _write([Change(kind=Change.Kind.ENTRY_UPDATED, entry_id=pk, effective_at=now) for pk in live])


def tag_is_public(tag_id: int) -> bool:
    """Whether a live entry carries the tag: only then may the feed name it."""
    return TaggedEntry.objects.filter(
        tag_id=tag_id, content_object__in=Entry.objects.published().values("pk")
    ).exists()


def record_tag_renamed(tag, *, old_name: str, old_slug: str) -> None:
    """A `tag.renamed` row with the new name and slug, when readers can see the tag.

    Mirrors apply it to every entry carrying the tag id; no per-entry rows are needed.
    """
    if (tag.name, tag.slug) == (old_name, old_slug) or not tag_is_public(tag.pk):
        return
    _write(
        [
            Change(
                kind=Change.Kind.TAG_RENAMED,
                tag_id=tag.pk,
                data={
                    "name": tag.name,
                    "slug": tag.slug,
                    "old_name": old_name,
                    "old_slug": old_slug,
                },
                effective_at=timezone.now(),
            )
        ]
    )


def record_tag_deleted(tag_id: int, *, name: str, slug: str) -> None:
    """A `tag.deleted` row; the entries that carried it also get "updated" rows (the links)."""
    _write(
        [
            Change(
                kind=Change.Kind.TAG_DELETED,
                tag_id=tag_id,
                data={"name": name, "slug": slug},
                effective_at=timezone.now(),
            )
        ]
    )


def record_entry_corrected(correction: Correction) -> None:
    """An `entry.corrected` row for a correction, clarification or update on a live entry.

    The note travels in the row; the entry's corrected text is its current state, which the feed
    serves (a text change also records `entry.updated`).
    """
    _write(
        [
            Change(
                kind=Change.Kind.ENTRY_CORRECTED,
                entry_id=correction.entry_id,
                data={
                    "correction": correction.pk,
                    "correction_kind": correction.kind,
                    "note": correction.note,
                },
                effective_at=timezone.now(),
            )
        ]
    )


def record_tag_merged(target, *, merged: list[dict]) -> None:
    """A `tag.merged` row on the target: `merged` names the former tags ({"name", "slug"}).

    Each former tag that readers could see also has its `tag.deleted` row, and the entries that
    changed their "updated" rows; this one says where those tags went.
    """
    if not tag_is_public(target.pk):
        return
    _write(
        [
            Change(
                kind=Change.Kind.TAG_MERGED,
                tag_id=target.pk,
                data={"name": target.name, "slug": target.slug, "merged": merged},
                effective_at=timezone.now(),
            )
        ]
    )


def story_is_public(story_id: int) -> bool:
    """Whether a live entry belongs to the story: only then may the feed name it."""
    return Story.objects.public().filter(pk=story_id).exists()


def record_story_updated(story) -> None:
    """A `story.updated` row with the story's name, slug and status, when readers can see it.

    Its entries' payloads carry the story by id, so mirrors update it everywhere from this row.
    """
    if not story_is_public(story.pk):
        return
    _write(
        [
            Change(
                kind=Change.Kind.STORY_UPDATED,
                story_id=story.pk,
                data={"name": story.name, "slug": story.slug, "status": story.status},
                effective_at=timezone.now(),
            )
        ]
    )


def story_status(story_pk: int | None) -> str | None:
    """A story's stored status, read before a save overwrites it (None: not stored yet)."""
    if story_pk is None:
        return None
    return Story.objects.filter(pk=story_pk).values_list("status", flat=True).first()


def story_event(before: str | None, after: str, *, created: bool) -> str | None:
    """The one rule for opening and closing: `story.opened`, `story.closed` or None.

    A story is opened when it is created, or moved from concluded back to developing or
    ongoing; it is closed when it moves to concluded. Any other save opens and closes nothing.
    """
    concluded = Story.Status.CONCLUDED
    if created:
        return Change.Kind.STORY_CLOSED if after == concluded else Change.Kind.STORY_OPENED
    if before is None or before == after:
        return None
    if after == concluded:
        return Change.Kind.STORY_CLOSED
    if before == concluded:
        return Change.Kind.STORY_OPENED
    return None


def record_story_status(story, *, before: str | None, created: bool) -> None:
    """A `story.opened` or `story.closed` row when the save moved the story's status so.

    Written whether or not readers can see the story yet (a new story has no entries): these
    rows feed webhooks to the newsroom's subscribers; the public feed leaves them out.
    """
    kind = story_event(before, story.status, created=created)
    if kind is None:
        return
    _write(
        [
            Change(
                kind=kind,
                story_id=story.pk,
                data={"name": story.name, "slug": story.slug, "status": story.status},
                effective_at=timezone.now(),
            )
        ]
    )


def record_story_deleted(story_id: int, *, name: str, slug: str, status: str) -> None:
    """A `story.deleted` row; its entries also get "updated" rows (their story is gone)."""
    _write(
        [
            Change(
                kind=Change.Kind.STORY_DELETED,
                story_id=story_id,
                data={"name": name, "slug": slug, "status": status},
                effective_at=timezone.now(),
            )
        ]
    )


# Reading the log.


class BadCursor(ValueError):
    """A cursor this server did not hand out."""


def encode_cursor(change: Change) -> str:
    micros = int(change.effective_at.timestamp() * 1_000_000)
    return base64.urlsafe_b64encode(f"{micros}.{change.pk}".encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[datetime.datetime, int]:
    """(effective_at, id) from a cursor; BadCursor for anything we did not encode."""
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode("ascii")
        micros, pk = raw.split(".")
        if not (micros.isdigit() and pk.isdigit()) or int(pk) > MAX_INT:
            raise ValueError
        when = datetime.datetime.fromtimestamp(int(micros) / 1_000_000, tz=datetime.UTC)
        return when, int(pk)
    except (ValueError, UnicodeDecodeError, OverflowError, OSError) as error:
        raise BadCursor(cursor) from error


def settled_before(now: datetime.datetime | None = None) -> datetime.datetime:
    """The newest effective time the feed may serve: API_CHANGES_SETTLE_SECONDS ago.

    A row is written inside the transaction that makes the change, with the time it was
    written; it commits a moment later. Serving only rows older than the settle time means
    every row at or before a cursor a client holds has committed, so none is ever skipped.
    """
    now = now or timezone.now()
    return now - datetime.timedelta(seconds=settings.API_CHANGES_SETTLE_SECONDS)


# Rows for webhook subscribers only: the public feed leaves them out (a story opened may have
# no live entry yet, so readers may not see it).
PUSH_ONLY_KINDS = (Change.Kind.STORY_OPENED, Change.Kind.STORY_CLOSED)


def changes_after(cursor: str | None, *, limit: int, push_only: bool = False) -> list[Change]:
    """Up to `limit` settled changes after `cursor` (from the start when None), in feed order.

    `push_only` includes the rows only webhooks deliver (PUSH_ONLY_KINDS), for a replay.
    """
    rows = Change.objects.filter(effective_at__lte=settled_before())
    if not push_only:
        rows = rows.exclude(kind__in=PUSH_ONLY_KINDS)
    if cursor:
        when, pk = decode_cursor(cursor)
        rows = rows.filter(Q(effective_at__gt=when) | Q(effective_at=when, pk__gt=pk))
    return list(rows.order_by("effective_at", "pk")[:limit])


def latest_change() -> Change | None:
    """The newest change already true for readers: what every API response depends on.

    Its id and time make the API's ETag and Last-Modified (one indexed query).
    """
    return (
        Change.objects.filter(effective_at__lte=timezone.now())
        .order_by("-effective_at", "-pk")
        .only("pk", "effective_at")
        .first()
    )


def record_all_live(*, now: datetime.datetime | None = None) -> int:
    """Rows that bring any mirror to the present, whatever happened without signals.

    For writes that send no signals (bulk imports, `QuerySet.update()`, raw SQL): an "updated"
    row for every live entry, a pending row for every scheduled one, and a removal for every
    entry the log has named that is no longer live. Returns the number of rows written.
    """
    now = now or timezone.now()
    live = set(Entry.objects.published().order_by("pk").values_list("pk", flat=True))
    existing = set(Entry.objects.values_list("pk", flat=True))
    named = set(
        Change.objects.filter(entry_id__isnull=False).values_list("entry_id", flat=True).distinct()
    )
    gone = [
        Change(
            kind=Change.Kind.ENTRY_UNPUBLISHED if pk in existing else Change.Kind.ENTRY_DELETED,
            entry_id=pk,
            effective_at=now,
        )
        for pk in sorted(pk for pk in named - live if pk is not None)
    ]
    scheduled = Entry.objects.filter(status=Entry.Status.PUBLISHED, publish_at__gt=now).values_list(
        "pk", "publish_at"
    )
    rows = gone + [
        Change(kind=Change.Kind.ENTRY_UPDATED, entry_id=pk, effective_at=now) for pk in sorted(live)
    ]
    Change.objects.filter(effective_at__gt=now, entry_id__isnull=False).delete()
    rows += [
        Change(kind=Change.Kind.ENTRY_PUBLISHED, entry_id=pk, effective_at=at)
        for pk, at in scheduled
        if at is not None
    ]
    _write(rows)
    return len(rows)


# Reading the log as it happens (the live streams, push/live.py).
#
# The feed above waits API_CHANGES_SETTLE_SECONDS so that no row commits behind a cursor it
# handed out. A live page cannot wait half a minute, so the streams read rows as soon as they
# are effective and look again, for that same settle time, for rows that committed late: a
# late row is delivered out of order rather than lost.

LIVE_BATCH = 500


def cursor_key(change: Change) -> tuple[datetime.datetime, int]:
    """A row's place in the feed order, (effective_at, id): what a cursor encodes."""
    return change.effective_at, change.pk


def _after(key: tuple[datetime.datetime, int]) -> Q:
    when, pk = key
    return Q(effective_at__gt=when) | Q(effective_at=when, pk__gt=pk)


def _effective(now: datetime.datetime) -> "models.QuerySet[Change]":
    return Change.objects.filter(effective_at__lte=now).exclude(kind__in=PUSH_ONLY_KINDS)


def newest_effective(now: datetime.datetime | None = None) -> tuple[datetime.datetime, int] | None:
    """The key of the newest row already true for readers (None: the log is empty)."""
    row = (
        _effective(now or timezone.now())
        .order_by("-effective_at", "-pk")
        .values_list("effective_at", "pk")
        .first()
    )
    return (row[0], row[1]) if row else None


def effective_after(
    key: tuple[datetime.datetime, int], *, until: tuple[datetime.datetime, int] | None, limit: int
) -> list[Change]:
    """Up to `limit` rows after `key` and no later than `until`, already effective, in feed
    order, without waiting for them to settle: what a reconnecting stream missed."""
    rows = _effective(timezone.now()).filter(_after(key))
    if until is not None:
        rows = rows.exclude(_after(until))
    return list(rows.order_by("effective_at", "pk")[:limit])


def recent_ids(since: datetime.datetime, now: datetime.datetime) -> dict[int, datetime.datetime]:
    """{id: effective_at} of the effective rows newer than `since`: what a stream that starts
    now counts as already seen when it looks back for late rows."""
    return dict(_effective(now).filter(effective_at__gt=since).values_list("pk", "effective_at"))


def live_changes(
    key: tuple[datetime.datetime, int],
    *,
    seen: dict[int, datetime.datetime],
    now: datetime.datetime,
    limit: int = LIVE_BATCH,
) -> list[Change]:
    """Rows effective by `now` that came after `key`, or that committed late inside the settle
    window (not in `seen`, the ids already delivered in that window), in feed order.

    One query on the (effective_at, id) index; `seen` stays as small as the window's traffic.
    """
    window = now - datetime.timedelta(seconds=settings.API_CHANGES_SETTLE_SECONDS)
    rows = _effective(now).filter(_after(key) | Q(effective_at__gt=window))
    if seen:
        rows = rows.exclude(pk__in=list(seen))
    return list(rows.order_by("effective_at", "pk")[:limit])
