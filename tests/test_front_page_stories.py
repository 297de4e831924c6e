"""The front page's hierarchy: developing stories first, each with its latest update and how
long ago, ongoing stories beside, then the days."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from stories import services
from stories.models import Story
from tests.factories import EntryFactory
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
    assert "2\xa0hours ago" in developing
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
    for n, entry in enumerate(build_corpus(30, tags_per_entry=3, sources_per_entry=2, prefix="d")):
        status = "developing" if n % 2 else "ongoing"
        services.set_story(entry, services.story_named(f"Story {n % 8}", status=status))
    assert count() == small
