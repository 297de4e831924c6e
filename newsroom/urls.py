"""Root URLconf: the admin (the editors' desk), then the public site and comment posting."""

from django.conf import settings
from django.contrib import admin
from django.contrib.sitemaps.views import sitemap
from django.http import HttpResponse
from django.urls import include, path
from django.views.generic import TemplateView

from newsroom import health
from reading.sitemaps import NEWS_SITEMAPS, SITEMAPS
from reading.views import sitemap_index, sitemap_section

# A database error that escapes a middleware is an outage (503), not a server error.
handler500 = "newsroom.outages.server_error"
# A refusal on the desk says why, in the desk's layout.
handler403 = "desk.refusals.permission_denied"

urlpatterns = [
    path("healthz", health.healthz, name="healthz"),
    path("readyz", health.readyz, name="readyz"),
    path("admin/", admin.site.urls),
    path(
        "sitemap.xml",
        sitemap_index,
        {"sitemaps": SITEMAPS, "sitemap_url_name": "sitemap-section"},
        name="sitemap",
    ),
    # Before the sections' pattern, which would take "news" for a section name.
    path(
        "sitemap-news.xml",
        sitemap,
        {"sitemaps": NEWS_SITEMAPS, "template_name": "reading/sitemap_news.xml"},
        name="sitemap-news",
    ),
    path(
        "sitemap-<section>.xml",
        sitemap_section,
        {"sitemaps": SITEMAPS},
        name="sitemap-section",
    ),
    path(
        "robots.txt",
        TemplateView.as_view(template_name="robots.txt", content_type="text/plain"),
        name="robots",
    ),
    path("api/v1/", include("api.urls")),
    path("", include("push.activitypub.urls")),
    path("sources/", include("reading.publisher_urls")),
    path("", include("push.live_urls")),
    path("", include("reading.urls")),
    path("", include("comments.urls")),
]


def ceiling(request):
    """The benchmarks' ceiling: what the middleware alone costs (BENCH_CEILING_VIEW only)."""
    return HttpResponse("ok", content_type="text/plain")


if settings.BENCH_CEILING_VIEW:
    urlpatterns.insert(0, path("bench/ceiling/", ceiling, name="bench-ceiling"))
