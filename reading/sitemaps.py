"""Sitemap sections for entries, day archives, tags and publishers; all from published().

/sitemap.xml is the index; each section is served at /sitemap-<section>.xml in pages of at
most 50,000 URLs (the protocol's limit), ?p=2 and on. The entry section is paged from the
trigger-kept live count, so no page counts the archive.
"""

from django.contrib.sitemaps import Sitemap
from django.urls import reverse

from events.models import Entry

from . import selectors
from .pagination import CountedPaginator

URLS_PER_PAGE = 50_000


class EntrySitemap(Sitemap):
    changefreq = "monthly"
    limit = URLS_PER_PAGE

    @property
    def paginator(self):
        return CountedPaginator(self.items(), self.limit, count=selectors.live_entry_count())

    def items(self):
        return (
            Entry.objects.published()
            .order_by("-event_date", "-id")
            .only("event_date", "slug", "updated")
        )

    def lastmod(self, entry):
        return entry.updated


class DayArchiveSitemap(Sitemap):
    changefreq = "weekly"
    limit = URLS_PER_PAGE

    def items(self):
        return list(Entry.objects.published().dates("event_date", "day", order="DESC"))

    def location(self, day):
        return reverse(
            "events:archive-day",
            kwargs={"year": f"{day:%Y}", "month": f"{day:%m}", "day": f"{day:%d}"},
        )


class TagSitemap(Sitemap):
    changefreq = "weekly"
    limit = URLS_PER_PAGE

    def items(self):
        return list(selectors.tags_by_use().values_list("slug", flat=True))

    def location(self, slug):
        return reverse("events:tag", kwargs={"slug": slug})


class PublisherSitemap(Sitemap):
    changefreq = "weekly"
    limit = URLS_PER_PAGE

    def items(self):
        return list(selectors.publishers_by_use().values_list("slug", flat=True))

    def location(self, slug):
        return reverse("sources:publisher", kwargs={"slug": slug})


SITEMAPS = {
    "entries": EntrySitemap,
    "days": DayArchiveSitemap,
    "tags": TagSitemap,
    "publishers": PublisherSitemap,
}
