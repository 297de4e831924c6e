"""Writes on sources: one place decides how a URL becomes a Source and who published it."""

import datetime
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from django.db import transaction
from django.db.models import Max
from django.utils.text import slugify

from events.models import Entry

from . import directory
from .links import domain_of, normalize_url
from .models import Citation, Publisher, PublisherDomain, PublisherRedirect, Source
from .selectors import publisher_for_url, publishers_for_urls


def free_publisher_slug(wanted: str, *, reserved: frozenset[str] | set[str] = frozenset()) -> str:
    """The publisher-slug rule: `wanted` slugified, or with -2, -3, ... when that is taken.

    Taken means used by a stored publisher or listed in `reserved` (slugs a bulk import is
    about to use). The admin, the archive import and the JSON Lines import all call this.
    """
    base = slugify(wanted)[:190] or "publisher"
    slug, n = base, 1
    while slug in reserved or Publisher.objects.filter(slug=slug).exists():
        n += 1
        slug = f"{base}-{n}"
    return slug


def get_or_create_publisher(
    name: str, *, domain: str = "", homepage: str = "", needs_name: bool = False
) -> Publisher:
    """The publisher called `name` (case-insensitively), created with a unique slug if new.

    `needs_name` flags a new publisher named only after its domain, for an editor to name.
    """
    name = " ".join(name.split())
    publisher = Publisher.objects.filter(name__iexact=name).first()
    if publisher:
        if domain and not publisher.domain and not Publisher.objects.filter(domain=domain).exists():
            publisher.domain = domain
            publisher.save(update_fields=["domain"])
        return publisher
    slug = free_publisher_slug(name)
    if domain and Publisher.objects.filter(domain=domain).exists():
        domain = ""  # the domain already belongs to another publisher; keep the first
    return Publisher.objects.create(
        name=name, slug=slug, domain=domain, homepage=homepage, needs_name=needs_name
    )


def publisher_for_domain(domain: str) -> Publisher:
    """The publisher credited for a source on `domain` when no stored publisher claims it.

    An outlet of the directory (sources/data/outlets.csv) gets its name and all its domains;
    any other domain gets a publisher shown by its lower-case domain and flagged `needs_name`,
    which the desk asks an editor to name when an entry citing it is published.
    """
    outlet = directory.outlet_for_domain(domain)
    if outlet is None:
        domain = domain.lower()
        return get_or_create_publisher(domain, domain=domain, needs_name=True)
    publisher = get_or_create_publisher(outlet.name, domain=outlet.domain, homepage=outlet.homepage)
    taken = {
        *Publisher.objects.filter(domain__in=outlet.domains).values_list("domain", flat=True),
        *PublisherDomain.objects.filter(domain__in=outlet.domains).values_list("domain", flat=True),
    }
    PublisherDomain.objects.bulk_create(
        [PublisherDomain(publisher=publisher, domain=d) for d in outlet.domains if d not in taken]
    )
    return publisher


def get_or_create_source(
    url: str,
    *,
    title: str = "",
    publisher: Publisher | None = None,
    byline: str = "",
    published_on: date | None = None,
    excerpt: str = "",
) -> Source:
    """The Source for `url` (normalised), created if new; blank details are filled in, never erased.

    When no publisher is given, the one whose domain matches the URL is used, and a publisher
    named after the domain is created if none matches yet.
    """
    canonical = normalize_url(url)
    source = Source.objects.filter(url=canonical).first()
    if publisher is None:
        publisher = publisher_for_url(canonical) or (source.publisher if source else None)
        if publisher is None:
            publisher = publisher_for_domain(domain_of(canonical))
    details = {
        "title": title.strip(),
        "byline": byline.strip(),
        "published_on": published_on,
        "excerpt": excerpt.strip(),
    }
    if source is None:
        return Source.objects.create(url=canonical, publisher=publisher, **details)
    changed = []
    for field, value in details.items():
        if value and getattr(source, field) != value:
            setattr(source, field, value)
            changed.append(field)
    if source.publisher_id is None or (publisher and source.publisher_id != publisher.pk):
        source.publisher = publisher
        changed.append("publisher")
    if changed:
        source.save(update_fields=changed)
    return source


@dataclass(frozen=True)
class NewSource:
    """One source an import wants, for `get_or_create_sources`."""

    url: str
    title: str = ""
    byline: str = ""
    excerpt: str = ""
    published_on: date | None = None
    created: datetime.datetime | None = None
    publisher_id: int | None = None


