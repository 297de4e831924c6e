"""Date archives /YYYY/, /YYYY/MM/, /YYYY/MM/DD/: grouped by day, skipping empty periods."""

import datetime

import pytest

from tests.factories import EntryFactory, headlines

pytestmark = pytest.mark.django_db

D = datetime.date


@pytest.fixture
def dated():
    return {
        "a": EntryFactory(headline="Winter event", event_date=D(2012, 12, 31)),
        "b": EntryFactory(headline="First February event", event_date=D(2014, 2, 3)),
        "c": EntryFactory(headline="Second February event", event_date=D(2014, 2, 19)),
        "d": EntryFactory(headline="Another on the 19th", event_date=D(2014, 2, 19)),
        "e": EntryFactory(headline="May event", event_date=D(2014, 5, 2)),
        "draft": EntryFactory(headline="Draft in April", event_date=D(2014, 4, 9), draft=True),
        "future": EntryFactory(headline="Scheduled", event_date=D(2016, 1, 1), scheduled=True),
    }


def test_year_lists_its_entries_and_links_its_months(client, dated):
    response = client.get("/2014/")
    assert response.status_code == 200
    assert headlines(response) == [
        "May event",
        "Another on the 19th",
        "Second February event",
        "First February event",
    ]
    assert [d.month for d in response.context["date_list"]] == [2, 5]
    assert 'href="/2014/05/"' in response.content.decode()


def test_year_previous_and_next_skip_empty_years(client, dated):
    response = client.get("/2014/")
    assert response.context["previous_year"] == D(2012, 1, 1)
    assert response.context["next_year"] is None  # 2016 only has a scheduled entry
    assert 'href="/2012/" rel="prev"' in response.content.decode()


def test_month_groups_entries_by_day(client, dated):
    html = client.get("/2014/02/").content.decode()
    assert html.count('class="day"') == 2
    assert html.index("Another on the 19th") < html.index("First February event")
    assert 'href="/2014/02/19/"' in html


def test_month_previous_and_next_skip_empty_months_and_drafts(client, dated):
    response = client.get("/2014/05/")
    assert response.context["previous_month"] == D(2014, 2, 1)  # April holds only a draft
    assert response.context["next_month"] is None
    response = client.get("/2014/02/")
    assert response.context["previous_month"] == D(2012, 12, 1)
    assert response.context["next_month"] == D(2014, 5, 1)


def test_month_calendar_counts_live_entries_per_day(client, dated):
    response = client.get("/2014/02/")
    days = {day: n for week in response.context["calendar"] for day, n in week if n is not None}
    assert len(days) == 28
    assert days[D(2014, 2, 19)] == 2
    assert days[D(2014, 2, 3)] == 1
    assert sum(days.values()) == 3
    assert all(len(week) == 7 for week in response.context["calendar"])
    # The link's name is its visible text with words added, never an aria-label that differs.
    assert (
        '>19<span class="visually-hidden"> February:</span> <span class="calendar__count">2'
        '<span class="visually-hidden"> entries</span></span></a>'
    ) in response.content.decode()


def test_day_lists_that_days_entries(client, dated):
    response = client.get("/2014/02/19/")
    assert sorted(headlines(response)) == ["Another on the 19th", "Second February event"]
    assert response.context["previous_day"] == D(2014, 2, 3)
    assert response.context["next_day"] == D(2014, 5, 2)


@pytest.mark.parametrize(
    "url",
    [
        "/2013/",  # no entries that year
        "/2014/04/",  # only a draft
        "/2014/02/20/",  # empty day
        "/2016/01/01/",  # scheduled, not live yet
        "/2014/13/",  # no such month
        "/2014/02/30/",  # no such day
        "/0000/",
    ],
)
def test_empty_or_impossible_periods_are_404(client, dated, url):
    assert client.get(url).status_code == 404


def test_archive_pages_paginate(client):
    for n in range(55):
        EntryFactory(headline=f"Busy day {n}", event_date=D(2014, 2, 19))
    first = client.get("/2014/02/19/")
    assert len(headlines(first)) == 50
    assert 'href="?page=2"' in first.content.decode()
    assert len(headlines(client.get("/2014/02/19/?page=2"))) == 5
    assert client.get("/2014/02/19/?page=3").status_code == 404
