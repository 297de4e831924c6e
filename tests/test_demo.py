"""The demo `make run` loads: recent news that shows the product, not an archive from 2020."""

import datetime
import xml.etree.ElementTree as ET

import pytest
import time_machine
from django.core.management import call_command
from django.utils import timezone

from comments.models import Comment
from comments.services import comments_open
from events.models import Correction, Entry
from newsroom import demo
from sources.directory import read_directory
from sources.models import Publisher

pytestmark = pytest.mark.django_db

# A day in the site's time zone (UTC in tests), at an ordinary hour and just after midnight.
NOON = datetime.datetime(2026, 3, 10, 12, 30, tzinfo=datetime.UTC)
MIDNIGHT = datetime.datetime(2026, 3, 10, 0, 2, tzinfo=datetime.UTC)
NEWS = "{http://www.sitemaps.org/schemas/sitemap/0.9}"


@pytest.fixture
def at_noon():
    with time_machine.travel(NOON, tick=False):
        call_command("load_demo", stdout=open("/dev/null", "w"))  # noqa: SIM115
        yield


def recent():
    first = NOON.date() - datetime.timedelta(days=9)
    return Entry.objects.filter(event_date__gte=first)


def test_about_forty_recent_entries_are_live_over_the_last_ten_days(at_noon):
    live = recent().published()
    assert live.count() == len(demo.RECENT) >= 38
    days = {e.event_date for e in live}
    assert days == {NOON.date() - datetime.timedelta(days=n) for n in range(10)}
    latest = Entry.objects.published().latest()
    assert latest.event_date == NOON.date()


def test_the_seed_example_entry_and_its_related_entries_stay(at_noon):
    botswana = Entry.objects.published().get(event_date="2014-02-19")
    assert botswana.slug == "botswana-ends-diplomatic-relations"
    assert Entry.objects.published().filter(tags__name="North Korea").count() == 15


def test_every_recent_entry_cites_an_outlet_of_the_directory_by_its_name(at_noon):
    names = {outlet.name for outlet in read_directory()}
    for entry in recent():
        citations = entry.citations.select_related("source__publisher")
        publishers = {c.source.publisher for c in citations}
        assert publishers, f"{entry.slug} cites no source"
        assert all(p.name in names and not p.needs_name for p in publishers), entry.slug
    assert Publisher.objects.get(domain="bbc.co.uk").name == "BBC News"


def test_a_few_stories_run_over_several_days(at_noon):
    stories: dict[str, set] = {}
    for entry in recent().exclude(story_membership=None).select_related("story_membership__story"):
        stories.setdefault(entry.story_membership.story.name, set()).add(entry.event_date)
    long_running = [name for name, days in stories.items() if len(days) >= 3]
    assert len(long_running) >= 3


def test_comments_are_open_on_recent_entries_some_approved_some_pending(at_noon):
    assert all(comments_open(entry) for entry in recent().published())
    demo_comments = Comment.objects.filter(entry__in=recent())
    assert demo_comments.approved().count() >= 5
    assert demo_comments.pending().count() >= 5
    assert all(c.created <= timezone.now() for c in demo_comments)


def test_one_entry_is_scheduled_for_tomorrow(at_noon):
    scheduled = Entry.objects.scheduled().get()
    assert scheduled.event_date == NOON.date() + datetime.timedelta(days=1)
    assert scheduled.citations.exists()


def test_one_live_entry_carries_a_correction_by_the_demo_editor(at_noon):
    correction = Correction.objects.public().get()
    assert correction.author.username == "editor"
    assert correction.headline_before != correction.headline_after
    assert correction.entry.headline == correction.headline_after


def test_the_news_sitemap_and_the_home_page_show_the_recent_entries(at_noon, client):
    root = ET.fromstring(client.get("/sitemap-news.xml").content)
    listed = {u.findtext(f"{NEWS}loc") for u in root.findall(f"{NEWS}url")}
    fresh = recent().published().filter(event_date__gte=NOON.date() - datetime.timedelta(days=1))
    assert len(listed) >= 10
    assert {f"http://testserver{e.get_absolute_url()}" for e in fresh} <= listed
    home = client.get("/").content.decode()
    today = recent().published().filter(event_date=NOON.date()).first()
    assert today.headline.replace("'", "&#x27;") in home


def test_loaded_just_after_midnight_todays_entries_are_live_not_scheduled():
    with time_machine.travel(MIDNIGHT, tick=False):
        call_command("load_demo", "--no-accounts", stdout=open("/dev/null", "w"))  # noqa: SIM115
        todays = Entry.objects.filter(event_date=MIDNIGHT.date())
        assert todays.count() == sum(1 for d in demo.RECENT if d["days_ago"] == 0)
        assert todays.published().count() == todays.count()
        assert Entry.objects.scheduled().count() == 1
        for entry in Entry.objects.all():
            assert timezone.localtime(entry.publish_at).date() == entry.event_date
