"""Tag housekeeping: rename, merge (and undo), aliases, unused tags, probable duplicates.

The one home of these rules: the tag admin, the housekeeping page, the `rename_tag` and
`merge_tags` commands and the tests all call these functions. Every write keeps what readers see
right at once: old slugs answer 301 (`events.models.TagRedirect`, read by
`reading.selectors.public_tag`), tag counts follow by database triggers, and `search_tags` and
the related-stories cache are refreshed here, since bulk writes send no per-link signals.
"""

from __future__ import annotations

import re
import unicodedata
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from django.db import connection, transaction
from django.db.models import Exists, F, IntegerField, Min, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone
from taggit.models import Tag

from events.limits import TAG_MAX_LENGTH
from events.models import Entry, TagAlias, TagCount, TaggedEntry, TagRedirect
from events.signals import entries_written_in_bulk
from events.tagging import clean_tag_name, free_slug, tag_key

from .models import AuditEvent, TagMerge
from .workflow import record

Action = AuditEvent.Action

# Entry ids per statement when a list of them goes into SQL (SQLite allows 999 parameters in
# older builds); a merge of a tag carried by 50,000 entries runs in chunks.
CHUNK = 500
# Pairs scoring at least this (pg_trgm similarity, 0..1) are shown as near spellings.
SIMILARITY = 0.5
SIMILAR_PAIRS = 50


class TagRefusal(ValueError):
    """A tag change that is refused, with the message for the editor; nothing was changed.

    `merge_into` names the tag an editor should merge into instead, when there is one.
    """

    def __init__(self, message: str, *, merge_into: Tag | None = None):
        super().__init__(message)
        self.merge_into = merge_into


def clean_name(name: str) -> str:
    """A tag name as stored: whitespace collapsed; refused when empty or too long."""
    name = " ".join((name or "").split())
    if not name:
        raise TagRefusal("A tag needs a name.")
    if len(name) > TAG_MAX_LENGTH:
        raise TagRefusal(f"A tag name has at most {TAG_MAX_LENGTH} characters.")
    return name


def _chunks(ids: Iterable[int]) -> Iterable[list[int]]:
    ids = sorted(set(ids))
    for start in range(0, len(ids), CHUNK):
        yield ids[start : start + CHUNK]


def _refresh(entry_ids: Iterable[int]) -> None:
    """Tell whoever follows entries that these entries' tags changed.

    The tag links were rewritten in bulk (no per-row signal): the entries' search text, the
    related-stories cache, the page cache and the API's changes feed hear of it through
    `entries_written_in_bulk`.
    """
    ids = sorted(set(entry_ids))
    entries_written_in_bulk.send(sender=TaggedEntry, entry_ids=ids, created=False)


def _touch(entry_ids: Iterable[int], *, user) -> None:
    """Count a tag operation as a change of each entry it touches: its version goes up.

    Inside the operation's transaction, so a form opened before it is a stale save (merged
    field by field, or refused) and never writes the tags it showed back over the change.
    """
    changes: dict[str, object] = {"version": F("version") + 1, "updated": timezone.now()}
    if getattr(user, "is_authenticated", False):
        changes["last_edited_by"] = user
    for chunk in _chunks(entry_ids):
        Entry.objects.filter(pk__in=chunk).update(**changes)


def _tag_by_name(name: str) -> Tag | None:
    """The tag whose name (by its identity key) is `name`; aliases and old slugs not followed."""
    key = tag_key(name)
    return (
        Tag.objects.filter(Q(identity__key=key) | Q(name=clean_tag_name(name)))
        .order_by("pk")
        .first()
    )


def _alias_named(name: str) -> TagAlias | None:
    return TagAlias.objects.filter(key=tag_key(name)).select_related("tag").first()


def tag_named(name: str) -> Tag:
    """The tag called `name` (any case); an alias or an unknown name is refused."""
    name = clean_name(name)
    tag = _tag_by_name(name)
    if tag is not None:
        return tag
    alias = _alias_named(name)
    if alias is not None:
        raise TagRefusal(f"“{name}” is an alias of “{alias.tag.name}”, not a tag of its own.")
    raise TagRefusal(f"No tag is called “{name}”.")


# --- rename ---------------------------------------------------------------------------------


