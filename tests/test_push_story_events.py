"""Webhooks for stories opened and closed: one rule on the status, delivered like every event."""

import json

import pytest
import standardwebhooks
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from api.changes import story_event
from api.models import Change
from push import webhooks
from push.models import Delivery, Endpoint
from stories import services
from stories.models import Story
from tests.factories import EntryFactory
from tests.push_support import Receiver

pytestmark = pytest.mark.django_db

CHANGELIST = reverse("admin:stories_story_changelist")
STORY_EVENTS = ["story.opened", "story.closed"]


def verified(receiver_request, secret):
    """The payload, as the `standardwebhooks` library verifies it (raises when it does not)."""
    return standardwebhooks.Webhook(secret).verify(
        receiver_request["body"], receiver_request["headers"]
    )


def desk(editor) -> Client:
    client = Client()
    client.force_login(editor)
    return client


def story_action(editor, story, action, capture):
    """One of the desk's story-list actions, with on-commit callbacks run as on commit."""
    with capture(execute=True):
        response = desk(editor).post(CHANGELIST, {"action": action, "_selected_action": [story.pk]})
    assert response.status_code == 302


def test_closing_a_story_from_the_desk_delivers_story_closed_the_standardwebhooks_library_verifies(
    editor, django_capture_on_commit_callbacks
):
    story = services.story_named("Kestrel River floods", status=Story.Status.DEVELOPING)
    assert story is not None
    with Receiver() as receiver:
        endpoint = Endpoint.objects.create(url=receiver.url)
        story_action(editor, story, "close_stories", django_capture_on_commit_callbacks)
    assert len(receiver.requests) == 1
    payload = verified(receiver.requests[0], endpoint.secret)
    assert payload["type"] == "story.closed"
    data = payload["data"]
    assert data["story_id"] == story.pk
    assert (data["slug"], data["name"], data["status"]) == (
        "kestrel-river-floods",
        "Kestrel River floods",
        "concluded",
    )
    assert data["api_url"].endswith("/api/v1/stories/kestrel-river-floods/")
    change = Change.objects.get(kind="story.closed")
    assert data["cursor"]
    delivery = Delivery.objects.get()
    assert (delivery.change_id, delivery.status, delivery.response_code) == (
        change.pk,
        "delivered",
        200,
    )
    assert receiver.requests[0]["headers"]["webhook-id"] == delivery.message_id


def test_creating_a_story_in_the_desk_delivers_story_opened(
    editor, django_capture_on_commit_callbacks
):
    entry = EntryFactory()
    with Receiver() as receiver:
        endpoint = Endpoint.objects.create(url=receiver.url, events=STORY_EVENTS)
        with django_capture_on_commit_callbacks(execute=True):
            response = desk(editor).post(
                reverse("admin:stories_story_add"),
                {
                    "name": "Harbour strike",
                    "slug": "harbour-strike",
                    "status": "developing",
                    "category": "business",
                    "summary": "",
                    "started": "",
                    "memberships-TOTAL_FORMS": "1",
                    "memberships-INITIAL_FORMS": "0",
                    "memberships-MIN_NUM_FORMS": "0",
                    "memberships-MAX_NUM_FORMS": "1000",
                    "memberships-0-entry": str(entry.pk),
                },
            )
        assert response.status_code == 302
    assert len(receiver.requests) == 1  # one event, though the desk saved the story twice
    payload = verified(receiver.requests[0], endpoint.secret)
    story = Story.objects.get()
    assert payload["type"] == "story.opened"
    assert payload["data"]["story_id"] == story.pk
    assert (payload["data"]["slug"], payload["data"]["status"]) == ("harbour-strike", "developing")


def test_a_story_reopened_from_concluded_delivers_story_opened_and_developing_to_ongoing_nothing(
    editor, django_capture_on_commit_callbacks
):
    story = services.story_named("Border talks", status=Story.Status.CONCLUDED)
    assert story is not None
    with Receiver() as receiver:
        Endpoint.objects.create(url=receiver.url)
        story_action(editor, story, "mark_developing", django_capture_on_commit_callbacks)
        story_action(editor, story, "mark_ongoing", django_capture_on_commit_callbacks)
    assert [json.loads(r["body"])["type"] for r in receiver.requests] == ["story.opened"]
    assert json.loads(receiver.requests[0]["body"])["data"]["status"] == "developing"


def test_editing_a_story_summary_sends_neither_event(django_capture_on_commit_callbacks):
    story = services.story_named("Kestrel River floods")
    assert story is not None
    with Receiver() as receiver:
        Endpoint.objects.create(url=receiver.url)
        with django_capture_on_commit_callbacks(execute=True):
            story.summary = "The river burst its banks."
            story.save()
            services.touch(story)
    assert receiver.requests == []
    assert not Delivery.objects.exists()
    assert Change.objects.filter(kind__in=STORY_EVENTS).count() == 1  # the creation only


def test_an_endpoint_subscribed_to_other_events_gets_no_story_events(
    editor, django_capture_on_commit_callbacks
):
    with Receiver() as receiver:
        Endpoint.objects.create(url=receiver.url, events=["entry.published", "tag.renamed"])
        with django_capture_on_commit_callbacks(execute=True):
            story = services.story_named("Harbour strike")
        assert story is not None
        story_action(editor, story, "close_stories", django_capture_on_commit_callbacks)
    assert receiver.requests == []
    assert not Delivery.objects.exists()
    assert Change.objects.filter(kind__in=STORY_EVENTS).count() == 2  # recorded, not wanted


def test_add_webhook_takes_the_story_events():
    call_command("add_webhook", "https://hooks.example.com/in", "--events", *STORY_EVENTS)
    assert sorted(Endpoint.objects.get().events) == sorted(STORY_EVENTS)


def test_the_public_changes_feed_leaves_out_story_opened_and_closed(client, settings):
    settings.API_CHANGES_SETTLE_SECONDS = 0
    story = services.story_named("Harbour strike")
    assert story is not None
    services.close(story)
    assert Change.objects.filter(kind__in=STORY_EVENTS).count() == 2
    kinds = [row["kind"] for row in client.get("/api/v1/changes/").json()["results"]]
    assert not set(kinds) & set(STORY_EVENTS)


def test_a_replay_from_a_cursor_includes_the_story_events(settings):
    settings.API_CHANGES_SETTLE_SECONDS = 0
    story = services.story_named("Harbour strike")
    assert story is not None
    services.close(story)
    endpoint = Endpoint.objects.create(url="https://hooks.example.com/in", events=STORY_EVENTS)
    assert webhooks.replay(endpoint, after=None) == 2
    assert list(Delivery.objects.order_by("id").values_list("event", flat=True)) == STORY_EVENTS


@pytest.mark.parametrize(
    ("before", "after", "created", "event"),
    [
        (None, "developing", True, "story.opened"),
        (None, "ongoing", True, "story.opened"),
        (None, "concluded", True, "story.closed"),
        ("developing", "concluded", False, "story.closed"),
        ("ongoing", "concluded", False, "story.closed"),
        ("concluded", "developing", False, "story.opened"),
        ("concluded", "ongoing", False, "story.opened"),
        ("developing", "ongoing", False, None),
        ("ongoing", "developing", False, None),
        ("ongoing", "ongoing", False, None),
        ("concluded", "concluded", False, None),
    ],
)
def test_opened_and_closed_follow_one_rule_on_the_status(before, after, created, event):
    assert story_event(before, after, created=created) == event
