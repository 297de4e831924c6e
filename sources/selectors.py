"""Reads over publishers and sources."""

import datetime
from collections.abc import Iterable
from dataclasses import dataclass

from django.conf import settings
from django.db.models import Exists, F, OuterRef, Q

from events.models import Entry

from .directory import outlet_for_domain
from .links import domain_of, is_image_file, is_search_page
from .models import Citation, Publisher, PublisherRedirect


def publisher_for_url(url: str) -> Publisher | None:
    """The publisher of the URL's domain or a parent of it (news.bbc.co.uk → bbc.co.uk).

    One query: every suffix of the host is a candidate, among main and other domains; the
    longest match wins.
    """
    host = domain_of(url)
    if not host:
        return None
    labels = host.split(".")
    candidates = [".".join(labels[i:]) for i in range(len(labels) - 1)] or [host]
    # A publisher's main domain, or one of its other domains (bbc.co.uk and bbc.com): one row
    # per publisher and other domain, the join shared by the filter and the annotation.
    rows = Publisher.objects.filter(
        Q(domain__in=candidates) | Q(other_domains__domain__in=candidates)
    ).annotate(other_domain=F("other_domains__domain"))
    matches: dict[str, Publisher] = {}
    for publisher in rows:
        for domain in (publisher.domain, publisher.other_domain):
            if domain in candidates:
                matches.setdefault(domain, publisher)
    for candidate in candidates:
        if candidate in matches:
            return matches[candidate]
    return None


def publishers_for_urls(urls: Iterable[str]) -> dict[str, Publisher]:
    """`publisher_for_url` for many URLs in one query: the publisher of each URL that has one.

    Keyed by the URL as given; the longest matching domain wins, as for one URL.
    """
    candidates: dict[str, list[str]] = {}
    for url in urls:
        host = domain_of(url)
        if host:
            labels = host.split(".")
            candidates[url] = [".".join(labels[i:]) for i in range(len(labels) - 1)] or [host]
    every = {domain for domains in candidates.values() for domain in domains}
    if not every:
        return {}
    rows = Publisher.objects.filter(
        Q(domain__in=every) | Q(other_domains__domain__in=every)
    ).annotate(other_domain=F("other_domains__domain"))
    by_domain: dict[str, Publisher] = {}
    for publisher in rows.order_by("pk"):
        for domain in (publisher.domain, publisher.other_domain):
            if domain in every:
                by_domain.setdefault(domain, publisher)
    found: dict[str, Publisher] = {}
    for url, domains in candidates.items():
        for domain in domains:  # the longest first
            if domain in by_domain:
                found[url] = by_domain[domain]
                break
    return found


def unnamed_publishers(sources: list[tuple[str, str]]) -> list[Publisher | str]:
    """Who would be credited without a name for `sources`, (normalised URL, publisher name) pairs.

    A publisher still flagged "needs a name", whether the editor picked it or it owns the
    URL's domain; or, for a domain no publisher claims and the directory does not know, the
    domain itself (the publisher `services.publisher_for_domain` would create, unnamed).
    """
    unnamed: list[Publisher | str] = []
    for url, name in sources:
        publisher = (
            Publisher.objects.filter(name__iexact=name).first() if name else publisher_for_url(url)
        )
        if publisher is not None:
            if publisher.needs_name and publisher not in unnamed:
                unnamed.append(publisher)
        elif outlet_for_domain(domain_of(url)) is None and domain_of(url) not in unnamed:
            unnamed.append(domain_of(url))
    return unnamed


def cites_publisher(publisher: Publisher) -> Exists:
    """The one "entry cites publisher" filter: `entries.filter(cites_publisher(p))`.

    An EXISTS over the entry's citations, so an entry citing several of the publisher's
    articles appears once and other filters compose.
    """
    return Exists(Citation.objects.filter(entry=OuterRef("pk"), source__publisher=publisher))


@dataclass(frozen=True)
class CitationWarning:
    """Something worth a second look about a cited source; `other` is the entry it points to."""

    url: str
    message: str
    other: Entry | None = None


def citation_warnings(
    *,
    event_date: datetime.date,
    sources: list[tuple[str, datetime.date | None]],
    entry_id: int | None = None,
) -> list[CitationWarning]:
    """What to warn an editor about when an entry of `event_date` cites `sources`.

    `sources` are (normalised URL, publication date) pairs. Warned, never refused: a source
    published more than CITATION_DATE_WINDOW_DAYS before or after the event, a URL that is a
    search page or an image file, and a source another entry of the same day already cites
    (probably the same story). One query, for the last.
    """
    window = datetime.timedelta(days=settings.CITATION_DATE_WINDOW_DAYS)
    warnings: list[CitationWarning] = []
    for url, published_on in sources:
        if published_on and abs(published_on - event_date) > window:
            direction = "before" if published_on < event_date else "after"
            days = abs((published_on - event_date).days)
            warnings.append(
                CitationWarning(
                    url,
                    f"{url} was published {days} days {direction} the event "
                    f"({published_on:%d %B %Y}): is it about this event?",
                )
            )
        if is_search_page(url):
            warnings.append(
                CitationWarning(url, f"{url} looks like a search page: cite the article itself.")
            )
        if is_image_file(url):
            warnings.append(
                CitationWarning(url, f"{url} is an image file: cite the article that publishes it.")
            )
    same_day = Citation.objects.filter(
        source__url__in=[url for url, _ in sources], entry__event_date=event_date
    )
    if entry_id is not None:
        same_day = same_day.exclude(entry_id=entry_id)
    for citation in same_day.select_related("entry", "source").order_by("entry_id"):
        warnings.append(
            CitationWarning(
                citation.source.url,
                f"{citation.source.url} is already cited by another entry of the same day, "
                "probably the same story:",
                other=citation.entry,
            )
        )
    return warnings


def merged_publisher(slug: str) -> Publisher | None:
    """The publisher that the publisher once at `slug` was merged into, if any (one query)."""
    redirect = PublisherRedirect.objects.select_related("publisher").filter(old_slug=slug).first()
    return redirect.publisher if redirect else None