def check_rename(tag: Tag, new_name: str) -> str:
    """The cleaned new name, or TagRefusal: the name of another tag (merge instead) or an alias.

    For a tag not saved yet (`add_tag`), the same: a new tag never takes another's name.
    """
    new_name = clean_name(new_name)
    other = _tag_by_name(new_name)
    other = other if other is not None and other.pk != tag.pk else None
    if other is not None and tag.pk is None:
        raise TagRefusal(f"A tag named “{other.name}” already exists.")
    alias = _alias_named(new_name)
    if alias is not None and tag.pk is None:
        raise TagRefusal(f"“{alias.name}” is an alias of “{alias.tag.name}”.")
    if other is not None:
        raise TagRefusal(
            f"A tag named “{other.name}” already exists. To make them one, merge “{tag.name}” "
            f"into “{other.name}” instead.",
            merge_into=other,
        )
    alias = _alias_named(new_name)
    if alias is not None:
        if alias.tag_id == tag.pk:
            raise TagRefusal(
                f"“{alias.name}” is an alias of this tag; remove the alias first, then rename."
            )
        raise TagRefusal(
            f"“{alias.name}” is an alias of “{alias.tag.name}”. To make them one, merge "
            f"“{tag.name}” into “{alias.tag.name}” instead.",
            merge_into=alias.tag,
        )
    return new_name


@transaction.atomic
def rename_tag(tag: Tag, new_name: str, *, user=None) -> Tag:
    """Rename `tag`; its slug follows the name and the old slug answers 301 for good.

    Refused (TagRefusal) onto another tag's name or an alias. Entries keep the tag: only its
    name and slug change, so counts stay; search text and related lists are refreshed.
    """
    new_name = check_rename(tag, new_name)
    old_name, old_slug = tag.name, tag.slug
    if new_name == old_name:
        return tag
    new_slug = free_slug(new_name, exclude=tag)
    tag.name, tag.slug = new_name, new_slug
    tag.save()  # post_save refreshes the entries' search text and the related cache
    _touch(
        TaggedEntry.objects.filter(tag=tag).values_list("content_object_id", flat=True), user=user
    )
    if new_slug != old_slug:
        TagRedirect.objects.filter(old_slug=new_slug).delete()
        TagRedirect.objects.update_or_create(old_slug=old_slug, defaults={"tag": tag})
    record(
        Action.TAG_RENAME,
        user=user,
        entry=None,
        detail=f"Renamed tag “{old_name}” to “{new_name}” (/tags/{old_slug}/ → /tags/{new_slug}/).",
    )
    return tag


@transaction.atomic
def add_tag(name: str, *, tag: Tag | None = None) -> Tag:
    """A new tag called `name`, its slug by the one rule (events.tagging.free_slug).

    `tag` is an unsaved Tag to save (the admin's form instance); a new one otherwise. Refused
    (TagRefusal) when a tag has the name in any spelling, or an alias has it. A name that was
    renamed or merged away may be given to a new tag, as a rename may take it: its old address
    then leads to the new tag instead of redirecting.
    """
    tag = tag if tag is not None else Tag()
    tag.name = check_rename(tag, name)
    tag.slug = free_slug(tag.name)
    tag.save()
    TagRedirect.objects.filter(old_slug=tag.slug).delete()
    return tag


# --- merge and undo ---------------------------------------------------------------------------


@dataclass(frozen=True)
class MergePreview:
    """What merging `sources` into `target` would change, for the confirmation page."""

    target: Tag
    sources: list[Tag]
    uses: dict[int, int]  # tag id → entries carrying it
    entries_changing: int  # entries that carry at least one of the merged tags
    entries_gaining_target: int  # of those, the ones that do not carry the target yet


def _check_merge(sources: Sequence[Tag], target: Tag) -> None:
    if not sources:
        raise TagRefusal("Choose at least one tag to merge into another.")
    if any(tag.pk == target.pk for tag in sources):
        raise TagRefusal(f"A tag cannot be merged into itself (“{target.name}”).")


