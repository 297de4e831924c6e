"""Reads that feed public pages; each runs a fixed number of queries whatever the page size."""

from django.db.models import Count, Q, QuerySet

from .models import Entry


def with_card_data(entries: QuerySet[Entry]) -> QuerySet[Entry]:
    """Attach what an entry card shows: tags, cited sources with their publishers, comment count.

    Two extra queries for the whole page (one for tags, one for citations), never one per entry.
    Citations are reached through the reverse relation the `sources` app declares, in the order
    the editor gave. `approved_comment_count` counts approved reader comments in the same query
    as the entries (reverse relation of the `comments` app, by name; distinct so that joins added
    by other filters never inflate it).
    """
    return entries.prefetch_related("tags", "citations__source__publisher").annotate(
        approved_comment_count=Count(
            "comments", filter=Q(comments__status="approved"), distinct=True
        )
    )


def latest_entries() -> QuerySet[Entry]:
    """Published entries, newest event first, ready to render as cards."""
    return with_card_data(Entry.objects.published().order_by("-event_date", "-publish_at", "-id"))


def entry_for_page(user) -> QuerySet[Entry]:
    """The queryset an entry page is looked up in: live entries, or drafts too for staff."""
    return with_card_data(Entry.objects.visible_to(user).select_related("author"))
