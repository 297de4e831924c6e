"""The "Related" widget: its data is read only by pages that show it."""

from django import template

from events.related import related_entries
from reading import pagekeys

register = template.Library()


@register.inclusion_tag("events/_related.html")
def related_stories(entry) -> dict:
    """Up to 10 live entries sharing tags with `entry`; nothing (and no query) if it has no tags.

    `entry.card_tags` is prefetched by the entry page's selector, so the check is free.
    """
    if not entry.card_tags:
        return {"related": []}
    related = related_entries(entry)
    # The page shows these entries' headlines and links: an edit to one of them purges it.
    pagekeys.add_page_keys(pagekeys.entry_key(item.pk) for item in related)
    return {"related": related}