def get_or_create_sources(wanted: Iterable[NewSource]) -> dict[str, int]:
    """The bulk form of `get_or_create_source`, for imports: source ids keyed by normalised URL.

    A stored source is used as it is (an import never rewrites a source other entries cite),
    except that one with no publisher gets its domain's. A new source without a publisher gets
    the publisher of its domain, as `get_or_create_source` gives it, one made by
    `publisher_for_domain` (the directory's outlet, or the domain flagged unnamed) when none
    matches. A handful of queries per call, not one per source.
    """
    sources: dict[str, NewSource] = {}
    for item in wanted:
        sources.setdefault(normalize_url(item.url), item)
    if not sources:
        return {}
    stored = {s.url: s for s in Source.objects.filter(url__in=list(sources))}
    orphans = [url for url, s in stored.items() if s.publisher_id is None]
    new = {url: item for url, item in sources.items() if url not in stored}
    lacking = orphans + [url for url, item in new.items() if item.publisher_id is None]
    publishers: dict[str, int | None] = {
        url: p.pk for url, p in publishers_for_urls(lacking).items()
    }
    made: dict[str, int] = {}  # domain → the publisher named after it, made here
    for url in lacking:
        domain = domain_of(url)
        if url not in publishers and domain:
            if domain not in made:
                made[domain] = publisher_for_domain(domain).pk
            publishers[url] = made[domain]
    for url in orphans:
        if publishers.get(url):
            Source.objects.filter(pk=stored[url].pk, publisher__isnull=True).update(
                publisher_id=publishers[url]
            )
    ids = {url: source.pk for url, source in stored.items()}
    now = datetime.datetime.now(datetime.UTC)
    created = Source.objects.bulk_create(
        Source(
            url=url,
            title=item.title.strip(),
            byline=item.byline.strip(),
            excerpt=item.excerpt.strip(),
            published_on=item.published_on,
            created=item.created or now,
            publisher_id=item.publisher_id or publishers.get(url),
        )
        for url, item in new.items()
    )
    ids |= {source.url: source.pk for source in created}
    return ids


@transaction.atomic
def cite(entry: Entry, url: str, *, position: int | None = None, **details) -> Citation:
    """Attach the source at `url` to `entry` (once), at `position` or after its other sources."""
    source = get_or_create_source(url, **details)
    citation = Citation.objects.filter(entry=entry, source=source).first()
    if citation is None:
        if position is None:
            last = entry.citations.aggregate(last=Max("position"))["last"]
            position = 0 if last is None else last + 1
        return Citation.objects.create(entry=entry, source=source, position=position)
    if position is not None and citation.position != position:
        citation.position = position
        citation.save(update_fields=["position"])
    return citation


class MergeError(ValueError):
    """A publisher merge refused, with the reason an editor reads; nothing was changed."""


@transaction.atomic
def merge_publishers(merged: Iterable[Publisher], *, into: Publisher) -> int:
    """Fold `merged` publishers into `into`; returns how many sources were re-pointed.

    Their sources, other domains and redirects move to `into`, their main domains become its
    other domains, their slugs answer 301 to its page (PublisherRedirect), and they are deleted.
    Refuses merging a publisher into itself, and an empty list.
    """
    merged = list(merged)
    if not merged:
        raise MergeError("Choose at least one publisher to merge into another.")
    if any(p.pk == into.pk for p in merged):
        raise MergeError(f"{into} cannot be merged into itself: choose another target.")
    ids = [p.pk for p in merged]
    moved = Source.objects.filter(publisher_id__in=ids).update(publisher=into)
    PublisherDomain.objects.filter(publisher_id__in=ids).update(publisher=into)
    PublisherRedirect.objects.filter(publisher_id__in=ids).update(publisher=into)
    domains = [p.domain for p in merged if p.domain and p.domain != into.domain]
    slugs = [p.slug for p in merged]
    Publisher.objects.filter(pk__in=ids).delete()
    PublisherDomain.objects.bulk_create(
        [PublisherDomain(publisher=into, domain=d) for d in domains], ignore_conflicts=True
    )
    for slug in slugs:
        PublisherRedirect.objects.update_or_create(old_slug=slug, defaults={"publisher": into})
    PublisherRedirect.objects.filter(old_slug=into.slug).delete()
    return moved
