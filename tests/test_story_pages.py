"""The story pages: /stories/<slug>/ (summary, key events, timeline by day, feeds, JSON-LD),
/stories/ by status and category, and an entry page's story box."""

import datetime
import json
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from events.models import Correction
from stories import services
from stories.models import Story
from tests.desk_support import publish_now
from tests.factories import (
    CitationFactory,
    EntryFactory,
    PublisherFactory,
    SourceFactory,
    redis_page_cache,
)
from tests.reading_corpus import build_corpus

pytestmark = pytest.mark.django_db

DAY_1, DAY_2 = datetime.date(2014, 2, 18), datetime.date(2014, 2, 19)


def json_ld(html: str) -> dict:
    found = re.search(r'<script type="application/ld\+json">(.*?)</script>', html, re.S)
    assert found
    return json.loads(found.group(1))


@pytest.fixture
def floods():
    story = services.story_named(
        "Kestrel River floods",
        status=Story.Status.DEVELOPING,
        category=Story.Category.DISASTERS,
        summary="The river **burst** its banks. <script>alert(1)</script>",
    )
    first = EntryFactory(
        event_date=DAY_1, headline="Rain swells the Kestrel", slug="rain", tags=["Millford"]
    )
    key = EntryFactory(event_date=DAY_2, headline="Millford is evacuated", slug="evacuated")
    late = EntryFactory(event_date=DAY_2, headline="Water starts to recede", slug="recede")
    services.set_story(first, story)
    services.set_story(key, story, key=True)
    services.set_story(late, story)
    gazette = PublisherFactory(name="Kestrel Gazette", slug="kestrel-gazette")
    CitationFactory(entry=key, source=SourceFactory(publisher=gazette, title="Town emptied"))
    Correction.objects.create(
        entry=late,
        note="The water level was 3 m, not 5 m.",
        headline_before="x",
        headline_after="y",
    )
    draft = EntryFactory(event_date=DAY_2, headline="Unpublished draft", slug="draft", draft=True)
    services.set_story(draft, story)
    story.refresh_from_db()
    return story


def test_the_story_page_shows_summary_key_events_then_the_timeline_newest_day_first(client, floods):
    response = client.get("/stories/kestrel-river-floods/")
    assert response.status_code == 200
    html = response.content.decode().split("</head>")[1]
    assert "<strong>burst</strong>" in html and "<script>alert" not in html
    key_at = html.index('id="key-heading"')
    timeline_at = html.index('id="timeline-heading"')
    assert html.index("The river") < key_at < html.index("Millford is evacuated") < timeline_at
    timeline = html[timeline_at:]
    assert timeline.index("19 February 2014") < timeline.index("18 February 2014")
    assert timeline.index("Water starts to recede") < timeline.index("Rain swells the Kestrel")
    assert "Unpublished draft" not in html
    # Each entry with its sources and corrections; the story's tags and publishers beside.
    assert "Town emptied" in timeline and "The water level was 3 m, not 5 m." in timeline
    assert 'href="/tags/millford/"' in html and 'href="/sources/kestrel-gazette/"' in html


def test_the_story_page_advertises_its_feeds_which_list_its_live_entries(client, floods):
    html = client.get("/stories/kestrel-river-floods/").content.decode()
    head = html[: html.index("</head>")]
    assert 'type="application/rss+xml" title="Kestrel River floods (RSS)"' in head
    assert 'href="/stories/kestrel-river-floods/rss/"' in head
    assert 'href="/stories/kestrel-river-floods/atom/"' in head
    for url in ("/stories/kestrel-river-floods/rss/", "/stories/kestrel-river-floods/atom/"):
        feed = client.get(url).content.decode()
        assert "Millford is evacuated" in feed and "Rain swells" in feed, url
        assert "Unpublished draft" not in feed, url


def test_a_developing_story_is_a_live_blog_and_otherwise_a_collection_page(client, floods):
    data = json_ld(client.get("/stories/kestrel-river-floods/").content.decode())
    assert data["@type"] == "LiveBlogPosting"
    assert data["coverageStartTime"] == "2014-02-18"
    assert [u["headline"] for u in data["liveBlogUpdate"]] == [
        "Water starts to recede",
        "Millford is evacuated",
        "Rain swells the Kestrel",
    ]
    services.close(floods)
    data = json_ld(client.get("/stories/kestrel-river-floods/").content.decode())
    assert data["@type"] == "CollectionPage" and "liveBlogUpdate" not in data
    assert len(data["hasPart"]) == 3


def test_a_hostile_story_name_and_headline_stay_inert_in_the_json_ld(client):
    name = "</script><script>alert(1)</script>"
    entry = EntryFactory(headline="<img src=x onerror=alert(1)> & more", story=name)
    story = Story.objects.get()
    html = client.get(story.get_absolute_url()).content.decode()
    script = re.search(r'<script type="application/ld\+json">(.*?)</script>', html, re.S).group(1)
    assert "<" not in script and ">" not in script
    data = json.loads(script)
    assert data["name"] == name
    assert data["hasPart"][0]["headline"] == entry.headline


