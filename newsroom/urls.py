"""Root URLconf: the admin (the editors' desk), then the public site and comment posting."""

from django.conf import settings
from django.contrib import admin
from django.contrib.sitemaps.views import index, sitemap
from django.http import HttpResponse
from django.urls import include, path
from django.views.generic import TemplateView

from reading.sitemaps import SITEMAPS

urlpatterns = [
    path("admin/", admin.site.urls),
    path(
        "sitemap.xml",
        index,
        {"sitemaps": SITEMAPS, "sitemap_url_name": "sitemap-section"},
        name="sitemap",
    ),
    path("sitemap-<section>.xml", sitemap, {"sitemaps": SITEMAPS}, name="sitemap-section"),
    path(
        "robots.txt",
        TemplateView.as_view(template_name="robots.txt", content_type="text/plain"),
        name="robots",
    ),
    path("sources/", include("reading.publisher_urls")),
    path("", include("reading.urls")),
    path("", include("comments.urls")),
]


def ceiling(request):
    """The benchmarks' ceiling: what the middleware alone costs (BENCH_CEILING_VIEW only)."""
    return HttpResponse("ok", content_type="text/plain")


if settings.BENCH_CEILING_VIEW:
    urlpatterns.insert(0, path("bench/ceiling/", ceiling, name="bench-ceiling"))
