"""The front page's hierarchy: developing stories first, each with its latest update and how
long ago; the latest day's entries under the Portal's categories, then their stories; ongoing
stories beside; then the previous days in the same form."""

import datetime
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from reading import story_selectors
from reading.cards import FrontDay
from stories import services
from stories.models import Story
from tests.factories import CitationFactory, EntryFactory, PublisherFactory, SourceFactory
from tests.reading_corpus import build_corpus

pytestmark = pytest.mark.django_db


def story_entry(story: str, headline: str, *, hours_ago: float, **kwargs):
    return EntryFactory(
        headline=headline,
        story=story,
        publish_at=timezone.now() - datetime.timedelta(hours=hours_ago),
        **kwargs,
    )


def test_developing_stories_come_first_with_their_latest_update_and_how_long_ago(client):
    story_entry("Kestrel River floods", "Rain swells the river", hours_ago=5)
    story_entry("Kestrel River floods", "Millford is evacuated", hours_ago=2)
    story_entry("Kestrel River floods", "Draft update", hours_ago=1, draft=True)
    story_entry("Northline rail strike", "Talks resume", hours_ago=3)
    Story.objects.filter(name="Kestrel River floods").update(status=Story.Status.DEVELOPING)
    html = client.get("/").content.decode().split("</head>")[1]
    developing = html[html.index('id="developing-heading"') : html.index("</section>")]
    assert "Kestrel River floods" in developing and "Millford is evacuated" in developing
    assert "2\xa0hours ago" in developing and "minutes" not in developing
    assert "Draft update" not in html and "Northline rail strike" not in developing
    # Ongoing stories are listed beside the days, after the developing ones.
    assert html.index('id="developing-heading"') < html.index('id="ongoing-heading"')
    assert "Northline rail strike" in html[html.index('id="ongoing-heading"') :]


def test_a_concluded_or_draft_only_story_is_not_on_the_front_page(client):
    story_entry("Old war", "An old event", hours_ago=30)
    Story.objects.filter(name="Old war").update(status=Story.Status.CONCLUDED)
    EntryFactory(story="Secret", draft=True)
    Story.objects.filter(name="Secret").update(status=Story.Status.DEVELOPING)
    html = client.get("/").content.decode()
    assert "developing-heading" not in html and "ongoing-heading" not in html
    assert "An old event" in html  # still among its day's entries, under its story


def test_the_front_page_query_count_does_not_grow_with_stories(client):
    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client.get("/").status_code == 200
        return len(queries)

    entries = build_corpus(6, tags_per_entry=2, sources_per_entry=1, prefix="c")
    for n, entry in enumerate(entries[:2]):
        services.set_story(entry, services.story_named(f"Developing {n}", status="developing"))
    small = count()
    categories = Story.Category.values
    more = build_corpus(30, tags_per_entry=3, sources_per_entry=2, days=3, prefix="d")
    for n, entry in enumerate(more[:20]):  # the other ten, outside any story, share their tags
        status = "developing" if n % 2 else "ongoing"
        story = services.story_named(f"Story {n % 8}", status=status, category=categories[n % 10])
        services.set_story(entry, story)
    assert count() == small


D = datetime.date


def categorised(name: str, category: str, **kwargs) -> Story:
    story = services.story_named(name, category=category, **kwargs)
    assert story is not None
    return story


def outline(day: FrontDay) -> list[tuple[str, list[tuple[str, list[str]]], list[str]]]:
    """A day as (category, [(story, [headlines])], [headlines outside any story])."""
    return [
        (
            c.label,
            [(s.story, [card.headline for card in s.cards]) for s in c.stories],
            [card.headline for card in c.loose],
        )
        for c in day.categories
    ]


def test_categories_come_in_the_portals_order_then_stories_then_entries_outside_any():
    day = D(2014, 3, 4)
    categorised("Cup final", Story.Category.SPORTS)
    categorised("Border clashes", Story.Category.ARMED_CONFLICTS)
    categorised("Snap election", Story.Category.POLITICS)
    categorised("Coalition talks", Story.Category.POLITICS)
    # Published newest last: the page lists a day's entries most recently published first.
    for hours, headline, story, tags in [
        (6, "Turnout is 71%", "Snap election", ["Valdora", "elections"]),
        (5, "Shelling resumes", "Border clashes", ["Tarsen"]),
        (4, "Talks open", "Coalition talks", ["Valdora"]),
        (3, "The favourites win", "Cup final", ["football"]),
        (2, "The count ends", "Snap election", ["Valdora"]),
        (1, "A museum reopens", None, ["museums"]),
    ]:
        EntryFactory(
            event_date=day,
            headline=headline,
            story=story,
            tags=tags,
            publish_at=timezone.now() - datetime.timedelta(hours=hours),
        )

    today = story_selectors.front_page()["today"]

    assert today.day == day and not today.is_today
    assert outline(today) == [
        ("Armed conflicts and attacks", [("Border clashes", ["Shelling resumes"])], []),
        (
            "Politics and elections",
            [
                ("Snap election", ["The count ends", "Turnout is 71%"]),
                ("Coalition talks", ["Talks open"]),
            ],
            [],
        ),
        ("Sports", [("Cup final", ["The favourites win"])], []),
        ("Other news", [], ["A museum reopens"]),
    ]


