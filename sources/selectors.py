"""Reads over publishers and sources."""

from django.db.models import Exists, OuterRef

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


def cites_publisher(publisher: Publisher) -> Exists:
    """The one "entry cites publisher" filter: `entries.filter(cites_publisher(p))`.

    An EXISTS over the entry's citations, so an entry citing several of the publisher's
    articles appears once and other filters compose.
    """
    return Exists(Citation.objects.filter(entry=OuterRef("pk"), source__publisher=publisher))
