"""Reads that feed public pages; each runs a fixed number of queries whatever the page size."""

from django.db.models import Prefetch, QuerySet

from .models import Entry


def _citations_prefetch() -> Prefetch:
    """Citations with their source and publisher joined in, in the editor's order.

    The citation model belongs to the `sources` app, which depends on `events`; it is reached
    through the reverse relation so that `events` never imports it.
    """
    citation = Entry._meta.get_field("citations").related_model
    return Prefetch("citations", queryset=citation.objects.select_related("source__publisher"))


def with_card_data(entries: QuerySet[Entry]) -> QuerySet[Entry]:
    """Attach what an entry card shows: tags and cited sources with their publishers.

    Two extra queries for the whole page (tags; citations joined to sources and publishers),
    never one per entry.
    """
    return entries.prefetch_related("tags", _citations_prefetch())


def latest_entries() -> QuerySet[Entry]:
    """Published entries, newest event first, ready to render as cards."""
    return with_card_data(Entry.objects.published().order_by("-event_date", "-publish_at", "-id"))


def entry_for_page(user) -> QuerySet[Entry]:
    """The queryset an entry page is looked up in: live entries, or drafts too for staff."""
    return with_card_data(Entry.objects.visible_to(user).select_related("author"))