def preview_merge(sources: Sequence[Tag], target: Tag) -> MergePreview:
    """How many entries a merge changes: three counting queries, whatever the tags' sizes."""
    _check_merge(sources, target)
    ids = [tag.pk for tag in sources]
    carrying = TaggedEntry.objects.filter(tag__in=ids).values("content_object")
    changing = Entry.objects.filter(pk__in=carrying)
    uses = dict(
        TagCount.objects.filter(tag_id__in=[*ids, target.pk]).values_list("tag_id", "entries")
    )
    return MergePreview(
        target=target,
        sources=list(sources),
        uses={tag_id: uses.get(tag_id, 0) for tag_id in [*ids, target.pk]},
        entries_changing=changing.count(),
        entries_gaining_target=changing.exclude(
            pk__in=TaggedEntry.objects.filter(tag=target).values("content_object")
        ).count(),
    )


def _plural(n: int, word: str) -> str:
    """ "1 entry", "3 entries", "2 unused tags"."""
    if n == 1:
        return f"{n} {word}"
    return f"{n} {word[:-1]}ies" if word.endswith("y") else f"{n} {word}s"


@transaction.atomic
def merge_tags(sources: Sequence[Tag], target: Tag, *, user=None) -> TagMerge:
    """Merge `sources` into `target`: every entry that carried any of them carries the target once.

    The merged tags are deleted; their slugs (and slugs that already redirected to them) answer
    301 to the target, their aliases become the target's. Counts follow by trigger; search text
    and related lists are refreshed here. The returned TagMerge (with its audit event) holds
    which entries had each former tag, so that `undo_merge` can give exactly those back.
    Refused (TagRefusal) with no tags or with the target among the sources.
    """
    _check_merge(sources, target)
    sources = list({tag.pk: tag for tag in sources}.values())
    ids = [tag.pk for tag in sources]
    carried: dict[int, list[int]] = defaultdict(list)
    for tag_id, entry_id in (
        TaggedEntry.objects.filter(tag__in=ids)
        .order_by("content_object_id")
        .values_list("tag_id", "content_object_id")
    ):
        carried[tag_id].append(entry_id)
    affected = {entry_id for entries in carried.values() for entry_id in entries}
    target_links = TaggedEntry.objects.filter(tag=target).values("content_object")
    links = TaggedEntry.objects.filter(tag__in=ids)
    target_had = sorted(
        links.filter(content_object__in=target_links)
        .values_list("content_object_id", flat=True)
        .distinct()
    )
    former = [
        {
            "name": tag.name,
            "slug": tag.slug,
            "entries": carried.get(tag.pk, []),
            "aliases": sorted(TagAlias.objects.filter(tag=tag).values_list("name", flat=True)),
        }
        for tag in sources
    ]
    # One link per entry moves to the target (the triggers move the counts); the rest go.
    first_links = (
        links.exclude(content_object__in=target_links)
        .order_by()
        .values("content_object")
        .annotate(first=Min("pk"))
        .values("first")
    )
    TaggedEntry.objects.filter(pk__in=Subquery(first_links)).update(tag=target)
    TaggedEntry.objects.filter(tag__in=ids).delete()
    TagAlias.objects.filter(tag__in=ids).update(tag=target)
    TagRedirect.objects.filter(tag__in=ids).update(tag=target)
    TagRedirect.objects.filter(old_slug__in=[tag.slug for tag in sources]).delete()
    TagRedirect.objects.bulk_create(TagRedirect(old_slug=tag.slug, tag=target) for tag in sources)
    TagRedirect.objects.filter(old_slug=target.slug).delete()
    Tag.objects.filter(pk__in=ids).delete()
    names = ", ".join(
        f"“{item['name']}” ({_plural(len(item['entries']), 'entry')})" for item in former
    )
    event = record(
        Action.TAG_MERGE,
        user=user,
        entry=None,
        detail=f"Merged {names} into “{target.name}”: {_plural(len(affected), 'entry')} "
        f"changed, {_plural(len(affected) - len(target_had), 'entry')} gained “{target.name}”.",
    )
    merge = TagMerge.objects.create(
        target=target,
        target_name=target.name,
        former=former,
        target_had=target_had,
        audit_event=event,
        merged_by=user if getattr(user, "is_authenticated", False) else None,
    )
    _touch(affected, user=user)
    _refresh(affected)
    return merge


