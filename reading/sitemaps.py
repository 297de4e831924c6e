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
from django.db import connection
from django.db.models import F, Max
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

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
        # Plain rows rather than model instances: a page builds 2,000 of them.
        return (
            Entry.objects.published()
            .order_by("pk")
            .values_list("event_date", "slug", "updated", named=True)
        )

    def live_pages(self) -> set[int]:
        """The numbers of the pages holding at least one live entry (one query).

        The sitemap index lists only these: a block of ids holding only drafts, scheduled or
        deleted entries would be an empty page, which crawlers report as an error. Each block
        up to the highest id is probed for one live entry (a short primary key range scan that
        stops at the first), so the query reads a few index pages per block rather than every
        entry. Live means `published()`: its SQL is the probe's, not a copy of the rule.
        """
        live = Entry.objects.published().order_by().values(live_id=F("pk"))
        live_sql, params = live.query.sql_with_params()
        with connection.cursor() as cursor:
            cursor.execute(
                f"""WITH RECURSIVE blocks(b) AS (
                        SELECT 0
                        UNION ALL
                        SELECT b + 1 FROM blocks
                        WHERE b < (SELECT (MAX(id) - 1) / %s FROM {Entry._meta.db_table})
                    )
                    SELECT b FROM blocks WHERE EXISTS (
                        SELECT 1 FROM ({live_sql}) live
                        WHERE live.live_id > b * %s AND live.live_id <= (b + 1) * %s
                    )""",
                [self.limit, *params, self.limit, self.limit],
            )
            return {block + 1 for (block,) in cursor.fetchall()}

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


def urlset_xml(urls: list[dict]) -> str:
    """Django's sitemap.xml template's output for `urls` (Sitemap.get_urls rows), built in Python.

    The template renders each URL through `{% if %}` tags and the date filter and then
    `{% spaceless %}` rescans the whole document: about 0.2 ms a URL, 400 ms for a full page.
    The same text written here costs a few microseconds a URL. Alternates are not written: no
    section of ours has any.
    """
    parts = [
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"'
        ' xmlns:xhtml="http://www.w3.org/1999/xhtml">\n'
    ]
    zone = timezone.get_current_timezone()  # the date filter's: dates as the site's clock reads
    for url in urls:
        parts.append(f"<url><loc>{escape(url['location'])}</loc>")
        if lastmod := url["lastmod"]:
            if isinstance(lastmod, datetime.datetime) and timezone.is_aware(lastmod):
                lastmod = lastmod.astimezone(zone)
            parts.append(f"<lastmod>{lastmod:%Y-%m-%d}</lastmod>")
        if url["changefreq"]:
            parts.append(f"<changefreq>{escape(url['changefreq'])}</changefreq>")
        if url["priority"]:
            parts.append(f"<priority>{escape(url['priority'])}</priority>")
        parts.append("</url>")
    parts.append("\n</urlset>\n")
    return "".join(parts)


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
