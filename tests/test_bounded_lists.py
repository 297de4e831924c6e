"""/events/ does bounded work: kept counts when unfiltered, counts capped when narrowed."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from reading import selectors
from tests.factories import CitationFactory, EntryFactory, PublisherFactory, SourceFactory

pytestmark = pytest.mark.django_db


def facet_counts(rows) -> dict[str, int]:
    return {row["slug"]: row["count"] for row in rows}


@pytest.fixture
def archive():
    reuters = PublisherFactory(name="Reuters", slug="reuters")
    bbc = PublisherFactory(name="BBC", slug="bbc")
    live = [EntryFactory(tags=["Korea", "Talks"]) for _ in range(3)] + [
        EntryFactory(tags=["Korea"])
    ]
    for entry in live[:3]:
        CitationFactory(entry=entry, source=SourceFactory(publisher=reuters))
        CitationFactory(entry=entry, source=SourceFactory(publisher=reuters))
    CitationFactory(entry=live[3], source=SourceFactory(publisher=bbc))
    soon = EntryFactory(tags=["Talks", "Scheduled only"], scheduled=True)
    CitationFactory(entry=soon, source=SourceFactory(publisher=bbc))
    EntryFactory(tags=["Korea"], draft=True)
    return soon


def test_unfiltered_count_and_facets_leave_out_drafts_and_scheduled_entries(client, archive):
    response = client.get("/events/")
    assert response.context["paginator"].count == 4
    assert facet_counts(response.context["tag_facets"]) == {"korea": 4, "talks": 3}
    assert facet_counts(response.context["publisher_facets"]) == {"reuters": 3, "bbc": 1}


@pytest.mark.parametrize("path", ["/events/", "/events/?page=1", "/events/?sort=oldest"])
def test_the_unfiltered_list_counts_nothing_over_the_entries(client, archive, path):
    # Whether or not a query string binds the filter form, the count is the kept one.
    with CaptureQueriesContext(connection) as queries:
        response = client.get(path, follow=True)

    assert response.context["paginator"].count == 4
    full_counts = [q["sql"] for q in queries if q["sql"].startswith("SELECT COUNT(*)")]
    assert full_counts == []


def test_a_scheduled_entry_counts_once_its_time_has_come(client, archive):
    # The clock passing its publish time, with no write to the counts (as in production).
    archive.__class__.objects.filter(pk=archive.pk).update(
        publish_at=timezone.now() - datetime.timedelta(seconds=1)
    )
    response = client.get("/events/")
    assert response.context["paginator"].count == 5
    assert facet_counts(response.context["tag_facets"]) == {
        "korea": 4,
        "talks": 4,
        "scheduled-only": 1,
    }
    assert facet_counts(response.context["publisher_facets"]) == {"reuters": 3, "bbc": 2}


def test_unfiltered_facets_agree_with_the_counted_ones(archive):
    everything = selectors.public_entries()
    assert selectors.live_tag_facets() == selectors.tag_facets(everything)
    assert selectors.live_publisher_facets() == selectors.publisher_facets(everything)
    assert selectors.live_entry_count() == everything.count()


def test_narrowed_counts_past_the_cap_are_lower_bounds(client, archive, monkeypatch):
    monkeypatch.setattr(selectors, "COUNT_CAP", 2)
    response = client.get("/events/?tag=korea")
    assert response.context["paginator"].count == 2
    assert response.context["paginator"].capped
    assert "2+ entries" in response.content.decode()
    assert all(row["capped"] and row["count"] <= 3 for row in response.context["tag_facets"])


def test_narrowed_counts_within_the_cap_are_exact(client, archive):
    response = client.get("/events/?tag=talks")
    assert response.context["paginator"].count == 3
    assert not response.context["paginator"].capped
    assert facet_counts(response.context["tag_facets"]) == {"korea": 3}
    assert facet_counts(response.context["publisher_facets"]) == {"reuters": 3}


def test_sitemap_days_are_the_live_entries_days_only(client, archive):
    scheduled_day, draft_day = datetime.date(2014, 3, 1), datetime.date(2014, 3, 2)
    EntryFactory(scheduled=True, event_date=scheduled_day)
    EntryFactory(draft=True, event_date=draft_day)
    days = list(selectors.live_days())
    assert days == list(selectors.public_entries().dates("event_date", "day", order="DESC"))
    assert scheduled_day not in days and draft_day not in days
    sitemap = client.get("/sitemap-days.xml").content.decode()
    assert "/2014/02/19/" in sitemap and "/2014/03/01/" not in sitemap
