"""Template helpers for public reading pages: absolute URLs, JSON-LD, search snippets."""

import json
import re

from django import template
from django.conf import settings
from django.utils.html import escape
from django.utils.safestring import mark_safe

from events.search import SNIPPET_START, SNIPPET_STOP

register = template.Library()

JSON_ESCAPES = {ord("<"): "\\u003C", ord(">"): "\\u003E", ord("&"): "\\u0026"}


@register.simple_tag(takes_context=True)
def absolute_url(context, path: str) -> str:
    """`path` as an absolute URL: SITE_URL when set (canonical host), else the request's host."""
    if settings.SITE_URL:
        return settings.SITE_URL.rstrip("/") + path
    request = context.get("request")
    return request.build_absolute_uri(path) if request else path


@register.simple_tag(takes_context=True)
def news_article_json_ld(context, entry) -> str:
    """schema.org NewsArticle for an entry, safe inside <script type="application/ld+json">."""
    url = absolute_url(context, entry.get_absolute_url())
    data = {
        "@context": "https://schema.org",
        "@type": "NewsArticle",
        "headline": entry.headline[:110],
        "url": url,
        "mainEntityOfPage": url,
        "dateCreated": entry.event_date.isoformat(),
        "keywords": [tag.name for tag in entry.tags.all()],
        "publisher": {"@type": "Organization", "name": settings.SITE_NAME},
    }
    if entry.publish_at:
        data["datePublished"] = entry.publish_at.isoformat()
    if entry.updated:
        data["dateModified"] = entry.updated.isoformat()
    if entry.author_id:
        name = entry.author.get_full_name() or entry.author.get_username()
        data["author"] = {"@type": "Person", "name": name}
    citations = [c.source.url for c in entry.citations.all()]
    if citations:
        data["citation"] = citations
    return mark_safe(json.dumps(data, ensure_ascii=False).translate(JSON_ESCAPES))


@register.filter
def snippet(text: str, query: str = "") -> str:
    """An escaped search snippet with matches in <mark>.

    PostgreSQL marks matches itself (private-use markers); for the plain fallback the words of
    `query` are marked here, case-insensitively.
    """
    if not text:
        return ""
    text = escape(text)
    if SNIPPET_START in text:
        text = text.replace(SNIPPET_START, "<mark>").replace(SNIPPET_STOP, "</mark>")
        return mark_safe(text)
    words = [re.escape(escape(w)) for w in (query or "").split()[:20] if w]
    if words:
        pattern = re.compile("(" + "|".join(words) + ")", re.IGNORECASE)
        text = pattern.sub(r"<mark>\1</mark>", text)
    return mark_safe(text)
