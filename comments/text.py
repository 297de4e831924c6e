"""Turn a reader's plain-text comment into safe HTML: escaped, paragraphs kept, URLs linked."""

import re

from django.utils.html import escape, format_html
from django.utils.safestring import SafeString, mark_safe

# http(s) URLs up to whitespace or a character that cannot start to matter in HTML.
URL_RE = re.compile(r"https?://[^\s<>\"']+", re.IGNORECASE)
# Punctuation that ends a sentence rather than the URL ("see https://x.org/a.").
TRAILING_PUNCTUATION = ".,;:!?"
PARAGRAPH_BREAK_RE = re.compile(r"\n{2,}")


def _split_trailing(url: str) -> tuple[str, str]:
    """Split sentence punctuation and an unbalanced closing bracket off the end of a URL."""
    tail = ""
    while url:
        last = url[-1]
        if last in TRAILING_PUNCTUATION or (last == ")" and url.count("(") < url.count(")")):
            tail = last + tail
            url = url[:-1]
        else:
            break
    return url, tail


def linkify(text: str) -> SafeString:
    """Escape `text` and turn its http(s) URLs into links readers' comments may carry.

    Links get rel="nofollow ugc" (user-generated, no endorsement) so spam earns no ranking.
    """
    parts: list[str] = []
    position = 0
    for match in URL_RE.finditer(text):
        url, tail = _split_trailing(match.group(0))
        parts.append(escape(text[position : match.start()]))
        if url.partition("://")[2]:
            parts.append(format_html('<a href="{0}" rel="nofollow ugc">{0}</a>', url))
        else:
            parts.append(escape(url))
        parts.append(escape(tail))
        position = match.end()
    parts.append(escape(text[position:]))
    return mark_safe("".join(parts))  # every piece above is escaped


def render_comment_body(text: str) -> SafeString:
    """Plain text to HTML: blank lines separate paragraphs, single line breaks are kept."""
    text = text.replace("\r\n", "\n").replace("\r", "\n").strip()
    paragraphs = [p for p in PARAGRAPH_BREAK_RE.split(text) if p.strip()]
    html = "".join(f"<p>{str(linkify(p)).replace(chr(10), '<br>')}</p>" for p in paragraphs)
    return mark_safe(html)  # built from linkify(), which escapes
