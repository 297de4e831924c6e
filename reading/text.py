"""Plain-text helpers for presentation: cut at word boundaries, ledes, snippets, source counts.

Pure functions over strings and already-loaded rows; none of them queries the database.
"""

import html
import re
from collections.abc import Iterable, Sequence

from django.utils.html import strip_tags

from events.markdown import render_markdown

ELLIPSIS = "…"
# Words after which a full stop does not end a sentence ("Mr. Kim", "U.N. report").
ABBREVIATIONS = frozenset(
    {"mr", "mrs", "ms", "dr", "st", "jr", "sr", "prof", "gen", "col", "lt", "sgt", "rev", "gov"}
    | {"sen", "rep", "inc", "ltd", "co", "corp", "no", "vs", "etc", "approx", "jan", "feb"}
    | {"mar", "apr", "jun", "jul", "aug", "sep", "sept", "oct", "nov", "dec"}
)
SENTENCE_END = re.compile(r"[.!?][\"'”’)\]]*(?=\s+[\"'“‘(\[]?[A-Z0-9])")


def clip(text: str, limit: int) -> str:
    """`text` cut to at most `limit` characters at a word boundary, with an ellipsis if cut."""
    text = " ".join((text or "").split())
    if len(text) <= limit:
        return text
    cut = text[: limit - len(ELLIPSIS) + 1]
    space = cut.rfind(" ")
    # One enormous word is cut inside rather than leaving almost nothing.
    cut = cut[:space] if space > limit // 2 else cut[: limit - len(ELLIPSIS)]
    return cut.rstrip(" ,;:–—-") + ELLIPSIS


def plain_text(markdown_text: str) -> str:
    """The words a reader sees when `markdown_text` is rendered: no markup, entities decoded."""
    if not markdown_text:
        return ""
    return " ".join(html.unescape(strip_tags(render_markdown(markdown_text))).split())


def first_sentence(text: str, *, limit: int = 300) -> str:
    """The first sentence of plain `text` (abbreviations and initials do not end it), clipped."""
    text = " ".join((text or "").split())
    for match in SENTENCE_END.finditer(text):
        words = text[: match.start()].split()
        last = words[-1].rstrip(".").casefold() if words else ""
        if last in ABBREVIATIONS or (re.fullmatch(r"(\w\.)*\w", last) and len(last) <= 3):
            continue
        return clip(text[: match.end()], limit)
    return clip(text, limit)


def lede(body: str, *, limit: int = 300) -> str:
    """An entry's lede: the first sentence of its rendered body, or "" when it has none."""
    return first_sentence(plain_text(body), limit=limit)


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
