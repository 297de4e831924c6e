"""Reads over publishers and sources."""

from django.db.models import Count, Exists, OuterRef, QuerySet

from events.models import Entry
from events.selectors import public_entries

from .links import domain_of
from .models import Citation, Publisher


def publisher_for_url(url: str) -> Publisher | None:
    """The publisher of the URL's domain or a parent of it (news.bbc.co.uk → bbc.co.uk).

    One query: every suffix of the host is a candidate, the longest match wins.
    """
    host = domain_of(url)
    if not host:
        return None
    labels = host.split(".")
    candidates = [".".join(labels[i:]) for i in range(len(labels) - 1)] or [host]
    matches = {p.domain: p for p in Publisher.objects.filter(domain__in=candidates)}
    for candidate in candidates:
        if candidate in matches:
            return matches[candidate]
    return None


def publishers_by_use() -> QuerySet[Publisher]:
    """Publishers cited by published entries, most cited first, annotated with `entry_count`."""
    live = Entry.objects.published().values("pk")
    return (
        Publisher.objects.filter(sources__citations__entry__in=live)
        .annotate(entry_count=Count("sources__citations__entry", distinct=True))
        .order_by("-entry_count", "name")
    )


def entries_citing(publisher: Publisher) -> QuerySet[Entry]:
    """Published entries that cite at least one of `publisher`'s sources, newest first."""
    return public_entries().filter(
        Exists(Citation.objects.filter(entry=OuterRef("pk"), source__publisher=publisher))
    )


def citation_count(publisher: Publisher) -> int:
    """How many times published entries cite `publisher`'s sources (one COUNT query)."""
    return Citation.objects.filter(
        source__publisher=publisher, entry__in=Entry.objects.published().values("pk")
    ).count()