@transaction.atomic
def undo_merge(merge: TagMerge, *, user=None) -> list[Tag]:
    """Undo `merge`: each former tag comes back on exactly the entries that had it.

    The target is taken off the entries that got it only by the merge; the former tags' slugs
    stop redirecting and their aliases go back to them. A former tag whose name exists again
    (someone typed it since) is reused. Entries deleted since are skipped. Refused (TagRefusal)
    when already undone or when the target has been deleted or merged away since.
    """
    merge = TagMerge.objects.select_for_update().get(pk=merge.pk)
    if merge.undone_at is not None:
        raise TagRefusal("This merge has already been undone.")
    target = merge.target
    if target is None:
        raise TagRefusal(
            f"“{merge.target_name}” has been deleted or merged since; this merge cannot be undone."
        )
    restored: list[Tag] = []
    affected: set[int] = set()
    for item in merge.former:
        tag = _tag_by_name(item["name"])
        if tag is None:
            TagAlias.objects.filter(key=tag_key(item["name"])).exclude(
                name__in=item["aliases"]
            ).delete()
            free = not Tag.objects.filter(slug=item["slug"]).exists()
            tag = Tag.objects.create(
                name=item["name"], slug=item["slug"] if free else free_slug(item["name"])
            )
        restored.append(tag)
        TagRedirect.objects.filter(old_slug=tag.slug).delete()
        TagAlias.objects.filter(tag=target, name__in=item["aliases"]).update(tag=tag)
        for chunk in _chunks(item["entries"]):
            present = Entry.objects.filter(pk__in=chunk).values_list("pk", flat=True)
            TaggedEntry.objects.bulk_create(
                [TaggedEntry(content_object_id=pk, tag=tag) for pk in present],
                ignore_conflicts=True,
            )
        affected.update(item["entries"])
    gained = affected - set(merge.target_had)
    for chunk in _chunks(gained):
        TaggedEntry.objects.filter(tag=target, content_object_id__in=chunk).delete()
    merge.undone_at = timezone.now()
    merge.save(update_fields=["undone_at"])
    record(
        Action.TAG_UNMERGE,
        user=user,
        entry=None,
        detail=f"Undid the merge of {', '.join(f'“{n}”' for n in merge.former_names)} into "
        f"“{target.name}”: {_plural(len(affected), 'entry')} have their former tags back.",
    )
    _touch(affected, user=user)
    _refresh(affected)
    return restored


def merge_by_name(names: Sequence[str], into: str, *, user=None) -> TagMerge:
    """`merge_tags` by names, as the command takes them: unknown names and aliases refused.

    Naming as target an alias of one of the tags being merged is merging a tag into itself.
    """
    into = clean_name(into)
    sources = [tag_named(name) for name in names]
    alias = _alias_named(into)
    if alias is not None and any(tag.pk == alias.tag_id for tag in sources):
        raise TagRefusal(
            f"“{alias.name}” is an alias of “{alias.tag.name}”: a tag cannot be merged into "
            "one of its own aliases."
        )
    return merge_tags(sources, tag_named(into), user=user)


# --- aliases ------------------------------------------------------------------------------------


def check_alias(tag: Tag, name: str, *, exclude: TagAlias | None = None) -> str:
    """The cleaned alias name, or TagRefusal: a tag's name (merge instead) or an alias already."""
    name = clean_name(name)
    if tag_key(tag.name) == tag_key(name):
        raise TagRefusal(f"“{name}” is this tag's own name, not another one.")
    other = _tag_by_name(name)
    if other is not None:
        raise TagRefusal(
            f"“{other.name}” is already a tag's name. To make it an alias of “{tag.name}”, "
            f"merge “{other.name}” into “{tag.name}”.",
            merge_into=tag,
        )
    aliases = TagAlias.objects.filter(key=tag_key(name)).select_related("tag")
    if exclude is not None and exclude.pk:
        aliases = aliases.exclude(pk=exclude.pk)
    alias = aliases.first()
    if alias is not None:
        raise TagRefusal(f"“{alias.name}” is already an alias of “{alias.tag.name}”.")
    return name


@transaction.atomic
def add_alias(tag: Tag, name: str, *, user=None) -> TagAlias:
    """Give `tag` another name: typing or importing it stores the tag; its slug answers 301."""
    name = check_alias(tag, name)
    alias = TagAlias.objects.create(tag=tag, name=name)
    record(Action.TAG_ALIAS, user=user, entry=None, detail=f"Added alias “{name}” → “{tag.name}”.")
    return alias


