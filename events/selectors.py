"""Reads that feed public pages; each runs a fixed number of queries whatever the page size."""

from django.db.models import Count, IntegerField, OuterRef, Prefetch, QuerySet, Subquery
from django.db.models.functions import Coalesce

from .models import Entry


def _related_model(name: str):
    """The model behind a reverse relation other apps declare on Entry (citations, comments).

    Those apps depend on `events`; reaching their models through the relation keeps `events`
    from importing them.
    """
    return Entry._meta.get_field(name).related_model


def _citations_prefetch() -> Prefetch:
    """Citations with their source and publisher joined in, in the editor's order."""
    citation = _related_model("citations")
    return Prefetch("citations", queryset=citation.objects.select_related("source__publisher"))


def _approved_comment_count() -> Coalesce:
    """A correlated subquery counting an entry's approved comments (the comments app's rule)."""
    comment = _related_model("comments")
    counts = (
        comment.objects.approved()
        .filter(entry=OuterRef("pk"))
        .order_by()
        .values("entry")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return Coalesce(Subquery(counts, output_field=IntegerField()), 0)


def with_card_data(entries: QuerySet[Entry]) -> QuerySet[Entry]:
    """Attach what an entry card shows: tags, cited sources with publishers, comment count.

    Two extra queries for the whole page (tags; citations joined to sources and publishers),
    never one per entry. `approved_comment_count` is computed in the entries' own query, as a
    subquery rather than a join, so it needs no GROUP BY and other filters cannot inflate it.
    """
    return entries.prefetch_related("tags", _citations_prefetch()).annotate(
        approved_comment_count=_approved_comment_count()
    )


def latest_entries() -> QuerySet[Entry]:
    """Published entries, newest event first, ready to render as cards."""
    return with_card_data(Entry.objects.published().order_by("-event_date", "-publish_at", "-id"))


def entry_for_page(user) -> QuerySet[Entry]:
    """The queryset an entry page is looked up in: live entries, or drafts too for staff."""
    return with_card_data(Entry.objects.visible_to(user).select_related("author"))
