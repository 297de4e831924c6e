"""The "Related" widget: its data is read only by pages that show it."""

from django import template

from events.related import related_entries

register = template.Library()


@register.inclusion_tag("events/_related.html")
def related_stories(entry) -> dict:
    """Up to 10 live entries sharing tags with `entry`; nothing (and no query) if it has no tags.

    `entry.card_tags` is prefetched by the entry page's selector, so the check is free.
    """
    if not entry.card_tags:
        return {"related": []}
    return {"related": related_entries(entry)}
