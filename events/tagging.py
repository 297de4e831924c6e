"""Tag identity, and how editors type tags.

One home for what makes two tag names the same tag and what a new tag's slug is; the desk's
tag field and housekeeping, revision restore, the archive import, the JSON Lines import and
the demo loader all go through it:

- `tag_key(name)`: the identity of a name (whitespace collapsed, NFKC, casefolded), stored
  unique beside each tag (`TagKey`) and each alias (`TagAlias.key`), so "STRASSE" is "Straße"
  and "ΚΊΕΒΟΣ" is "Κίεβος" on every database (SQL's LOWER and LIKE fold ASCII only on SQLite);
- `find_tags(names)`: the one lookup. A name stands for the tag with its key, else the tag of
  the alias with its key ("Kiev" → "Kyiv"), else the tag its slug now redirects to (a tag
  renamed or merged away), so a merged-away name typed or restored lands on the merge's target;
- `tag_slug(name)` and `free_slug(name)`: the one slug rule (Django's slugify keeping Unicode
  letters, "Київ" → "київ"; "tag" for a name with no letters; -1, -2 ... when taken);
- `tags_for(names)`: the tags for typed names, new ones created by that rule.

The field's text: comma-separated, quotes around a name that itself contains a comma (wired in
through TAGGIT_TAGS_FROM_STRING / TAGGIT_STRING_FROM_TAGS). Unlike taggit's default, a space
never splits a tag ("North Korea" is one tag even with no comma in the field).
"""

from __future__ import annotations

import csv
import unicodedata
from collections.abc import Iterable
from typing import TYPE_CHECKING

from django.utils.text import slugify

from .limits import TAG_KEY_MAX_LENGTH, TAG_MAX_LENGTH

if TYPE_CHECKING:
    from taggit.models import Tag

__all__ = [
    "TAG_MAX_LENGTH",
    "canonical_names",
    "clean_tag_name",
    "edit_string_for_tags",
    "find_tags",
    "free_slug",
    "moved_tags",
    "parse_tags",
    "quote_tag",
    "tag_key",
    "tag_slug",
    "tags_by_key",
    "tags_for",
]


def clean_tag_name(name: str) -> str:
    """A tag name as stored: whitespace collapsed (length is checked by the callers' forms)."""
    return " ".join((name or "").split())


def tag_key(name: str) -> str:
    """What two names of one tag share: whitespace collapsed, NFKC-normalised and casefolded.

    "Straße", "STRASSE" and "strasse" share "strasse"; "Київ" and "КИЇВ" share "київ";
    "ΚΊΕΒΟΣ" and "Κίεβος" share "κίεβοσ". Accents stay: "Protést" is not "Protest".
    """
    text = clean_tag_name(unicodedata.normalize("NFKC", name or ""))
    return unicodedata.normalize("NFKC", text.casefold())[:TAG_KEY_MAX_LENGTH]


def tag_slug(name: str) -> str:
    """The slug rule of tags and aliases: Unicode letters kept ("Київ" → "київ"); "tag" if none."""
    return slugify(name, allow_unicode=True)[:TAG_MAX_LENGTH].strip("-") or "tag"


def free_slug(name: str, *, exclude: Tag | None = None, reserved: Iterable[str] = ()) -> str:
    """`tag_slug(name)`, with -1, -2 ... when another tag has it (or it is in `reserved`)."""
    from taggit.models import Tag

    reserved = set(reserved)
    others = Tag.objects.exclude(pk=exclude.pk) if exclude is not None else Tag.objects.all()
    slug = tag_slug(name)
    candidate, i = slug, 0
    while candidate in reserved or others.filter(slug=candidate).exists():
        i += 1
        candidate = f"{slug[: TAG_MAX_LENGTH - len(str(i)) - 1]}-{i}"
    return candidate


def parse_tags(text: str) -> list[str]:
    """Split the tag field: 'North Korea, "Facebook, Inc."' → ['Facebook, Inc.', 'North Korea'].

    Whitespace is collapsed, empty items dropped and names of one tag key kept once.
    """
    if not text or not text.strip():
        return []
    row = next(csv.reader([text.replace("\n", " ")], skipinitialspace=True), [])
    names: dict[str, str] = {}
    for item in row:
        name = clean_tag_name(item.replace('"', " "))
        if name:
            names.setdefault(tag_key(name), name)
    return sorted(names.values(), key=str.casefold)


def quote_tag(name: str) -> str:
    return f'"{name}"' if "," in name else name


def edit_string_for_tags(tags) -> str:
    """The field's text for existing tags, quoting the names that contain a comma."""
    return ", ".join(quote_tag(tag.name) for tag in sorted(tags, key=lambda t: t.name.casefold()))