def test_an_entry_outside_any_story_goes_under_the_category_its_tags_share_most():
    day = D(2014, 3, 4)
    categorised("Snap election", Story.Category.POLITICS)
    categorised("Border clashes", Story.Category.ARMED_CONFLICTS)
    categorised("Storm Ana", Story.Category.DISASTERS)
    EntryFactory(event_date=day, story="Snap election", tags=["Valdora", "elections"])
    EntryFactory(
        event_date=day - datetime.timedelta(days=1), story="Snap election", tags=["Valdora"]
    )
    EntryFactory(event_date=day, story="Border clashes", tags=["Valdora", "Tarsen"])
    EntryFactory(event_date=day, story="Storm Ana", tags=["weather"])
    # Valdora: two politics votes (an earlier day's entry counts too), one armed conflicts.
    EntryFactory(event_date=day, headline="Valdora's parliament meets", tags=["Valdora"])
    # One vote each: the tie goes to the category the Portal lists first.
    EntryFactory(event_date=day, headline="A ceasefire vote", tags=["elections", "Tarsen"])
    EntryFactory(event_date=day, headline="A museum reopens", tags=["museums"])
    EntryFactory(event_date=day, headline="No tags at all")

    loose = {
        c.label: [card.headline for card in c.loose]
        for c in story_selectors.front_page()["today"].categories
    }

    assert loose == {
        "Armed conflicts and attacks": ["A ceasefire vote"],
        "Disasters and accidents": [],
        "Politics and elections": ["Valdora's parliament meets"],
        "Other news": ["No tags at all", "A museum reopens"],
    }


def test_a_story_without_a_category_is_a_sub_heading_under_other_news():
    EntryFactory(event_date=D(2014, 3, 4), headline="Ferries double", story="Ferries")
    [other] = story_selectors.front_page()["today"].categories
    assert (other.label, [s.story for s in other.stories]) == ("Other news", ["Ferries"])


def test_drafts_and_scheduled_entries_are_never_on_the_front_page():
    categorised("Snap election", Story.Category.POLITICS)
    categorised("Secret", Story.Category.SPORTS)
    EntryFactory(event_date=D(2014, 3, 4), headline="Live", story="Snap election")
    EntryFactory(event_date=D(2014, 3, 4), headline="Draft", story="Snap election", draft=True)
    EntryFactory(event_date=D(2014, 3, 4), headline="Scheduled", story="Secret", scheduled=True)
    EntryFactory(event_date=D(2014, 3, 5), headline="Scheduled later day", scheduled=True)

    front = story_selectors.front_page()

    assert front["today"].day == D(2014, 3, 4) and front["earlier"] == []
    assert outline(front["today"]) == [
        ("Politics and elections", [("Snap election", ["Live"])], [])
    ]


def test_today_is_the_current_day_when_it_has_entries_and_earlier_days_follow():
    today = timezone.localdate()
    EntryFactory(event_date=today, headline="Now")
    EntryFactory(event_date=today - datetime.timedelta(days=3), headline="Before")

    front = story_selectors.front_page()

    assert front["today"].is_today and front["today"].day == today
    assert [d.day for d in front["earlier"]] == [today - datetime.timedelta(days=3)]


def test_the_home_page_shows_categories_as_headings_and_stories_as_linked_sub_headings(client):
    categorised("Snap election", Story.Category.POLITICS, status=Story.Status.DEVELOPING)
    categorised("Cup final", Story.Category.SPORTS, status=Story.Status.ONGOING)
    entry = EntryFactory(event_date=D(2014, 3, 4), headline="The count ends", story="Snap election")
    CitationFactory(entry=entry, source=SourceFactory(publisher=PublisherFactory(name="Reuters")))
    EntryFactory(event_date=D(2014, 3, 4), headline="The favourites win", story="Cup final")
    EntryFactory(event_date=D(2014, 3, 3), headline="Polls open", story="Snap election")

    html = client.get("/").content.decode().split("</head>")[1]

    # Hooks for live updates: the developing section, each of its stories, today's section.
    assert re.search(r'<section id="developing"[^>]*>', html)
    assert '<li class="developing__story" data-story="snap-election">' in html
    assert re.search(r'<section id="today"[^>]*>', html)
    today = html[html.index('id="today"') : html.index('id="ongoing-heading"')]
    headings = re.findall(r"<h([234])[^>]*>(.*?)</h\1>", today)
    assert [(level, re.sub(r"<[^>]+>", "", text)) for level, text in headings] == [
        ("2", "Tuesday 4 March 2014"),
        ("3", "Politics and elections"),
        ("4", "Snap election"),
        ("3", "Sports"),
        ("4", "Cup final"),
    ]
    assert '<h4 class="category__story-name"><a href="/stories/snap-election/">' in today
    assert "(Reuters)" in today and "Polls open" not in today
    # The earlier day follows in the same form; the ongoing story is listed beside today.
    earlier = html[html.index('id="day-2014-03-03"') :]
    assert "Politics and elections" in earlier and "Polls open" in earlier
    ongoing = html[html.index('id="ongoing-heading"') : html.index('id="earlier-heading"')]
    assert "Cup final" in ongoing and "Sports" in ongoing and "Snap election" not in ongoing


def test_an_update_less_than_a_minute_old_reads_just_now(client):
    categorised("Storm Ana", Story.Category.DISASTERS, status=Story.Status.DEVELOPING)
    story_entry("Storm Ana", "Storm Ana makes landfall", hours_ago=0.003)
    html = client.get("/").content.decode()
    developing = html[html.index('id="developing"') : html.index("</section>")]
    assert "Updated <time" in developing and ">just now</time>" in developing
