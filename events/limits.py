"""Field limits and the slug pattern: the one home every validator imports.

The models, the tag field, the archive parser and the JSON Lines import all check input against
these, so a value one of them accepts is never refused (or truncated) by another. Pure Python:
the archive parser imports it without touching Django's models.
"""

import re

HEADLINE_MAX_LENGTH = 1000
SLUG_MAX_LENGTH = 200
# A story heading (the archive's `##### Story` line) groups a day's entries.
STORY_MAX_LENGTH = 200
# taggit's Tag.name and Tag.slug are 100 characters.
TAG_MAX_LENGTH = 100
# A tag name's identity key (events.tagging.tag_key): casefolding and NFKC may lengthen a name
# ("ß" → "ss"); a key longer than this is cut, which only names of hundreds of ligatures reach.
TAG_KEY_MAX_LENGTH = 400
# What Django's SlugField accepts (ASCII letters, digits, hyphen, underscore).
SLUG_PATTERN = r"[-a-zA-Z0-9_]+"
SLUG_RE = re.compile(rf"^{SLUG_PATTERN}\Z")


def is_slug(value: object) -> bool:
    """Whether `value` is a string an entry's slug field would accept."""
    return isinstance(value, str) and bool(SLUG_RE.match(value)) and len(value) <= SLUG_MAX_LENGTH
