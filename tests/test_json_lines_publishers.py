"""JSON Lines sources get their publishers as every other way of citing gives them.

The import creates its sources through sources.services.get_or_create_sources: a source the
file gives no publisher gets the publisher of its domain (a parent domain, or another domain of
the publisher, included), or a new one named after the domain for an editor to name; so its
citations count on publisher pages and in the list's facets.
"""

import json

import pytest

from interchange.jsonlines import import_lines
from sources.models import Publisher, Source
from sources.services import NewSource, get_or_create_sources
from tests.factories import EntryFactory, SourceFactory

pytestmark = pytest.mark.django_db


def line(slug: str, *urls: str, publisher: dict | None = None) -> str:
    return json.dumps(
        {
            "event_date": "2014-02-19",
            "slug": slug,
            "headline": f"Imported {slug}",
            "status": "published",
            "publish_at": "2014-02-19T00:00:00+00:00",
            "tags": [],
            "sources": [{"url": url, "publisher": publisher} for url in urls],
        }
    )


def test_imported_sources_without_a_publisher_get_their_domains_publisher(bbc):
    report = import_lines(
        [
            line("one", "https://www.bbc.co.uk/news/1", "https://news.bbc.co.uk/2"),
            line("two", "https://www.bbc.com/news/3", "https://unknown.example/a"),
            line("three", "https://unknown.example/b"),
        ]
    )
    assert report.entries_created == 3, report.errors
    by_url = dict(Source.objects.values_list("url", "publisher__name"))
    assert by_url == {
        "https://www.bbc.co.uk/news/1": "BBC",
        "https://news.bbc.co.uk/2": "BBC",
        "https://www.bbc.com/news/3": "BBC",
        "https://unknown.example/a": "unknown.example",
        "https://unknown.example/b": "unknown.example",
    }
    made = Publisher.objects.get(name="unknown.example")
    assert (made.domain, made.needs_name) == ("unknown.example", True)


def test_the_publisher_page_and_the_facets_show_imported_citations(client, bbc):
    report = import_lines(
        [line("one", "https://www.bbc.co.uk/news/1"), line("two", "https://www.bbc.com/news/2")]
    )
    assert report.entries_created == 2, report.errors
    EntryFactory(headline="Cites nobody")

    page = client.get("/sources/bbc/")
    assert sorted(e.headline for e in page.context["entries"]) == ["Imported one", "Imported two"]
    listing = client.get("/events/")
    facets = {f["name"]: f["count"] for f in listing.context["publisher_facets"]}
    assert facets == {"BBC": 2}
    narrowed = client.get("/events/", {"publisher": "bbc"})
    assert len(narrowed.context["page_obj"]) == 2


def test_a_publisher_named_in_the_file_is_kept(bbc):
    report = import_lines(
        [line("one", "https://www.bbc.co.uk/news/1", publisher={"name": "Newswire", "slug": ""})]
    )
    assert report.entries_created == 1, report.errors
    assert Source.objects.get().publisher.name == "Newswire"


def test_a_stored_source_without_a_publisher_gets_its_domains_and_keeps_its_details(bbc):
    SourceFactory(url="https://www.bbc.co.uk/news/1", title="Kept title", publisher=None)
    report = import_lines([line("one", "https://www.bbc.co.uk/news/1")])
    assert report.entries_created == 1, report.errors
    source = Source.objects.get()
    assert (source.publisher, source.title) == (bbc, "Kept title")


def test_the_bulk_service_normalises_urls_and_runs_a_bounded_number_of_queries(
    bbc, django_assert_max_num_queries
):
    wanted = [NewSource(url=f"https://WWW.BBC.CO.UK/news/{i}#top") for i in range(50)]
    wanted += [NewSource(url=f"https://site{i % 3}.example/{i}") for i in range(50)]
    # Stored sources, domain publishers, three new publishers (a few queries each), the insert.
    with django_assert_max_num_queries(20):
        ids = get_or_create_sources(wanted)
    assert len(ids) == 100
    assert "https://www.bbc.co.uk/news/7" in ids
    assert Source.objects.filter(publisher=bbc).count() == 50
    assert Publisher.objects.filter(needs_name=True).count() == 3
