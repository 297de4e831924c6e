"""Every public reading page runs a fixed number of queries, whatever its size."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.reading_corpus import build_corpus

pytestmark = pytest.mark.django_db

# The small corpus has 5 entries on 2014-02-01..05; the large one adds 50 more on 2014-02-03,
# so every page below (day, month, year, tag, publisher, list, feeds) holds 50 entries or more.
PAGES = [
    "/",
    "/events/",
    "/events/?q=ceasefire",
    "/events/?q=ceasefire&sort=newest",
    "/events/?tag=tag-1&tag=tag-2",  # "all of the tags", the default (mode=all redirects here)
    "/events/?tag=tag-1&tag=tag-2&mode=any&publisher=publisher-0&from=2014-02-01&to=2014-12-31",
    "/2014/",
    "/2014/02/",
    "/2014/02/03/",
    "/tags/",
    "/tags/tag-1/",
    "/tags/tag-1/rss/",
    "/tags/tag-1/atom/",
    "/sources/",
    "/sources/publisher-0/",
    "/feeds/rss/",
    "/feeds/atom/",
    "/corrections/",
    "/corrections/rss/",
    "/corrections/atom/",
    "/sitemap.xml",
    "/sitemap-entries.xml",
    "/sitemap-days.xml",
    "/sitemap-tags.xml",
    "/sitemap-publishers.xml",
    "/robots.txt",
    "/2014/02/03/c-entry-2/",
]
MAX_QUERIES = 15
FEB_3 = datetime.date(2014, 2, 3)


def count_queries(client, url: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(queries)


@pytest.mark.parametrize("url", PAGES)
def test_public_page_query_count_does_not_grow_with_entries_tags_or_sources(client, url):
    build_corpus(5, tags_per_entry=2, sources_per_entry=1, prefix="c")
    small = count_queries(client, url)
    build_corpus(50, tags_per_entry=5, sources_per_entry=3, days=1, start=FEB_3, prefix="d")
    large = count_queries(client, url)
    assert large == small, f"{url}: {small} queries with 5 entries, {large} with 55"
    assert large <= MAX_QUERIES


def test_day_page_holds_fifty_entries_with_five_tags_and_three_sources(client):
    build_corpus(50, tags_per_entry=5, sources_per_entry=3, days=1, start=FEB_3)
    response = client.get("/2014/02/03/")
    entries = list(response.context["entries"])
    assert len(entries) == 50
    assert all(len(e.tags.all()) == 5 and len(e.citations.all()) == 3 for e in entries)
