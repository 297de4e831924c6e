"""Stories in the read API: /api/v1/stories/, /api/v1/stories/<slug>/, the story on every entry,
and story changes in the changes feed."""

import datetime

import pytest
import time_machine
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext

from api.models import Change
from stories import services
from stories.models import Story
from tests.factories import EntryFactory
from tests.reading_corpus import build_corpus

pytestmark = pytest.mark.django_db

START = datetime.datetime(2026, 3, 1, 12, 0, tzinfo=datetime.UTC)


@pytest.fixture(autouse=True)
def api_settings(settings):
    settings.API_RATE_LIMIT = 0
    settings.API_CHANGES_SETTLE_SECONDS = 30
    cache.clear()


@pytest.fixture
def floods():
    story = services.story_named(
        "Kestrel River floods", status="developing", category="disasters", summary="**Rain.**"
    )
    services.set_story(EntryFactory(headline="Rain", slug="rain"), story)
    services.set_story(EntryFactory(headline="Evacuation", slug="evac"), story, key=True)
    services.set_story(EntryFactory(headline="Hidden", slug="hidden", draft=True), story)
    EntryFactory(story="Secret", draft=True)
    story.refresh_from_db()
    return story


def test_every_entry_carries_its_story_or_null(client, floods):
    EntryFactory(headline="Alone", slug="alone")
    results = client.get("/api/v1/entries/").json()["results"]
    stories = {r["headline"]: r["story"] for r in results}
    assert stories["Alone"] is None
    assert stories["Evacuation"] == {
        "id": floods.pk,
        "name": "Kestrel River floods",
        "slug": "kestrel-river-floods",
        "status": "developing",
        "url": "http://testserver/stories/kestrel-river-floods/",
        "key": True,
    }
    assert stories["Rain"]["key"] is False


def test_the_story_list_holds_public_stories_with_live_counts_and_narrows(client, floods):
    EntryFactory(story="Northline rail strike")
    body = client.get("/api/v1/stories/").json()
    assert [s["slug"] for s in body["results"]] == ["kestrel-river-floods", "northline-rail-strike"]
    floods_row = body["results"][0]
    assert floods_row["entry_count"] == 2 and floods_row["category"] == "disasters"
    assert floods_row["category_name"] == "Disasters and accidents"
    narrowed = client.get("/api/v1/stories/", {"status": "developing"}).json()["results"]
    assert [s["slug"] for s in narrowed] == ["kestrel-river-floods"]
    paged = client.get("/api/v1/stories/", {"limit": 1}).json()
    again = client.get("/api/v1/stories/", {"limit": 1, "cursor": paged["next_cursor"]}).json()
    assert [s["slug"] for s in again["results"]] == ["northline-rail-strike"]
    bad = client.get("/api/v1/stories/", {"status": "paused"})
    assert bad.status_code == 400 and bad.json()["errors"][0]["parameter"] == "status"


def test_a_story_detail_has_its_summary_key_events_and_latest_entries(client, floods):
    body = client.get("/api/v1/stories/kestrel-river-floods/").json()
    assert body["summary_html"] == "<p><strong>Rain.</strong></p>"
    assert [e["headline"] for e in body["key_events"]] == ["Evacuation"]
    assert sorted(e["headline"] for e in body["latest"]) == ["Evacuation", "Rain"]
    for slug in ("secret", "nothing"):
        response = client.get(f"/api/v1/stories/{slug}/")
        assert response.status_code == 404 and response.json()["errors"][0]["parameter"] == "slug"


@pytest.mark.parametrize("url", ["/api/v1/stories/", "/api/v1/stories/big/", "/api/v1/entries/"])
def test_story_endpoints_run_a_constant_number_of_queries(client, url):
    story = services.story_named("Big")
    for entry in build_corpus(10, tags_per_entry=2, sources_per_entry=1, prefix="c"):
        services.set_story(entry, story, key=True)
    with CaptureQueriesContext(connection) as small:
        assert client.get(url).status_code == 200
    for n, entry in enumerate(build_corpus(30, tags_per_entry=4, sources_per_entry=3, prefix="d")):
        services.set_story(entry, story if n % 2 else services.story_named(f"S{n}"), key=True)
    with CaptureQueriesContext(connection) as large:
        assert client.get(url).status_code == 200
    assert len(large) == len(small), url


def test_story_changes_reach_the_changes_feed_in_order(client):
    with time_machine.travel(START, tick=False) as clock:
        entry = EntryFactory(headline="Rain")
        story = services.set_story_named(entry, "Kestrel River floods")
        story.status = Story.Status.DEVELOPING
        story.save()
        services.story_named("Unseen")  # no live entry: never named by the feed
        Story.objects.get(name="Unseen").save()
        clock.shift(60)
        rows = client.get("/api/v1/changes/").json()["results"]
        stories = [r for r in rows if r["kind"].startswith("story.")]
        assert stories and {r["story"]["name"] for r in stories} == {"Kestrel River floods"}
        assert stories[-1]["story"]["status"] == "developing"
        assert stories[-1]["story"]["url"] == "http://testserver/stories/kestrel-river-floods/"
        # The entry's payload names the story once it joins.
        joined = [r for r in rows if r["entry_id"] == entry.pk and r["entry"]]
        assert joined[-1]["entry"]["story"]["slug"] == "kestrel-river-floods"

        cursor = client.get("/api/v1/changes/").json()["next_cursor"]
        story_id = story.pk
        story.delete()
        clock.shift(60)
        rows = client.get("/api/v1/changes/", {"after": cursor}).json()["results"]
        assert [(r["kind"], r["story"]["id"]) for r in rows if r["story"]] == [
            ("story.deleted", story_id)
        ]
        updated = [r for r in rows if r["entry_id"] == entry.pk]
        assert updated and updated[-1]["entry"]["story"] is None
    # Only the webhook-only `story.opened` row names it, and the feed leaves that kind out.
    assert not Change.objects.filter(data__name="Unseen").exclude(kind="story.opened").exists()
