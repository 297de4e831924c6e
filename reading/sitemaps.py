"""sitemap.xml sections for entries, day archives, tags and publishers; all from published()."""

from django.contrib.sitemaps import Sitemap
from django.urls import reverse

from events.models import Entry

from . import selectors


class EntrySitemap(Sitemap):
    changefreq = "monthly"
    limit = 5000

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
    limit = 5000

    def items(self):
        return list(Entry.objects.published().dates("event_date", "day", order="DESC"))

    def location(self, day):
        return reverse(
            "events:archive-day",
            kwargs={"year": f"{day:%Y}", "month": f"{day:%m}", "day": f"{day:%d}"},
        )


class TagSitemap(Sitemap):
    changefreq = "weekly"
    limit = 5000

    def items(self):
        return list(selectors.tags_by_use().values_list("slug", flat=True))

    def location(self, slug):
        return reverse("events:tag", kwargs={"slug": slug})


class PublisherSitemap(Sitemap):
    changefreq = "weekly"
    limit = 5000

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
