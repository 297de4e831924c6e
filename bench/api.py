"""Benchmark: per-request time of the API's entry list against the HTML list, same run.

    python bench/api.py [--entries 10000] [--requests 100] [--rounds 3]

Serves, in process through Django's test client (no network, no server): `/events/` (the HTML
list), `/api/v1/entries/` (django-ninja, what we ship) and, when Django REST framework is
installed (`pip install -e '.[bench]'`, as `make bench` does), the same page of the same
entries from a DRF ListAPIView with CursorPagination and nested serializers, defined here only
for the comparison. Each round requests every URL `--requests` times, URLs interleaved, so
machine load hits all alike; figures are the median per-request time over all rounds and the
requests per second it implies.

Runs on the database DATABASE_URL names; without it, on a throwaway SQLite file in the temporary
directory. The corpus (entries with 3 tags from 500 and 2 cited sources from 100 publishers,
bulk-inserted) is made on the first run and reused while it has the requested size.
"""

import argparse
import datetime
import os
import random
import statistics
import sys
import tempfile
import time
import types
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "newsroom.settings.dev")
os.environ.setdefault(
    "DATABASE_URL", f"sqlite:///{Path(tempfile.gettempdir()) / 'newsroom-bench-api.sqlite3'}"
)
os.environ["API_RATE_LIMIT"] = "0"

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import transaction  # noqa: E402
from django.test import Client  # noqa: E402
from django.utils import timezone  # noqa: E402
from taggit.models import Tag  # noqa: E402

from events.models import Entry, TaggedEntry  # noqa: E402
from events.search import refresh_search_tags  # noqa: E402
from sources.models import Citation, Publisher, Source  # noqa: E402

PREFIX = "bench-api"
SEED = 20140219
BATCH = 2000


