"""An entry as editors see it at one moment: what revisions keep, compare and restore.

A snapshot holds what a reader sees of an entry and what decides when they see it: headline,
body, tags (by name), sources (in order, with their details), status and publish time, plus the
event date and slug that make its URL. Tags and sources are kept by name and by URL, never by
row id, so a snapshot still means the same thing after a tag is renamed or merged or a source is
edited or deleted.
"""

from __future__ import annotations

import datetime
from dataclasses import asdict, dataclass, field, replace
from typing import Any

from events.models import Entry
from events.tagging import tag_key

# The fields editors compare, in the order a comparison lists them.
TEXT_FIELDS = ("headline", "body")
FIELDS = ("event_date", "headline", "slug", "body", "tags", "sources", "status", "publish_at")
FIELD_LABELS = {
    "event_date": "date of the event",
    "headline": "headline",
    "slug": "slug",
    "body": "body",
    "tags": "tags",
    "sources": "sources",
    "status": "status",
    "publish_at": "publish time",
}


@dataclass(frozen=True)
class SourceSnapshot:
    """One cited source: its normalised URL and the details readers see."""

    url: str
    title: str = ""
    publisher: str = ""
    byline: str = ""
    published_on: str | None = None
    excerpt: str = ""

    @property
    def label(self) -> str:
        return self.title or self.url


@dataclass(frozen=True)
class EntrySnapshot:
    event_date: str
    headline: str
    slug: str
    body: str = ""
    tags: tuple[str, ...] = ()
    sources: tuple[SourceSnapshot, ...] = ()
    status: str = Entry.Status.DRAFT
    publish_at: str | None = None
    # The id each tag had when the snapshot was taken: a restore finds a renamed tag by it.
    tag_ids: dict[str, int] = field(default_factory=dict, compare=False, hash=False)

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["tags"] = list(self.tags)
        data["sources"] = [asdict(s) for s in self.sources]
        return data

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> EntrySnapshot:
        return cls(
            event_date=data["event_date"],
            headline=data["headline"],
            slug=data["slug"],
            body=data.get("body", ""),
            tags=normalise_tags(data.get("tags", [])),
            sources=tuple(SourceSnapshot(**s) for s in data.get("sources", [])),
            status=data.get("status", Entry.Status.DRAFT),
            publish_at=data.get("publish_at"),
            tag_ids={str(k): int(v) for k, v in (data.get("tag_ids") or {}).items()},
        )

    def changed_fields(self, other: EntrySnapshot) -> list[str]:
        """The fields whose values differ between the two snapshots, in FIELDS order."""
        return [name for name in FIELDS if getattr(self, name) != getattr(other, name)]


@dataclass(frozen=True)
class Merge:
    """Two edits made from one version (`base`), put together field by field.

    `result` is `mine` with their value in each field only they changed, and tags merged as a
    set (their tags, plus those I added, less those I removed). `kept_theirs` names the fields
    whose value is theirs (tags when the merged set is not mine); `conflicts` the fields both
    changed to different values, as (field, theirs, mine). With conflicts, nothing should be
    written without asking.
    """

    result: EntrySnapshot
    kept_theirs: list[str]
    conflicts: list[tuple[str, Any, Any]]


def merge(
    base: EntrySnapshot | None,
    theirs: EntrySnapshot,
    mine: EntrySnapshot,
    fields: tuple[str, ...] = FIELDS,
) -> Merge:
    """Merge `mine` and `theirs`, both made from `base`, over `fields` (see Merge).

    Without a base (no revision kept it) a field both sides hold differently is a conflict.
    """
    values: dict[str, Any] = {}
    kept, conflicts = [], []
    for name in fields:
        if name == "tags":
            continue
        ours, their = getattr(mine, name), getattr(theirs, name)
        if ours == their:
            continue
        old = getattr(base, name) if base is not None else None
        if base is not None and ours == old:
            values[name] = their  # only they changed it: keep theirs
            kept.append(name)
        elif base is not None and their == old:
            continue  # only I changed it: mine goes in
        else:
            conflicts.append((name, their, ours))
    if "tags" in fields:
        base_tags = set(base.tags) if base is not None else set(theirs.tags)
        mine_tags = set(mine.tags)
        added, removed = mine_tags - base_tags, base_tags - mine_tags
        tags = normalise_tags((set(theirs.tags) | added) - removed)
        if set(tags) != mine_tags:
            kept.append("tags")
        values["tags"] = tags
        values["tag_ids"] = {**theirs.tag_ids, **mine.tag_ids}
    kept.sort(key=FIELDS.index)
    return Merge(replace(mine, **values), kept, conflicts)


def normalise_tags(names) -> tuple[str, ...]:
    """Tag names as a set, in a stable order (case-insensitive sort, one per tag identity key)."""
    unique: dict[str, str] = {}
    for name in names:
        unique.setdefault(tag_key(name), name)
    return tuple(sorted(unique.values(), key=str.casefold))


def _iso(value: datetime.date | datetime.datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def snapshot_of(entry: Entry) -> EntrySnapshot:
    """The entry as stored now (three queries: the entry is given; tags; citations)."""
    citations = entry.citations.select_related("source__publisher").order_by("position", "id")
    tags = list(entry.tags.all())
    return EntrySnapshot(
        event_date=_iso(entry.event_date) or "",
        headline=entry.headline,
        slug=entry.slug,
        body=entry.body,
        tags=normalise_tags(tag.name for tag in tags),
        tag_ids={tag.name: tag.pk for tag in tags},
        sources=tuple(
            SourceSnapshot(
                url=c.source.url,
                title=c.source.title,
                publisher=c.source.publisher.name if c.source.publisher else "",
                byline=c.source.byline,
                published_on=_iso(c.source.published_on),
                excerpt=c.source.excerpt,
            )
            for c in citations
        ),
        status=entry.status,
        publish_at=_iso(entry.publish_at),
    )