def test_a_story_without_a_live_entry_is_a_404_page_and_feed(client):
    EntryFactory(story="Secret story", draft=True)
    EntryFactory(story="Secret story", scheduled=True)
    for url in ("/stories/secret-story/", "/stories/secret-story/rss/", "/stories/nothing/"):
        assert client.get(url).status_code == 404, url
    assert "Secret story" not in client.get("/stories/").content.decode()


def test_the_story_index_groups_by_status_then_category_and_narrows_by_both(client, floods):
    EntryFactory(story="Northline rail strike")
    Story.objects.filter(name="Northline rail strike").update(
        status=Story.Status.ONGOING, category=Story.Category.BUSINESS
    )
    EntryFactory(story="Old war")
    Story.objects.filter(name="Old war").update(status=Story.Status.CONCLUDED)
    html = client.get("/stories/").content.decode().split('class="filter-form"')[1]
    assert html.index(">Developing</h2>") < html.index("Kestrel River floods")
    assert html.index("Kestrel River floods") < html.index(">Ongoing</h2>")
    assert html.index(">Ongoing</h2>") < html.index(">Business and economy</h3>")
    assert html.index("Northline rail strike") < html.index(">Concluded</h2>")
    assert html.index(">Concluded</h2>") < html.index("Old war")
    assert "3 entries" in html  # live entries only: the draft is not counted
    narrowed = client.get("/stories/?status=ongoing").content.decode()
    assert "Northline rail strike" in narrowed and "Kestrel River floods" not in narrowed
    narrowed = client.get("/stories/?category=disasters").content.decode()
    assert "Kestrel River floods" in narrowed and "Northline" not in narrowed
    assert client.get("/stories/?status=nonsense").status_code == 200  # ignored, not an error


def test_an_entry_page_links_to_its_story_and_shows_its_latest_entries(client, floods):
    html = client.get("/2014/02/18/rain/").content.decode()
    assert 'href="/stories/kestrel-river-floods/"' in html
    box = html[html.index('id="entry-story-heading"') :]
    assert box.index("Water starts to recede") < box.index("Millford is evacuated")
    assert "Rain swells" not in box[: box.index("</aside>")]  # not itself
    assert "Unpublished draft" not in box
    assert json_ld(html)["articleSection"] == "Kestrel River floods"


def test_an_entry_in_no_story_has_no_story_box_and_asks_no_query_for_it(client):
    EntryFactory(event_date=DAY_1, slug="alone")
    with CaptureQueriesContext(connection) as queries:
        html = client.get("/2014/02/18/alone/").content.decode()
    assert "entry-story-heading" not in html
    by_story = re.compile(r'"stories_storyentry"\."story_id" = \d')
    assert not [q["sql"] for q in queries if by_story.search(q["sql"])]


# --- constant queries -------------------------------------------------------------------------

STORY_PAGES = [
    "/stories/",
    "/stories/big/",
    "/stories/big/?page=2",
    "/stories/big/rss/",
    "/stories/big/atom/",
    "/2014/02/03/c-entry-2/",
]


def count_queries(client, url: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(queries)


def put_in_story(entries, *, key_every: int = 3) -> None:
    story = services.story_named("Big")
    for i, entry in enumerate(entries):
        services.set_story(entry, story, key=i % key_every == 0)
    for _ in range(3):  # other stories' entries are not this story's
        EntryFactory(story=f"Other story {Story.objects.count()}")


@pytest.mark.parametrize("url", STORY_PAGES)
def test_story_page_query_count_does_not_grow_with_its_entries(client, url):
    put_in_story(build_corpus(55, tags_per_entry=2, sources_per_entry=1, prefix="c"))
    small = count_queries(client, url)
    more = build_corpus(60, tags_per_entry=5, sources_per_entry=3, days=1, prefix="d")
    put_in_story(more)
    for n in range(5):
        Correction.objects.create(
            entry=more[n], note="Fixed.", headline_before="a", headline_after="b"
        )
    large = count_queries(client, url)
    assert large == small, f"{url}: {small} queries, then {large} with more entries"
    assert large <= 15


# --- the page cache ---------------------------------------------------------------------------


@pytest.fixture
def shared_cache(settings):
    with redis_page_cache(settings, "stories"):
        settings.PAGE_CACHE_SECONDS = 300
        yield


@pytest.mark.django_db(transaction=True)
def test_publishing_an_entry_of_a_story_refreshes_its_cached_page_feed_and_index(
    client, shared_cache, editor
):
    EntryFactory(event_date=DAY_1, headline="First update", story="Kestrel River floods")
    draft = EntryFactory(
        event_date=DAY_2, headline="Second update", story="Kestrel River floods", draft=True
    )
    urls = ["/stories/kestrel-river-floods/", "/stories/kestrel-river-floods/rss/", "/stories/"]
    for url in urls:
        client.get(url)
        with CaptureQueriesContext(connection) as queries:
            client.get(url)
        assert len(queries) == 0, f"{url} is not served from the cache"
    publish_now(editor, draft)
    assert "Second update" in client.get(urls[0]).content.decode()
    assert "Second update" in client.get(urls[1]).content.decode()
    story = Story.objects.get()
    services.close(story)
    assert "Concluded" in client.get(urls[2]).content.decode()
