"""Every API page runs a fixed number of queries, whatever its size."""

import datetime

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext

from api.changes import record_all_live
from tests.reading_corpus import build_corpus

pytestmark = pytest.mark.django_db

PAGES = [
    "/api/v1/entries/",
    "/api/v1/entries/?q=ceasefire",
    "/api/v1/entries/?tag=tag-1&tag=tag-2&mode=any&publisher=publisher-0&from=2014-02-01",
    "/api/v1/days/2014-02-03/",
    "/api/v1/tags/",
    "/api/v1/tags/tag-1/",
    "/api/v1/publishers/",
    "/api/v1/publishers/publisher-0/",
    "/api/v1/changes/?limit=100",
    "/api/v1/entries/{first}/",
]
MAX_QUERIES = 8
FEB_3 = datetime.date(2014, 2, 3)


@pytest.fixture(autouse=True)
def changes_settle_at_once(api_settings, settings):
    settings.API_CHANGES_SETTLE_SECONDS = 0


def count_queries(client, url: str) -> int:
    cache.clear()  # related stories are cached: count the cold case
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200, (url, response.content)
    return len(queries)


@pytest.mark.parametrize("url", PAGES)
def test_api_page_query_count_does_not_grow_with_entries_tags_or_sources(client, url):
    first = build_corpus(5, tags_per_entry=2, sources_per_entry=1, prefix="c")[0]
    url = url.format(first=first.pk)
    record_all_live()
    small = count_queries(client, url)
    build_corpus(50, tags_per_entry=5, sources_per_entry=3, days=1, start=FEB_3, prefix="d")
    record_all_live()
    large = count_queries(client, url)
    assert large == small, f"{url}: {small} queries with 5 entries, {large} with 55"
    assert large <= MAX_QUERIES
