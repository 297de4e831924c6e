"""Signals about sources for editors: the changelist flag, JSON-LD citations, warnings on citing."""

import datetime
import json
import re

import pytest
from django.contrib.messages import get_messages

from sources.links import is_image_file, is_search_page
from sources.selectors import citation_warnings
from tests.factories import CitationFactory, EntryFactory, PublisherFactory, SourceFactory

pytestmark = pytest.mark.django_db

FEB_19 = datetime.date(2014, 2, 19)


# --- "N sources from M publishers" and the changelist flag -------------------------------------


def test_the_entry_page_says_how_many_publishers_back_it(client):
    entry = EntryFactory()
    reuters = PublisherFactory(name="Reuters")
    for publisher in (reuters, reuters, PublisherFactory(name="BBC")):
        CitationFactory(entry=entry, source=SourceFactory(publisher=publisher))
    html = client.get(entry.get_absolute_url()).content.decode()
    assert "3 sources from 2 publishers" in html


def test_the_changelist_flags_live_entries_without_sources(admin_client):
    bare = EntryFactory(headline="Live and unbacked")
    EntryFactory(headline="A draft without sources", draft=True)
    CitationFactory(entry=EntryFactory(headline="Live and backed"))
    html = admin_client.get("/admin/events/entry/").content.decode()
    assert html.count('class="desk-flag"') == 1
    flagged = admin_client.get("/admin/events/entry/?sources=none-live")
    assert [e.pk for e in flagged.context["cl"].result_list] == [bare.pk]


def test_json_ld_lists_sources_as_creative_works(client):
    entry = EntryFactory()
    source = SourceFactory(
        title="Botswana cuts ties",
        publisher=PublisherFactory(name="Reuters"),
        published_on=FEB_19,
    )
    CitationFactory(entry=entry, source=source)
    CitationFactory(
        entry=entry,
        source=SourceFactory(
            publisher=None, url="https://anonymous.example/a", title="", published_on=None
        ),
    )
    html = client.get(entry.get_absolute_url()).content.decode()
    block = re.search(r'<script type="application/ld\+json">(.*?)</script>', html, re.S).group(1)
    first, second = json.loads(block)["citation"]
    assert first == {
        "@type": "CreativeWork",
        "url": source.url,
        "name": "Botswana cuts ties",
        "publisher": {"@type": "Organization", "name": "Reuters"},
        "datePublished": "2014-02-19",
    }
    assert set(second) == {"@type", "url"}


# --- warnings when citing ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        "https://www.google.com/search?q=botswana",
        "https://www.bbc.co.uk/search?q=botswana",
        "https://duckduckgo.com/?q=botswana",
        "https://news.example/find/botswana",
    ],
)
def test_search_pages_are_recognised(url):
    assert is_search_page(url)


@pytest.mark.parametrize(
    "url",
    ["https://news.example/2014/02/19/botswana-cuts-ties", "https://news.example/a?id=3"],
)
def test_articles_are_not_search_pages_nor_images(url):
    assert not is_search_page(url) and not is_image_file(url)


def test_image_files_are_recognised():
    assert is_image_file("https://cdn.example/photos/pier.JPG")
    assert is_image_file("https://cdn.example/p/pier.webp")


def test_a_source_published_outside_the_window_is_warned_about(settings):
    settings.CITATION_DATE_WINDOW_DAYS = 7
    inside = FEB_19 + datetime.timedelta(days=7)
    outside = FEB_19 - datetime.timedelta(days=8)
    warnings = citation_warnings(
        event_date=FEB_19,
        sources=[("https://a.example/in", inside), ("https://a.example/out", outside)],
    )
    assert [w.url for w in warnings] == ["https://a.example/out"]
    assert "8 days before the event" in warnings[0].message
    settings.CITATION_DATE_WINDOW_DAYS = 10
    assert citation_warnings(event_date=FEB_19, sources=[("https://a.example/out", outside)]) == []


def test_a_source_cited_by_another_entry_of_the_same_day_points_to_it():
    other = EntryFactory(event_date=FEB_19, headline="The same story")
    source = SourceFactory()
    CitationFactory(entry=other, source=source)
    CitationFactory(entry=EntryFactory(event_date=FEB_19 - datetime.timedelta(1)), source=source)
    warnings = citation_warnings(event_date=FEB_19, sources=[(source.url, None)])
    assert [(w.url, w.other) for w in warnings] == [(source.url, other)]
    # The entry itself is not "another entry".
    assert (
        citation_warnings(event_date=FEB_19, sources=[(source.url, None)], entry_id=other.pk) == []
    )


def add_form(**fields):
    data = {
        "event_date": "2014-02-19",
        "headline": "Botswana cuts ties with North Korea",
        "slug": "botswana",
        "tags": "",
        "body": "",
        "status": "draft",
        "comments_open": "on",
        "citations-TOTAL_FORMS": "3",
        "citations-INITIAL_FORMS": "0",
        "citations-MIN_NUM_FORMS": "0",
        "citations-MAX_NUM_FORMS": "1000",
    }
    data.update(fields)
    return data


def test_saving_warns_after_the_save_and_refuses_nothing(admin_client):
    other = EntryFactory(event_date=FEB_19, headline="Botswana and North Korea")
    shared = SourceFactory(url="https://gazette.example/botswana")
    CitationFactory(entry=other, source=shared)
    response = admin_client.post(
        "/admin/events/entry/add/",
        add_form(
            **{
                "citations-0-url": "https://www.google.com/search?q=botswana",
                "citations-0-position": "0",
                "citations-1-url": "https://gazette.example/botswana",
                "citations-1-position": "1",
                "citations-2-url": "https://cdn.example/botswana.jpg",
                "citations-2-published_on": "2014-01-01",
                "citations-2-position": "2",
            }
        ),
    )
    assert response.status_code == 302
    texts = [str(m) for m in get_messages(response.wsgi_request)]
    assert any("looks like a search page" in t for t in texts)
    assert any("is an image file" in t for t in texts)
    assert any("49 days before the event" in t for t in texts)
    same_day = next(t for t in texts if "already cited by another entry" in t)
    assert f'<a href="/admin/events/entry/{other.pk}/change/">Botswana and North Korea</a>' in (
        same_day
    )
    from events.models import Entry

    assert Entry.objects.get(slug="botswana").citations.count() == 3


def test_a_source_already_on_the_entry_is_not_warned_about_again(admin_client):
    entry = EntryFactory(event_date=FEB_19, draft=True, headline="Re-saved")
    source = SourceFactory(url="https://www.google.com/search?q=x")
    citation = CitationFactory(entry=entry, source=source, position=0)
    response = admin_client.post(
        f"/admin/events/entry/{entry.pk}/change/",
        add_form(
            headline="Re-saved",
            slug=entry.slug,
            base_version=str(entry.version),
            **{
                "citations-TOTAL_FORMS": "1",
                "citations-INITIAL_FORMS": "1",
                "citations-0-id": str(citation.pk),
                "citations-0-entry": str(entry.pk),
                "citations-0-url": source.url,
                "citations-0-position": "0",
            },
        ),
    )
    assert response.status_code == 302
    assert not [m for m in get_messages(response.wsgi_request) if "search page" in str(m)]
