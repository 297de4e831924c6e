"""Plain-text helpers for presentation: snippets and source counts, plus the entry text rules
of events.text (clip, plain_text, lede), re-exported here for templates and views.

Pure functions over strings and already-loaded rows; none of them queries the database.
"""

from collections.abc import Iterable, Sequence

from events.text import ELLIPSIS, clip, first_sentence, lede, plain_text

__all__ = [
    "ELLIPSIS",
    "clip",
    "first_sentence",
    "lede",
    "plain_text",
    "snippet_around",
    "sources_summary",
]


def snippet_around(text: str, words: Sequence[str], *, limit: int = 240) -> str:
    """A piece of plain `text` of at most `limit` characters around the first of `words`.

    Cut at word boundaries, with an ellipsis where text was left out at either end.
    """
    text = " ".join((text or "").split())
    if len(text) <= limit:
        return text
    folded = text.casefold()
    hits = [folded.find(w.casefold()) for w in words if w]
    hits = [h for h in hits if h >= 0]
    start = max(0, min(hits) - limit // 3) if hits else 0
    if start:
        space = text.find(" ", start)
        start = space + 1 if 0 <= space < start + 30 else start
    piece = clip(text[start:], limit - (len(ELLIPSIS) if start else 0))
    return (ELLIPSIS if start else "") + piece


def sources_summary(publisher_names: Iterable[str | None]) -> str:
    """ "3 sources from 2 publishers" for the publisher names of an entry's sources (None: none)."""
    names = list(publisher_names)
    if not names:
        return ""
    count = len(names)
    publishers = len({n.casefold() for n in names if n})
    text = f"{count} source{'s' if count != 1 else ''}"
    if count > 1 and publishers:
        text += f" from {publishers} publisher{'s' if publishers != 1 else ''}"
    return text