def find_tags(names: Iterable[str]) -> dict[str, Tag]:
    """The tag each of `names` stands for now, keyed by `tag_key(name)`: the one lookup.

    By the tag's stored key (or, for a tag older than its key, its exact name); else by an
    alias's key; else by the slug the name would have, where that slug now redirects (the tag
    was renamed, or merged into another). Names that stand for no tag are absent. Four
    queries at most, each on a unique index, whatever the number of names; one when every
    name is a tag's.
    """
    from taggit.models import Tag

    from .models import TagAlias, TagKey, TagRedirect

    wanted: dict[str, str] = {}
    for name in names:
        name = clean_tag_name(name)
        if name:
            wanted.setdefault(tag_key(name), name)
    if not wanted:
        return {}
    keys = TagKey.objects.filter(key__in=list(wanted)).select_related("tag")
    found: dict[str, Tag] = {row.key: row.tag for row in keys}
    names = [wanted[key] for key in wanted if key not in found]
    if names:  # a tag older than its key (see TagKey) is found by its exact name
        for tag in Tag.objects.filter(name__in=names).order_by("pk"):
            found.setdefault(tag_key(tag.name), tag)
    rest = [key for key in wanted if key not in found]
    if rest:
        for alias in TagAlias.objects.filter(key__in=rest).select_related("tag"):
            found[alias.key] = alias.tag
    slugs = {tag_slug(wanted[key]): key for key in wanted if key not in found}
    if slugs:
        for redirect in TagRedirect.objects.filter(old_slug__in=list(slugs)).select_related("tag"):
            found[slugs[redirect.old_slug]] = redirect.tag
    return found


def canonical_names(names: Iterable[str]) -> list[str]:
    """`names` with each one that stands for a tag replaced by that tag's name, each once.

    An alias gives its tag's name, a case or spelling variant the tag's stored name, a renamed
    or merged-away name the name of the tag it went to; a new name is kept as typed.
    """
    names = [clean_tag_name(n) for n in names]
    names = [n for n in names if n]
    found = find_tags(names)
    result: dict[str, str] = {}
    for name in names:
        tag = found.get(tag_key(name))
        canonical = tag.name if tag is not None else name
        result.setdefault(tag_key(canonical), canonical)
    return list(result.values())


def create_tag(name: str) -> Tag:
    """A new tag called `name`, its slug by the one rule; its key is written by events.signals.

    Raises IntegrityError when another tag has the same key (someone created it meanwhile):
    call `tags_for`, which looks first and retries.
    """
    from taggit.models import Tag

    name = clean_tag_name(name)
    return Tag.objects.create(name=name, slug=free_slug(name))


def tags_for(names: Iterable[str]) -> list[Tag]:
    """The tags `names` stand for (see `find_tags`), in order and each once; new ones created.

    A tag created at the same moment by another request is found, never doubled.
    """
    names = [n for n in (clean_tag_name(n) for n in names) if n]
    found = tags_by_key(names)
    return list({found[tag_key(name)].pk: found[tag_key(name)] for name in names}.values())


def tags_by_key(names: Iterable[str]) -> dict[str, Tag]:
    """`find_tags(names)`, with a tag created for each name that stands for none."""
    from django.db import IntegrityError, transaction

    names = [n for n in (clean_tag_name(n) for n in names) if n]
    found = find_tags(names)
    for name in names:
        key = tag_key(name)
        if key in found:
            continue
        try:
            with transaction.atomic():
                found[key] = create_tag(name)
        except IntegrityError:
            tag = find_tags([name]).get(key)
            if tag is None:
                raise
            found[key] = tag
    return found


def moved_tags(values: Iterable[str]) -> dict[str, Tag]:
    """The tag each of `values` now stands for, when it is an alias (by name or slug) or a slug
    a tag no longer has (renamed or merged): keyed by the value as given. Three queries at most.
    """
    from .models import TagAlias, TagRedirect

    values = [v for v in values if v and v.strip()]
    if not values:
        return {}
    found: dict[str, Tag] = {}
    keys = {tag_key(v): v for v in values}
    for alias in TagAlias.objects.filter(key__in=list(keys)).select_related("tag"):
        found[keys[alias.key]] = alias.tag
    rest = [v for v in values if v not in found]
    if rest:
        redirects = TagRedirect.objects.filter(old_slug__in=rest).select_related("tag")
        found.update({r.old_slug: r.tag for r in redirects})
        aliases = TagAlias.objects.filter(slug__in=rest).select_related("tag")
        found.update({a.slug: a.tag for a in aliases if a.slug not in found})
    return found
