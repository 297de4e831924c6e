"""Template helpers of the story pages: their JSON-LD, and the story box of an entry page."""

import json

from django import template
from django.conf import settings
from django.utils.safestring import mark_safe

from stories.selectors import story_of

from .. import cards as card_data
from .. import story_selectors
from .. import text as plain
from .reading import JSON_ESCAPES, absolute_url

register = template.Library()


@register.simple_tag(takes_context=True)
def story_json_ld(context, story, entries) -> str:
    """schema.org for a story page, safe inside <script type="application/ld+json">.

    While the story is developing: a LiveBlogPosting whose `liveBlogUpdate` are the page's
    entries (BlogPosting each). Otherwise a CollectionPage whose `hasPart` are those entries.
    """
    url = absolute_url(context, story.get_absolute_url())
    parts = [
        {
            "@type": "BlogPosting",
            "headline": plain.clip(entry.headline, 110),
            "url": absolute_url(context, entry.get_absolute_url()),
            "datePublished": entry.publish_at.isoformat() if entry.publish_at else None,
            "dateModified": entry.updated.isoformat() if entry.updated else None,
            "articleBody": card_data.lede_of(entry),
        }
        for entry in entries
    ]
    data: dict = {
        "@context": "https://schema.org",
        "url": url,
        "mainEntityOfPage": url,
        "headline": plain.clip(story.name, 110),
        "name": story.name,
        "description": plain.clip(plain.plain_text(story.summary), 300) or story.name,
        "dateModified": story.updated.isoformat(),
        "publisher": {"@type": "Organization", "name": settings.SITE_NAME},
    }
    if story.is_developing:
        data["@type"] = "LiveBlogPosting"
        if story.started:
            data["coverageStartTime"] = story.started.isoformat()
        data["liveBlogUpdate"] = parts
    else:
        data["@type"] = "CollectionPage"
        data["hasPart"] = parts
    return mark_safe(json.dumps(data, ensure_ascii=False).translate(JSON_ESCAPES))


@register.inclusion_tag("stories/_entry_story.html")
def entry_story(entry) -> dict:
    """The story an entry page belongs to, with its latest other entries (one query); nothing,
    and no query, for an entry in no story."""
    story = story_of(entry)
    if story is None:
        return {"story": None}
    return {"story": story, "latest": story_selectors.latest_in_story(entry, story)}
