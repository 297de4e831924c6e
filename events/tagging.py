"""How editors type tags: comma-separated, quotes around a name that itself contains a comma.

Wired in through TAGGIT_TAGS_FROM_STRING / TAGGIT_STRING_FROM_TAGS. Unlike taggit's default,
a space never splits a tag ("North Korea" is one tag even with no comma in the field).

Aliases ("Kiev" for "Kyiv", `events.models.TagAlias`) are resolved here too, once for every way
a tag name comes in: the desk's tag field, the archive import and the JSON Lines import all call
`canonical_names` or `alias_targets`, so an alias is never stored as a tag of its own.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable
from typing import TYPE_CHECKING

from .limits import TAG_MAX_LENGTH

if TYPE_CHECKING:
    from taggit.models import Tag

__all__ = [
    "TAG_MAX_LENGTH",
    "alias_targets",
    "canonical_names",
    "edit_string_for_tags",
    "parse_tags",
    "quote_tag",
]


def parse_tags(text: str) -> list[str]:
    """Split the tag field: 'North Korea, "Facebook, Inc."' → ['Facebook, Inc.', 'North Korea'].

    Whitespace is collapsed, empty items dropped and names that differ only in case kept once.
    """
    if not text or not text.strip():
        return []
    row = next(csv.reader([text.replace("\n", " ")], skipinitialspace=True), [])
    names: dict[str, str] = {}
    for item in row:
        name = " ".join(item.replace('"', " ").split())
        if name:
            names.setdefault(name.casefold(), name)
    return sorted(names.values(), key=str.casefold)


def quote_tag(name: str) -> str:
    return f'"{name}"' if "," in name else name


def edit_string_for_tags(tags) -> str:
    """The field's text for existing tags, quoting the names that contain a comma."""
    return ", ".join(quote_tag(tag.name) for tag in sorted(tags, key=lambda t: t.name.casefold()))


def alias_targets(names: Iterable[str]) -> dict[str, Tag]:
    """The tag each alias among `names` stands for, keyed by the casefolded alias: one query.

    Names that are no alias are absent. Matching ignores case as tag names do.
    """
    from django.db.models.functions import Lower

    from .models import TagAlias

    wanted = {" ".join(name.split()).casefold() for name in names if name and name.strip()}
    if not wanted:
        return {}
    aliases = (
        TagAlias.objects.annotate(lowered=Lower("name"))
        .filter(lowered__in={name.lower() for name in wanted})
        .select_related("tag")
    )
    return {alias.name.casefold(): alias.tag for alias in aliases}


def canonical_names(names: Iterable[str]) -> list[str]:
    """`names` with every alias replaced by its tag's name, each name once, in the given order."""
    names = list(names)
    targets = alias_targets(names)
    result: dict[str, str] = {}
    for name in names:
        tag = targets.get(" ".join(name.split()).casefold())
        canonical = tag.name if tag is not None else name
        result.setdefault(canonical.casefold(), canonical)
    return list(result.values())


def moved_tags(values: Iterable[str]) -> dict[str, Tag]:
    """The tag each of `values` now stands for, when it is an alias (by name or slug) or a slug
    a tag no longer has (renamed or merged): keyed by the value as given. Two queries at most.
    """
    from django.db.models import Q

    from .models import TagAlias, TagRedirect

    values = [v for v in values if v and v.strip()]
    if not values:
        return {}
    found: dict[str, Tag] = {}
    by_name = alias_targets(values)
    for value in values:
        tag = by_name.get(" ".join(value.split()).casefold())
        if tag is not None:
            found[value] = tag
    rest = [v for v in values if v not in found]
    if rest:
        redirects = TagRedirect.objects.filter(old_slug__in=rest).select_related("tag")
        found.update({r.old_slug: r.tag for r in redirects})
        aliases = TagAlias.objects.filter(Q(slug__in=rest)).select_related("tag")
        found.update({a.slug: a.tag for a in aliases if a.slug not in found})
    return found
