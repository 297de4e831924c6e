"""/sources/<publisher>/: the live entries citing a publisher, and how often."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from reading import selectors
from tests.factories import CitationFactory, EntryFactory, PublisherFactory, SourceFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def reuters():
    reuters = PublisherFactory(name="Reuters", slug="reuters")
    twice = EntryFactory(headline="Cited twice")
    CitationFactory(entry=twice, source=SourceFactory(publisher=reuters))
    CitationFactory(entry=twice, source=SourceFactory(publisher=reuters))
    CitationFactory(
        entry=EntryFactory(headline="Cited once"), source=SourceFactory(publisher=reuters)
    )
    CitationFactory(
        entry=EntryFactory(headline="Draft", draft=True), source=SourceFactory(publisher=reuters)
    )
    CitationFactory(entry=EntryFactory(headline="Elsewhere"), source=SourceFactory())
    return reuters


def test_publisher_page_lists_each_citing_live_entry_once(client, reuters):
    response = client.get("/sources/reuters/")
    assert response.status_code == 200
    assert sorted(e.headline for e in response.context["entries"]) == ["Cited once", "Cited twice"]
    assert "Cited 3 times by 2 entries" in response.content.decode()


def test_unknown_publisher_page_is_404(client, reuters):
    assert client.get("/sources/nobody/").status_code == 404


def test_publisher_index_orders_by_citing_entries(client, reuters):
    response = client.get("/sources/")
    rows = [(p.name, p.entry_count) for p in response.context["publishers"]]
    assert rows[0] == ("Reuters", 2)
    assert len(rows) == 2


def test_read_from_its_citations_or_by_walking_the_archive_the_page_lists_the_same_entries(
    reuters, monkeypatch
):
    # A publisher with few citing entries is read from its citations (`sources.selectors.
    # cited_by_few`), one with many by the EXISTS walk: the same rows, newest first.
    EntryFactory(headline="Scheduled", scheduled=True).citations.create(
        source=SourceFactory(publisher=reuters), position=0
    )
    count = selectors.live_publisher_count(reuters)
    few = list(selectors.entries_citing(reuters, count=count))
    monkeypatch.setattr(selectors, "FEW_CITING", count - 1)
    many = list(selectors.entries_citing(reuters, count=count))
    assert [e.headline for e in few] == [e.headline for e in many]
    assert sorted(e.headline for e in few) == ["Cited once", "Cited twice"]


def test_a_publisher_page_runs_the_same_queries_whichever_way_its_rows_are_read(
    client, reuters, monkeypatch
):
    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get("/sources/reuters/").status_code == 200
        return len(captured)

    few = queries()
    monkeypatch.setattr(selectors, "FEW_CITING", 0)
    assert queries() == few
