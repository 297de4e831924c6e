"""An entry's text as readers see it: plain words, clipped, and its lede (first sentence).

Pure functions over strings. Entry.save() stores the lede with them, so lists of entries show
ledes without rendering Markdown; pages and feeds clip and flatten text with the same rules.
"""

import html
import re

from django.utils.html import strip_tags

from .markdown import render_markdown

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
