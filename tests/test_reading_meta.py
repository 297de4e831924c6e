"""What pages say about themselves: feeds advertised and in the site's language, Open Graph and
JSON-LD from the rendered text with dates that mean what they say, titles cut between words."""

import datetime
import re

import pytest

from tests.factories import EntryFactory, json_ld

pytestmark = pytest.mark.django_db

LONG = (
    "Human rights in North Korea. Eleven of 15 United Nations Security Council members approve "
    "placing North Korea's human rights record on the Council's agenda for the first time."
)


def test_home_advertises_its_rss_and_atom_feeds(client):
    html = client.get("/").content.decode()
    assert '<link rel="alternate" type="application/rss+xml"' in html
    assert 'href="/feeds/rss/"' in html and 'href="/feeds/atom/"' in html


def test_feed_language_comes_from_settings(client, settings):
    settings.LANGUAGE_CODE = "en-gb"
    EntryFactory()
    assert "<language>en-gb</language>" in client.get("/feeds/rss/").content.decode()


def test_open_graph_description_is_rendered_text_not_markdown(client):
    entry = EntryFactory(body="The **UN report** says [more](https://example.org) & worse.")
    html = client.get(entry.get_absolute_url()).content.decode()
    description = re.search(r'<meta property="og:description" content="([^"]*)"', html)[1]
    assert description == "The UN report says more &amp; worse."


def test_titles_and_json_ld_headlines_are_cut_at_a_word_boundary(client):
    entry = EntryFactory(headline=LONG, event_date=datetime.date(2014, 12, 22))
    html = client.get(entry.get_absolute_url()).content.decode()
    title = re.search(r"<title>(.*?) · ", html)[1]
    assert len(title) <= 90 and title.endswith("…")
    assert LONG.startswith(title.removesuffix("…")) and LONG[len(title) - 1] == " "
    headline = json_ld(html)["headline"]
    assert len(headline) <= 110 and headline.endswith("…")
    assert LONG[len(headline) - 1] == " "


def test_json_ld_dates_say_when_it_happened_was_published_and_was_changed(client):
    published = datetime.datetime(2014, 12, 22, tzinfo=datetime.UTC)
    entry = EntryFactory(event_date=datetime.date(2014, 12, 21), publish_at=published)
    data = json_ld(client.get(entry.get_absolute_url()).content.decode())
    assert data["contentReferenceTime"] == "2014-12-21"
    assert data["datePublished"] == published.isoformat()
    assert "dateCreated" not in data  # the event's date is not when the article was created
