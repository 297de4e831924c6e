"""sitemap.xml section for publisher pages."""

from django.contrib.sitemaps import Sitemap
from django.urls import reverse

from .selectors import publishers_by_use


class PublisherSitemap(Sitemap):
    changefreq = "weekly"
    limit = 5000

    def items(self):
        return list(publishers_by_use().values_list("slug", flat=True))

    def location(self, slug):
        return reverse("sources:publisher", kwargs={"slug": slug})
