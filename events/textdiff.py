"""Word-level differences between two texts: pure functions, no database.

The desk compares revisions with them and the public "what changed" page of a correction
compares the published texts before and after it, so both show changes the same way.
"""

import difflib
import re
from dataclasses import dataclass

from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString

EQUAL, DELETE, INSERT = "equal", "delete", "insert"
# Words (letters, digits, apostrophes and hyphens inside them), single punctuation marks and
# runs of whitespace: joined back together they give the text unchanged.
_TOKENS = re.compile(r"\s+|[\w'’-]+|[^\w\s]")


@dataclass(frozen=True)
class Segment:
    """A run of text that both versions share (equal), or only the old (delete) or new (insert)."""

    op: str
    text: str


def tokens(text: str) -> list[str]:
    return _TOKENS.findall(text or "")


def word_diff(old: str, new: str) -> list[Segment]:
    """The two texts as shared, deleted and inserted runs of words, in reading order.

    A replaced run is given as its deletion followed by its insertion. autojunk is off: on long
    bodies it would treat frequent tokens (spaces, "the") as junk and misalign the texts.
    """
    a, b = tokens(old), tokens(new)
    matcher = difflib.SequenceMatcher(None, a, b, autojunk=False)
    segments: list[Segment] = []

    def add(op: str, text: str) -> None:
        if not text:
            return
        if segments and segments[-1].op == op:
            segments[-1] = Segment(op, segments[-1].text + text)
        else:
            segments.append(Segment(op, text))

    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            add(EQUAL, "".join(a[i1:i2]))
        else:
            add(DELETE, "".join(a[i1:i2]))
            add(INSERT, "".join(b[j1:j2]))
    return segments


def render_segments(segments: list[Segment]) -> SafeString:
    """The diff as HTML: deleted runs in <del>, inserted runs in <ins>, every run escaped."""
    markup = {EQUAL: "{}", DELETE: "<del>{}</del>", INSERT: "<ins>{}</ins>"}
    return format_html_join("", "{}", ((format_html(markup[s.op], s.text),) for s in segments))