def generate(n: int) -> None:
    rng = random.Random(SEED)
    Entry.objects.filter(slug__startswith=PREFIX).delete()
    Citation.objects.filter(source__url__contains=f"/{PREFIX}/").delete()
    Source.objects.filter(url__contains=f"/{PREFIX}/").delete()
    tags = [
        Tag.objects.get_or_create(slug=f"{PREFIX}-tag-{i}", defaults={"name": f"Bench tag {i}"})[0]
        for i in range(500)
    ]
    publishers = [
        Publisher.objects.get_or_create(
            slug=f"{PREFIX}-publisher-{p}",
            defaults={"name": f"Bench publisher {p}", "domain": f"bench{p}.example"},
        )[0]
        for p in range(100)
    ]
    live_since = timezone.now() - datetime.timedelta(days=1)
    start = datetime.date(2010, 1, 1)
    for first in range(0, n, BATCH):
        with transaction.atomic():
            rows = Entry.objects.bulk_create(
                Entry(
                    event_date=start + datetime.timedelta(days=i // 5),
                    headline=f"Bench entry {i} about ceasefire talks",
                    slug=f"{PREFIX}-{i}",
                    body=f"Body of *bench* entry {i}: negotiators met again.",
                    status=Entry.Status.PUBLISHED,
                    publish_at=live_since,
                )
                for i in range(first, min(first + BATCH, n))
            )
            if rows[0].pk is None:
                rows = list(Entry.objects.filter(slug__in=[r.slug for r in rows]).order_by("pk"))
            TaggedEntry.objects.bulk_create(
                TaggedEntry(content_object=entry, tag=tag)
                for entry in rows
                for tag in rng.sample(tags, 3)
            )
            sources = Source.objects.bulk_create(
                Source(
                    url=f"https://{publishers[(e.pk + s) % 100].domain}/{PREFIX}/{e.pk}/{s}",
                    title=f"Story {e.pk}.{s}",
                    publisher=publishers[(e.pk + s) % 100],
                    byline="A. Reporter",
                )
                for e in rows
                for s in range(2)
            )
            if sources[0].pk is None:
                sources = list(
                    Source.objects.filter(url__contains=f"/{PREFIX}/").order_by("-pk")[
                        : len(rows) * 2
                    ]
                )[::-1]
            Citation.objects.bulk_create(
                Citation(entry=rows[k // 2], source=source, position=k % 2)
                for k, source in enumerate(sources)
            )
            refresh_search_tags(entry.pk for entry in rows)


def drf_urlconf() -> str | None:
    """The site's URLs plus /bench/drf/entries/: the entry list written with DRF."""
    try:
        from rest_framework import generics, pagination, renderers, serializers
    except ImportError:
        return None
    from django.urls import path

    from api.selectors import api_entries
    from newsroom import urls as site_urls

    class TagSerializer(serializers.Serializer):
        id = serializers.IntegerField()
        name = serializers.CharField()
        slug = serializers.CharField()

    class PublisherSerializer(serializers.Serializer):
        name = serializers.CharField()
        slug = serializers.CharField()

    class SourceSerializer(serializers.Serializer):
        url = serializers.CharField(source="source.url")
        title = serializers.CharField(source="source.title")
        publisher = PublisherSerializer(source="source.publisher", allow_null=True)
        byline = serializers.CharField(source="source.byline")
        published_on = serializers.DateField(source="source.published_on")

    class EntrySerializer(serializers.Serializer):
        id = serializers.IntegerField()
        date = serializers.DateField(source="event_date")
        headline = serializers.CharField()
        slug = serializers.CharField()
        body_markdown = serializers.CharField(source="body")
        body_html = serializers.SerializerMethodField()
        tags = serializers.SerializerMethodField()
        sources = SourceSerializer(source="citations", many=True)
        url = serializers.SerializerMethodField()
        published_at = serializers.DateTimeField(source="publish_at")
        modified_at = serializers.DateTimeField(source="updated")

        def get_body_html(self, entry):
            from events.markdown import render_markdown

            return str(render_markdown(entry.body)) if entry.body else ""

        def get_tags(self, entry):
            tags = sorted(entry.tags.all(), key=lambda t: (t.name, t.pk))
            return TagSerializer(tags, many=True).data

        def get_url(self, entry):
            return self.context["request"].build_absolute_uri(entry.get_absolute_url())

    class Cursor(pagination.CursorPagination):
        ordering = ("-event_date", "-id")
        page_size = 50
        page_size_query_param = "limit"

    class EntryList(generics.ListAPIView):
        serializer_class = EntrySerializer
        pagination_class = Cursor
        renderer_classes = [renderers.JSONRenderer]
        authentication_classes: list = []
        permission_classes: list = []

        def get_queryset(self):
            return api_entries()

    module = types.ModuleType("bench_api_urls")
    module.urlpatterns = [  # type: ignore[attr-defined]  # a module built at run time
        path("bench/drf/entries/", EntryList.as_view()),
        *site_urls.urlpatterns,
    ]
    sys.modules["bench_api_urls"] = module
    return "bench_api_urls"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--entries", type=int, default=10_000)
    parser.add_argument("--requests", type=int, default=100)
    parser.add_argument("--rounds", type=int, default=3)
    args, _ = parser.parse_known_args()  # `make bench` passes every benchmark the same options

    settings.DEBUG = False
    settings.ALLOWED_HOSTS = ["testserver"]
    call_command("migrate", verbosity=0)
    if Entry.objects.filter(slug__startswith=PREFIX).count() != args.entries:
        print(f"generating {args.entries:,} entries …", flush=True)
        generate(args.entries)
    urls = {"HTML /events/": "/events/", "ninja /api/v1/entries/": "/api/v1/entries/?limit=50"}
    urlconf = drf_urlconf()
    if urlconf:
        settings.ROOT_URLCONF = urlconf
        urls["DRF (same page)"] = "/bench/drf/entries/?limit=50"
    # One entry a page: what is left is mostly each framework's own per-request work.
    urls["ninja, 1 entry a page"] = "/api/v1/entries/?limit=1"
    if urlconf:
        urls["DRF, 1 entry a page"] = "/bench/drf/entries/?limit=1"
    else:
        print("Django REST framework not installed: its line is skipped")

    client = Client()
    timings: dict[str, list[float]] = {name: [] for name in urls}
    for url in urls.values():  # warm up: first-request imports and caches
        assert client.get(url).status_code == 200, url
    for _ in range(args.rounds):
        for _ in range(args.requests):
            for name, url in urls.items():
                started = time.perf_counter()
                response = client.get(url)
                timings[name].append(time.perf_counter() - started)
                assert response.status_code == 200
    db = settings.DATABASES["default"]["ENGINE"].rsplit(".", 1)[-1]
    print(
        f"{args.entries:,} entries on {db}, {args.rounds} rounds x {args.requests} requests "
        f"per URL (50 entries a page unless said); load {os.getloadavg()[0]:.2f}"
    )
    print(f"{'':26} {'median ms':>10} {'p90 ms':>8} {'req/s':>7}")
    for name, values in timings.items():
        median = statistics.median(values)
        p90 = statistics.quantiles(values, n=10)[-1]
        print(f"{name:26} {median * 1000:10.2f} {p90 * 1000:8.2f} {1 / median:7.0f}")


if __name__ == "__main__":
    main()
