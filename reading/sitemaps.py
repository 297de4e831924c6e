"""Sitemap sections for entries, day archives, tags and publishers; all from published().

/sitemap.xml is the index; each section is served at /sitemap-<section>.xml in pages of at
most URLS_PER_PAGE URLs (the protocol allows 50,000), ?p=2 and on. The entry section is paged
from the trigger-kept live count, so no page counts the archive.
"""

from django.contrib.sitemaps import Sitemap
from django.urls import reverse

from events.models import Entry

from . import selectors
from .pagination import CountedPaginator

# The protocol allows 50,000; smaller pages keep each request's work (one URL reversed and
# rendered per entry) bounded, and the index lists them all.
URLS_PER_PAGE = 2_000


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

    def get_latest_lastmod(self):
        # Django's default reads every entry for the index's <lastmod>; the index omits it.
        return None


class DayArchiveSitemap(Sitemap):
    changefreq = "weekly"
    limit = URLS_PER_PAGE

    def items(self):
        return selectors.live_days()

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
