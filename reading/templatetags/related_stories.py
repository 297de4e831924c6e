"""The "Related" widget: its data is read only by pages that show it."""

from django import template

from events.models import Entry
from events.related import related_entries

register = template.Library()


@register.inclusion_tag("events/_related.html")
def related_stories(entry: Entry) -> dict:
    """Up to 10 live entries sharing tags with `entry`; nothing (and no query) if it has no tags.

    `entry.tags.all()` is prefetched by the entry page's selector, so the check is free.
    """
    if not entry.tags.all():
        return {"related": []}
    return {"related": related_entries(entry)}
