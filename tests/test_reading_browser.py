"""A reader in real Chromium: filter the list by tag and dates, then follow tag and day links."""

import datetime
import re

import pytest
from playwright.sync_api import expect

from tests.factories import EntryFactory

D = datetime.date


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_reader_filters_by_tag_and_dates_then_follows_tag_and_day_links(live_server, page):
    EntryFactory(
        headline="Botswana cuts ties", event_date=D(2014, 2, 19), tags=["North Korea", "Botswana"]
    )
    EntryFactory(headline="Missile test", event_date=D(2014, 3, 3), tags=["North Korea"])
    EntryFactory(headline="Old Korea story", event_date=D(2013, 6, 1), tags=["North Korea"])
    EntryFactory(headline="Kyiv protests", event_date=D(2014, 2, 19), tags=["Ukraine"])

    page.goto(f"{live_server.url}/events/")
    expect(page.get_by_role("heading", name="All events", level=1)).to_be_visible()
    expect(page.get_by_role("link", name="Kyiv protests")).to_be_visible()

    page.get_by_label("Add a tag").fill("North Korea")
    page.get_by_label("From").fill("2014-01-01")
    page.get_by_label("To").fill("2014-12-31")
    page.get_by_role("button", name="Apply filters").click()

    # The empty fields and default choices are dropped from the address.
    expect(page).to_have_url(
        re.compile(r"/events/\?from=2014-01-01&to=2014-12-31&tag=North\+Korea$")
    )
    results = page.get_by_role("region", name="Results")
    expect(results.get_by_role("heading", level=3)).to_have_text(
        ["Missile test", "Botswana cuts ties"]
    )
    expect(page.get_by_role("status")).to_have_text("2 entries")
    active = page.get_by_role("list", name="Active filters")
    expect(active).to_contain_text("Tag: North Korea")
    expect(active).to_contain_text("From 1 January 2014")

    results.get_by_role("link", name="Botswana", exact=True).click()
    expect(page.get_by_role("heading", name="Botswana", level=1)).to_be_visible()
    expect(page.get_by_text("1 entry")).to_be_visible()

    page.get_by_role("link", name="19 February 2014", exact=True).click()
    expect(page.get_by_role("heading", name="Events of Wednesday 19 February 2014")).to_be_visible()
    expect(page.get_by_role("link", name="Botswana cuts ties")).to_be_visible()
    expect(page.get_by_role("link", name="Kyiv protests")).to_be_visible()
    expect(page.get_by_role("link", name="Missile test")).to_have_count(0)


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_reading_pages_fit_a_360px_screen_without_sideways_scrolling(live_server, page):
    EntryFactory(
        headline="A very long headline " * 8,
        event_date=D(2014, 2, 19),
        tags=["North Korea", "Botswana", "International relations"],
    )
    page.set_viewport_size({"width": 360, "height": 740})
    for path in [
        "/events/?tag=north-korea&q=headline",
        "/2014/02/",
        "/tags/north-korea/",
        "/tags/",
    ]:
        page.goto(f"{live_server.url}{path}")
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 360, f"{path} is {width}px wide"


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_words_typed_into_the_form_are_ranked_by_best_match(live_server, page):
    EntryFactory(
        headline="Ferry timetable changes", body="Harbour works.", event_date=D(2014, 3, 2)
    )
    EntryFactory(headline="Harbour bridge reopens", event_date=D(2014, 3, 1))

    page.goto(f"{live_server.url}/events/")
    page.get_by_label("Words").fill("harbour")
    page.get_by_role("button", name="Apply filters").click()

    expect(page).to_have_url(re.compile(r"/events/\?q=harbour$"))  # best match is the default
    results = page.get_by_role("region", name="Results")
    expect(results.get_by_role("heading", level=2)).to_have_text(
        ["Harbour bridge reopens", "Ferry timetable changes"]
    )
    expect(page.get_by_label("Sort")).to_have_value("relevance")