@transaction.atomic
def remove_alias(alias: TagAlias, *, user=None) -> None:
    name, tag_name = alias.name, alias.tag.name
    alias.delete()
    record(
        Action.TAG_ALIAS, user=user, entry=None, detail=f"Removed alias “{name}” → “{tag_name}”."
    )


# --- unused tags and probable duplicates ------------------------------------------------------


def with_uses(tags: QuerySet[Tag]) -> QuerySet[Tag]:
    """Annotate `uses`: the entries carrying each tag, drafts included (kept by triggers)."""
    counts = TagCount.objects.filter(tag_id=OuterRef("pk")).values("entries")
    return tags.annotate(uses=Coalesce(Subquery(counts, output_field=IntegerField()), 0))


def unused(tags: QuerySet[Tag]) -> QuerySet[Tag]:
    """The tags among `tags` that no entry carries."""
    return tags.exclude(Exists(TaggedEntry.objects.filter(tag=OuterRef("pk"))))


@transaction.atomic
def delete_unused_tags(tag_ids: Iterable[int], *, user=None) -> int:
    """Delete the tags among `tag_ids` that no entry carries (checked now); how many went."""
    doomed = list(unused(Tag.objects.filter(pk__in=list(tag_ids))).order_by("name"))
    if not doomed:
        return 0
    Tag.objects.filter(pk__in=[tag.pk for tag in doomed]).delete()
    record(
        Action.TAG_DELETE,
        user=user,
        entry=None,
        detail=f"Deleted {_plural(len(doomed), 'unused tag')}: "
        + ", ".join(f"“{tag.name}”" for tag in doomed),
    )
    return len(doomed)


def duplicate_key(name: str) -> str:
    """What probable duplicates share: case, accents, punctuation, spaces and a plural "s" gone.

    "Protests", "protest" and "Protést" share "protest"; "U.S." and "US" share "us".
    """
    text = unicodedata.normalize("NFKD", name)
    text = "".join(c for c in text if not unicodedata.combining(c)).casefold()
    words = re.sub(r"[^\w\s]|_", "", text).split()
    return "".join(w[:-1] if len(w) > 3 and w.endswith("s") else w for w in words)


@dataclass(frozen=True)
class Housekeeping:
    """The housekeeping page's data: one pass over the tags, one trigram query on PostgreSQL."""

    duplicates: list[list[Tag]]  # groups sharing a duplicate_key, most used first in each
    similar: list[tuple[list[Tag], float]]  # near-spelling pairs (PostgreSQL only), best first
    unused: list[Tag]
    tag_count: int


def _most_used_first(tags: Iterable[Tag]) -> list[Tag]:
    return sorted(tags, key=lambda t: (-t.uses, t.pk))


def similar_pairs(limit: int = SIMILAR_PAIRS) -> list[tuple[int, int, float]]:
    """Pairs of tag ids with near spellings by trigram similarity; [] unless on PostgreSQL.

    `%` lets the trigram index on the tag names (desk migration 0004) find the candidates.
    """
    if connection.vendor != "postgresql":
        return []
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT a.id, b.id, similarity(a.name, b.name) AS score "
            "FROM taggit_tag a JOIN taggit_tag b ON a.id < b.id AND a.name %% b.name "
            "WHERE similarity(a.name, b.name) >= %s ORDER BY score DESC, a.id, b.id LIMIT %s",
            [SIMILARITY, limit],
        )
        return [(a, b, float(score)) for a, b, score in cursor.fetchall()]


def housekeeping() -> Housekeeping:
    """Probable duplicates, near spellings and unused tags, each tag with its use count."""
    tags = {tag.pk: tag for tag in with_uses(Tag.objects.order_by("name"))}
    groups: dict[str, list[Tag]] = defaultdict(list)
    for tag in tags.values():
        groups[duplicate_key(tag.name)].append(tag)
    duplicates = [_most_used_first(group) for group in groups.values() if len(group) > 1]
    duplicates.sort(key=lambda group: group[0].name.casefold())
    keys = {tag.pk: duplicate_key(tag.name) for tag in tags.values()}
    similar = []
    for a, b, score in similar_pairs():
        if a in tags and b in tags and keys[a] != keys[b]:
            similar.append((_most_used_first([tags[a], tags[b]]), score))
    return Housekeeping(
        duplicates=duplicates,
        similar=similar,
        unused=[tag for tag in tags.values() if tag.uses == 0],
        tag_count=len(tags),
    )
