"""sitemap.xml sections for entries, day archives and tags; all from published() only."""

from django.contrib.sitemaps import Sitemap
from django.urls import reverse

from . import selectors
from .models import Entry


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
