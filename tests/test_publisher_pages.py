"""/sources/<publisher>/: the live entries citing a publisher, and how often."""

import pytest

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
