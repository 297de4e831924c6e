"""WebSub: every feed names its hub and itself; publishing, correcting and withdrawing ping the
hub (a real local HTTP server) through the queue."""

import urllib.parse
from xml.etree import ElementTree

import pytest
from django.core.management import call_command
from django.core.management.base import SystemCheckError
from django.test import Client
from django.urls import reverse

from desk import corrections
from events.models import Entry
from push.models import HubPing
from tests.factories import CitationFactory, EntryFactory, SourceFactory
from tests.push_support import Receiver

pytestmark = pytest.mark.django_db

SITE = "https://news.example.org"


@pytest.fixture
def hub(settings):
    with Receiver(default=202) as receiver:
        settings.WEBSUB_HUB_URL = receiver.url.replace("/hook", "/hub")
        settings.SITE_URL = SITE
        yield receiver


def pinged_topics(receiver) -> list[str]:
    topics = []
    for request in receiver.requests:
        form = urllib.parse.parse_qs(request["body"].decode())
        assert form["hub.mode"] == ["publish"]
        topics += form["hub.url"]
    return sorted(topics)


def feed_links(xml: bytes) -> set[tuple[str, str]]:
    """(rel, href) of the feed's own Atom links (RSS carries them as atom:link)."""
    root = ElementTree.fromstring(xml)
    channel = root.find("channel")
    parent = channel if channel is not None else root
    return {
        (link.get("rel", ""), link.get("href", "")) for link in parent.findall(f"{{{ATOM}}}link")
    }


ATOM = "http://www.w3.org/2005/Atom"
FEEDS = ["/feeds/rss/", "/feeds/atom/", "/corrections/rss/", "/corrections/atom/"]


@pytest.mark.parametrize("path", [*FEEDS, "/tags/floods/rss/", "/tags/floods/atom/"])
def test_every_feed_names_the_hub_and_itself(client, settings, path):
    EntryFactory(tags=["Floods"])
    settings.WEBSUB_HUB_URL = "https://hub.example.net/"
    links = feed_links(client.get(path).content)
    assert ("hub", "https://hub.example.net/") in links
    assert ("self", f"http://testserver{path}") in links


def test_without_a_hub_the_feeds_name_none(client, settings):
    settings.WEBSUB_HUB_URL = ""
    for path in FEEDS:
        assert "hub" not in {rel for rel, _ in feed_links(client.get(path).content)}


def test_publishing_from_the_desk_pings_the_hub_for_each_feed_it_changes(
    hub, editor, django_capture_on_commit_callbacks
):
    entry = EntryFactory(draft=True, tags=["Floods"])
    CitationFactory(entry=entry, source=SourceFactory(url="https://example.com/p"))
    client = Client()
    client.force_login(editor)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            reverse("admin:events_entry_changelist"),
            {"action": "publish_now", "_selected_action": [entry.pk]},
        )
    assert pinged_topics(hub) == sorted(
        f"{SITE}{path}"
        for path in ["/feeds/rss/", "/feeds/atom/", "/tags/floods/rss/", "/tags/floods/atom/"]
    )
    assert not HubPing.objects.filter(done_at=None).exists()


def test_a_correction_and_a_withdrawal_ping_the_hub(
    hub, editor, django_capture_on_commit_callbacks
):
    entry = EntryFactory()
    hub.requests.clear()
    with django_capture_on_commit_callbacks(execute=True):
        corrections.add_correction(entry, kind="correction", note="Wrong town.", user=editor)
    assert f"{SITE}/corrections/atom/" in pinged_topics(hub)
    hub.requests.clear()
    with django_capture_on_commit_callbacks(execute=True):
        withdrawn = Entry.objects.get(pk=entry.pk)
        withdrawn.status = Entry.Status.DRAFT
        withdrawn.save()
    assert pinged_topics(hub) == [f"{SITE}/feeds/atom/", f"{SITE}/feeds/rss/"]


def test_a_draft_saved_pings_nobody(hub, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        EntryFactory(draft=True)
    assert hub.requests == []


def test_a_hub_that_fails_is_pinged_again(hub, django_capture_on_commit_callbacks):
    hub.answers = [500, 503]
    with django_capture_on_commit_callbacks(execute=True):
        EntryFactory()
    # Two feeds; each ping failed once or twice before the hub took it.
    assert len(hub.requests) == 4
    assert not HubPing.objects.filter(done_at=None).exists()


def test_a_hub_without_site_url_stops_start_up(settings):
    settings.WEBSUB_HUB_URL = "https://hub.example.net/"
    settings.SITE_URL = ""
    with pytest.raises(SystemCheckError, match=r"push\.E001"):
        call_command("check")
