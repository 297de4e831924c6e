"""Sitemap sections for entries, day archives, tags and publishers, and the Google News sitemap;
all from published().

/sitemap.xml is the index; each section is served at /sitemap-<section>.xml in pages of at
most URLS_PER_PAGE URLs (the protocol allows 50,000), ?p=2 and on. The entry section is paged
by blocks of entry ids, so no page counts the archive or skips rows with OFFSET.
"""

import datetime
import functools

from django.conf import settings
from django.contrib.sitemaps import Sitemap
from django.db.models import F, Max
from django.urls import reverse
from django.utils import timezone

from events.models import Entry

from . import selectors
from .cards import Links
from .pagination import IdBlockPaginator

# The protocol allows 50,000; smaller pages keep each request's work (one URL reversed and
# rendered per entry) bounded, and the index lists them all.
URLS_PER_PAGE = 2_000


class EntrySitemap(Sitemap):
    """Live entries, page p holding those with an id in the p-th block of URLS_PER_PAGE ids.

    Each page is two queries whatever its number: the highest entry id (how many pages there
    are) and one primary key range scan. An entry stays on its page for life, so crawlers and
    caches see a page change only when one of its own entries does. Pages may hold fewer
    URLs than the limit (drafts, scheduled and deleted entries leave gaps), even none.
    """

    changefreq = "monthly"
    limit = URLS_PER_PAGE

    @property
    def paginator(self):
        # Drafts included: MAX over the whole table reads one end of the primary key index,
        # while MAX over published() would filter its way down past any newer drafts.
        highest = Entry.objects.aggregate(highest=Max("pk"))["highest"] or 0
        return IdBlockPaginator(self.items(), self.limit, highest_pk=highest)

    def items(self):
        return Entry.objects.published().order_by("pk").only("event_date", "slug", "updated")

    def live_pages(self) -> set[int]:
        """The numbers of the pages holding at least one live entry (one grouped query).

        The sitemap index lists only these: a block of ids holding only drafts, scheduled or
        deleted entries would be an empty page, which crawlers report as an error.
        """
        blocks = (
            Entry.objects.published()
            .annotate(block=(F("pk") - 1) / self.limit)
            .values_list("block", flat=True)
            .order_by()
            .distinct()
        )
        return {block + 1 for block in blocks}

    @functools.cached_property
    def _links(self) -> Links:
        return Links()

    def location(self, entry):
        # The entry's URL filled into its pattern, reversed once per page rather than per URL.
        return self._links.entry(entry.event_date, entry.slug)

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


class NewsSitemap(Sitemap):
    """/sitemap-news.xml for Google News: entries that went live in the last 48 hours.

    Google News reads only those (and at most 1,000); each carries the publication's name and
    language, its publication time and its headline (reading/templates/reading/sitemap_news.xml).
    """

    limit = 1000
    window = datetime.timedelta(hours=48)

    def items(self):
        return (
            Entry.objects.published()
            .filter(publish_at__gte=timezone.now() - self.window)
            .order_by("-publish_at", "-id")
            .only("event_date", "slug", "headline", "publish_at")
        )

    def get_urls(self, page=1, site=None, protocol=None):
        urls = super().get_urls(page=page, site=site, protocol=protocol)
        language = settings.LANGUAGE_CODE.split("-")[0]
        for url in urls:
            url.update(publication=settings.SITE_NAME, language=language)
        return urls


NEWS_SITEMAPS = {"news": NewsSitemap}
