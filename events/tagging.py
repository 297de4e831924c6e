"""How editors type tags: comma-separated, quotes around a name that itself contains a comma.

Wired in through TAGGIT_TAGS_FROM_STRING / TAGGIT_STRING_FROM_TAGS. Unlike taggit's default,
a space never splits a tag ("North Korea" is one tag even with no comma in the field).
"""

import csv

from .limits import TAG_MAX_LENGTH

__all__ = ["TAG_MAX_LENGTH", "edit_string_for_tags", "parse_tags", "quote_tag"]


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
