"""Template helpers for public reading pages: absolute URLs, JSON-LD, ledes, snippets, stories."""

import json
import re

from django import template
from django.conf import settings
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import escape
from django.utils.safestring import mark_safe
from django.utils.timesince import timesince

from events.search import SNIPPET_START, SNIPPET_STOP, uses_postgres_search
from stories.selectors import story_of

from .. import cards as card_data
from .. import jinja
from .. import text as plain
from ..cards import Card, DayGroup

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
    """schema.org NewsArticle for an entry loaded by `with_card_data`, safe inside
    <script type="application/ld+json">."""
    url = absolute_url(context, entry.get_absolute_url())
    data = {
        "@context": "https://schema.org",
        "@type": "NewsArticle",
        "headline": plain.clip(entry.headline, 110),
        "url": url,
        "mainEntityOfPage": url,
        # The day the reported event happened; publication and edits are the dates below.
        "contentReferenceTime": entry.event_date.isoformat(),
        "keywords": sorted(tag.name for tag in entry.card_tags),
        "publisher": {"@type": "Organization", "name": settings.SITE_NAME},
    }
    if entry.publish_at:
        data["datePublished"] = entry.publish_at.isoformat()
    if entry.updated:
        data["dateModified"] = entry.updated.isoformat()
    description = card_data.lede_of(entry)
    if description:
        data["description"] = description
    story = story_of(entry)
    if story is not None:
        data["articleSection"] = story.name
    if entry.author_id:
        data["author"] = _author(entry.author)
    citations = [_creative_work(c.source) for c in entry.card_citations]
    if citations:
        data["citation"] = citations
    corrections = [
        {
            "@type": "CorrectionComment",
            "name": f"{c.verb} {date_format(timezone.localtime(c.created), 'j F Y')}",
            "text": c.note,
            "datePublished": c.created.isoformat(),
            "url": absolute_url(context, c.get_absolute_url()),
        }
        for c in entry.corrections.all()
    ]
    if corrections:
        data["correction"] = corrections
    return mark_safe(json.dumps(data, ensure_ascii=False).translate(JSON_ESCAPES))


def _author(user) -> dict:
    """The byline: the person's full name, or the newsroom when the account has none.

    Never the login name, which is half of what signing in to the desk takes.
    """
    full_name = user.get_full_name().strip()
    if full_name:
        return {"@type": "Person", "name": full_name}
    return {"@type": "Organization", "name": settings.SITE_NAME}


def _creative_work(source) -> dict:
    """A cited source as schema.org CreativeWork: url, name, publisher, datePublished."""
    work: dict = {"@type": "CreativeWork", "url": source.url}
    if source.title:
        work["name"] = source.title
    if source.publisher_id:
        work["publisher"] = {"@type": "Organization", "name": source.publisher.name}
    if source.published_on:
        work["datePublished"] = source.published_on.isoformat()
    return work


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


@register.filter
def clip(text: str, limit: int) -> str:
    """Text cut at a word boundary to at most `limit` characters, with an ellipsis if cut."""
    return plain.clip(str(text or ""), int(limit))


@register.filter
def plain_text(body: str) -> str:
    """A Markdown body as the plain words a reader sees (escaped by the template)."""
    return plain.plain_text(body)


@register.filter
def search_snippet(entry, query: str = "") -> str:
    """What a search result shows under its headline: body text around the match, never the
    headline again. PostgreSQL's marked fragment is used as it is; elsewhere the fragment is
    cut from the body at word boundaries here. Escaped, matches in <mark>.
    """
    if not entry.body:
        return ""
    if uses_postgres_search() and SNIPPET_START in (getattr(entry, "snippet", "") or ""):
        fragment = " ".join(entry.snippet.split())
        shown = fragment.replace(SNIPPET_START, "").replace(SNIPPET_STOP, "")
        body = " ".join(entry.body.split())
        head = "" if body.startswith(shown[:30]) else plain.ELLIPSIS + " "
        tail = "" if body.endswith(shown[-30:]) else " " + plain.ELLIPSIS
        return snippet(head + fragment + tail, query)
    words = (query or "").split()[:20]
    return snippet(plain.snippet_around(plain.plain_text(entry.body), words), query)


@register.filter
def cards(entries) -> list[Card]:
    """A page of entries (loaded by `with_card_data`) as cards: plain data to print."""
    return card_data.cards(entries)


@register.filter
def day_groups(entries) -> list[DayGroup]:
    """A page of entries as cards grouped by day, then by story (`reading.cards`)."""
    return card_data.day_groups(entries)


@register.filter
def ago(moment) -> str:
    """How long ago `moment` was ("2 hours ago"), in its largest unit only; "just now" under a
    minute (the page cache may serve it for PAGE_CACHE_SECONDS more)."""
    if not moment:
        return ""
    if (timezone.now() - moment).total_seconds() < 60:
        return "just now"
    return f"{timesince(moment, depth=1)} ago"


# The card partials are Jinja2 templates (reading/jinja.py says why); these tags print them.


@register.simple_tag
def story_groups(stories, *, grouped: bool, level: int) -> str:
    """A day's cards under their story headings (`StoryGroup`s), headings at `level`."""
    return jinja.render(
        "events/_story_groups.html", stories=stories, grouped=grouped, level=int(level)
    )


@register.simple_tag
def entry_card(card: Card, *, show_date: bool = False, show_story: bool = False) -> str:
    """One card, its headline at level 3; with its date (and story) when the list mixes days."""
    return jinja.render(
        "events/_entry_card.html", card=card, level=3, show_date=show_date, show_story=show_story
    )


@register.simple_tag
def tag_links(tags) -> str:
    """The linked tags of a card (`TagLink`s), or nothing when there are none."""
    return jinja.render("events/_tags.html", tags=tags)
