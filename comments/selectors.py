"""Reads of comments for public pages; a fixed number of queries whatever the page size."""

from django.conf import settings
from django.core.paginator import Page, Paginator
from django.db.models import Count, IntegerField, OuterRef, Subquery
from django.db.models.functions import Coalesce

from events.models import Entry

from .models import Comment


def approved_comments_page(entry: Entry, *, page: str | int | None = 1) -> Page:
    """One page of `entry`'s approved comments, oldest first (COMMENTS_PER_PAGE per page).

    Two queries: the count and the page. A missing or invalid page number gives the first page,
    a number past the end the last one, so a hand-edited URL never errors.
    """
    comments = Comment.objects.approved().filter(entry=entry).order_by("created", "id")
    return Paginator(comments, settings.COMMENTS_PER_PAGE).get_page(page)


def pending_count() -> int:
    """How many comments wait for a moderator (the admin's badge)."""
    return Comment.objects.pending().count()


def approved_comment_count() -> Coalesce:
    """An entry's number of approved comments, as a correlated subquery for `annotate()`.

    A subquery rather than a join, so it needs no GROUP BY and other filters cannot inflate it.
    """
    counts = (
        Comment.objects.approved()
        .filter(entry=OuterRef("pk"))
        .order_by()
        .values("entry")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return Coalesce(Subquery(counts, output_field=IntegerField()), 0)
