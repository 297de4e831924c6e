"""Reads over publishers and sources."""

from .links import domain_of
from .models import Publisher


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
