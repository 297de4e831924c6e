"""reading.cards: what a card prints, built once per page from prefetched rows, with no queries."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils.html import escape

from reading import cards, selectors
from sources.models import Citation
from tests.factories import CitationFactory, EntryFactory, PublisherFactory, SourceFactory

pytestmark = pytest.mark.django_db


def test_links_filled_in_are_the_urls_reverse_gives():
    links = cards.Links()
    day = datetime.date(2014, 2, 9)

    assert links.day(day) == reverse("events:archive-day", args=["2014", "02", "09"])
    assert links.entry(day, "a-slug_2") == reverse(
        "events:detail", args=["2014", "02", "09", "a-slug_2"]
    )
    for slug in ("north-korea", "kyiv-київ", "ó-fearghaíl"):
        assert links.tag(slug) == reverse("events:tag", args=[slug])


def test_a_card_carries_sorted_tag_links_the_sources_summary_and_the_story_link():
    entry = EntryFactory(
        headline="Talks resume",
        body="Delegates met in Geneva. More later.",
        story="Iran nuclear talks",
        tags=["Iran", "Iran nuclear talks", "Geneva"],
    )
    reuters = PublisherFactory(name="Reuters")
    CitationFactory(entry=entry, source=SourceFactory(publisher=reuters))
    CitationFactory(entry=entry, source=SourceFactory(publisher=reuters))
    loaded = selectors.public_entries().get(pk=entry.pk)

    with CaptureQueriesContext(connection) as queries:
        [card] = cards.cards([loaded])

    assert queries.captured_queries == []
    assert [t.name for t in card.tags] == ["Geneva", "Iran", "Iran nuclear talks"]
    assert card.story == "Iran nuclear talks"
    assert card.story_url == reverse("events:story", args=["iran-nuclear-talks"])
    assert (card.lede, card.sources, card.comments) == (
        "Delegates met in Geneva.",
        "2 sources from 1 publisher",
        0,
    )
    assert card.url == entry.get_absolute_url()


def test_day_groups_keep_the_pages_order_and_group_stories_in_any_case():
    day = datetime.date(2014, 2, 19)
    EntryFactory(event_date=day, headline="A", story="Ukraine crisis")
    EntryFactory(event_date=day, headline="B")
    EntryFactory(event_date=day, headline="C", story="ukraine CRISIS")
    EntryFactory(event_date=datetime.date(2014, 2, 18), headline="D")

    days = cards.day_groups(selectors.public_entries().order_by("-event_date", "id"))

    assert [(d.iso, d.label) for d in days] == [
        ("2014-02-19", "Wednesday 19 February 2014"),
        ("2014-02-18", "Tuesday 18 February 2014"),
    ]
    stories = days[0].stories
    assert [(g.story, [c.headline for c in g.cards]) for g in stories] == [
        ("Ukraine crisis", ["A", "C"]),
        ("", ["B"]),
    ]
    assert days[0].grouped and not days[1].grouped


def test_list_cards_count_publishers_without_loading_sources():
    entry = EntryFactory()
    reuters = PublisherFactory(name="Reuters")
    CitationFactory(entry=entry, source=SourceFactory(publisher=reuters))
    CitationFactory(entry=entry, source=SourceFactory(publisher=PublisherFactory(name="AP")))
    CitationFactory(
        entry=entry, source=SourceFactory(publisher=None, url="https://wire.example/daily")
    )
    loaded = selectors.public_entries().get(pk=entry.pk)

    with CaptureQueriesContext(connection) as queries:
        [card] = cards.cards([loaded])

    assert queries.captured_queries == []
    assert card.sources == "3 sources from 2 publishers"
    citations = loaded.__dict__["card_citations"]  # the prefetch's to_attr
    assert sorted(str(c.publisher_name) for c in citations) == ["AP", "None", "Reuters"]
    assert not any(Citation.source.is_cached(c) for c in citations)


HOSTILE = """Q&A: "Strikes" <b>hit</b> O'Brien's town"""


@pytest.mark.parametrize("page", ["day", "events:list", "events:tag"])
def test_card_partials_escape_every_value_as_djangos_engine_does(client, page):
    """The card partials are Jinja2 templates printing Django's escaping: &quot; and &#x27;,
    never Jinja's own spelling, never escaped twice, never raw. (The front page prints one-line
    items through Django's engine; tests/test_hostile_input.py covers it.)"""
    entry = EntryFactory(headline=HOSTILE, body=HOSTILE, story=HOSTILE, tags=["O'Brien's <tag>"])
    CitationFactory(entry=entry, source=SourceFactory(publisher=PublisherFactory(name="A&B")))

    if page == "day":  # the day archive prints the story groups' headings too
        url = entry.event_date.strftime("/%Y/%m/%d/")
    else:
        url = reverse(page, args=[entry.tags.get().slug] if page == "events:tag" else [])
    html = client.get(url).content.decode()

    assert html.count(escape(HOSTILE)) >= 2  # the headline and the lede; the day also the story
    assert escape("O'Brien's <tag>") in html
    assert "<b>hit" not in html and "&amp;quot;" not in html and "&amp;lt;" not in html
    assert "&#34;" not in html and "&#39;" not in html
