"""ActivityPub: each public story is an actor, like each public tag: WebFinger names it, a
fediverse account (a local server whose cryptography is `bovine`'s) follows it, and is then sent
each entry published into the story, signed, and nothing published outside it."""

import json

import pytest
from django.test import Client
from django.urls import reverse

from push.models import Follower
from stories.services import set_story, story_named
from tests.activitypub_support import RemoteServer
from tests.factories import EntryFactory

pytestmark = pytest.mark.django_db

SITE = "http://testserver"


@pytest.fixture(autouse=True)
def site(settings):
    settings.SITE_URL = SITE
    settings.ACTIVITYPUB_BLOCKED_DOMAINS = []


@pytest.fixture
def remote():
    with RemoteServer(names=("alice",)) as server:
        yield server


def story_with(entry, name="Crimean crisis"):
    story = story_named(name)
    assert story is not None
    set_story(entry, story)
    return story


def deliver(client, remote, activity: dict, *, path: str):
    """POST `activity` to our inbox at `path`, signed by alice's key with bovine."""
    body = json.dumps(activity).encode()
    headers = remote.signed_post_headers(name="alice", host="testserver", path=path, body=body)
    return client.post(path, data=body, content_type="application/activity+json", headers=headers)


def follow_activity(remote, target: str, n=1) -> dict:
    return {
        "@context": "https://www.w3.org/ns/activitystreams",
        "id": f"{remote.actor_id()}/follows/{n}",
        "type": "Follow",
        "actor": remote.actor_id(),
        "object": target,
    }


def publish(editor, entry, capture) -> None:
    staff = Client()
    staff.force_login(editor)
    with capture(execute=True):
        staff.post(
            reverse("admin:events_entry_changelist"),
            {"action": "publish_now", "_selected_action": [entry.pk]},
        )


def test_webfinger_and_the_actor_document_name_a_public_story(client):
    story = story_with(EntryFactory())
    account = "acct:story.crimean-crisis@testserver"
    found = client.get("/.well-known/webfinger", {"resource": account})
    assert found.status_code == 200
    links = json.loads(found.content)["links"]
    assert links[0]["href"] == f"{SITE}/ap/stories/{story.pk}"
    assert links[1]["href"] == SITE + story.get_absolute_url()
    by_id = client.get("/.well-known/webfinger", {"resource": f"{SITE}/ap/stories/{story.pk}"})
    assert json.loads(by_id.content)["subject"] == "acct:story.crimean-crisis@testserver"

    response = client.get(f"/ap/stories/{story.pk}")
    assert response["Content-Type"].startswith("application/activity+json")
    document = json.loads(response.content)
    assert document["id"] == f"{SITE}/ap/stories/{story.pk}"
    assert document["preferredUsername"] == "story.crimean-crisis"
    assert document["name"].endswith("Crimean crisis")
    assert document["inbox"] == f"{SITE}/ap/stories/{story.pk}/inbox"
    assert document["followers"] == f"{SITE}/ap/stories/{story.pk}/followers"
    assert document["publicKey"]["owner"] == document["id"]
    assert document["publicKey"]["publicKeyPem"].startswith("-----BEGIN PUBLIC KEY-----")
    assert document["endpoints"]["sharedInbox"] == f"{SITE}/ap/inbox"
    outbox = json.loads(client.get(f"/ap/stories/{story.pk}/outbox").content)
    assert outbox["totalItems"] == 1
    assert f"{SITE}/ap/stories/{story.pk}/followers" in outbox["orderedItems"][0]["cc"]


def test_a_story_without_a_live_entry_is_no_actor(client):
    story = story_with(EntryFactory(draft=True), name="Secret talks")
    for path in ("", "/outbox", "/followers"):
        assert client.get(f"/ap/stories/{story.pk}{path}").status_code == 404
    assert (
        client.get(
            "/.well-known/webfinger", {"resource": "acct:story.secret-talks@testserver"}
        ).status_code
        == 404
    )
    assert (
        client.get(
            "/.well-known/webfinger", {"resource": f"{SITE}/ap/stories/{story.pk}"}
        ).status_code
        == 404
    )


def test_a_follow_of_a_story_without_a_live_entry_is_refused(client, remote):
    story = story_with(EntryFactory(draft=True), name="Secret talks")
    target = f"{SITE}/ap/stories/{story.pk}"
    response = deliver(client, remote, follow_activity(remote, target), path="/ap/inbox")
    assert response.status_code == 404
    assert not Follower.objects.exists()


def test_a_follower_of_a_story_gets_the_signed_create_of_its_entries_and_nothing_else(
    client, remote, editor, django_capture_on_commit_callbacks
):
    story = story_with(EntryFactory())
    inbox = f"/ap/stories/{story.pk}/inbox"
    with django_capture_on_commit_callbacks(execute=True):
        response = deliver(
            client, remote, follow_activity(remote, f"{SITE}/ap/stories/{story.pk}"), path=inbox
        )
    assert response.status_code == 202, response.content
    follower = Follower.objects.get()
    assert (follower.story, follower.tag) == (story, None)
    [(request, accept)] = remote.received("Accept")
    assert accept["actor"] == f"{SITE}/ap/stories/{story.pk}"
    story_key = json.loads(client.get(f"/ap/stories/{story.pk}").content)["publicKey"]
    assert remote.verified_sender(request, story_key) == f"{SITE}/ap/stories/{story.pk}"
    assert json.loads(client.get(f"/ap/stories/{story.pk}/followers").content)["totalItems"] == 1
    assert json.loads(client.get("/ap/newsroom/followers").content)["totalItems"] == 0

    outside = EntryFactory(draft=True, headline="Elsewhere")
    publish(editor, outside, django_capture_on_commit_callbacks)
    assert remote.received("Create") == []

    inside = EntryFactory(draft=True, headline="Talks resume")
    set_story(inside, story)
    publish(editor, inside, django_capture_on_commit_callbacks)
    [(request, create)] = remote.received("Create")
    assert request["path"] == "/inbox"
    newsroom_key = json.loads(client.get("/ap/newsroom").content)["publicKey"]
    assert remote.verified_sender(request, newsroom_key) == f"{SITE}/ap/newsroom"
    assert create["object"]["id"] == f"{SITE}/ap/entries/{inside.pk}"
    assert f"{SITE}/ap/stories/{story.pk}/followers" in create["cc"]


def test_a_follower_of_the_newsroom_and_of_a_story_on_one_server_gets_one_create(
    client, remote, editor, django_capture_on_commit_callbacks
):
    story = story_with(EntryFactory())
    with django_capture_on_commit_callbacks(execute=True):
        for n, target in enumerate((f"{SITE}/ap/newsroom", f"{SITE}/ap/stories/{story.pk}")):
            response = deliver(client, remote, follow_activity(remote, target, n), path="/ap/inbox")
            assert response.status_code == 202, response.content
    assert Follower.objects.count() == 2
    inside = EntryFactory(draft=True)
    set_story(inside, story)
    publish(editor, inside, django_capture_on_commit_callbacks)
    assert len(remote.received("Create")) == 1


def test_an_undo_of_a_story_follow_stops_its_deliveries(
    client, remote, editor, django_capture_on_commit_callbacks
):
    story = story_with(EntryFactory())
    target = f"{SITE}/ap/stories/{story.pk}"
    follow = follow_activity(remote, target)
    with django_capture_on_commit_callbacks(execute=True):
        deliver(client, remote, follow, path="/ap/inbox")
    assert Follower.objects.filter(story=story).count() == 1
    undo = {
        "@context": "https://www.w3.org/ns/activitystreams",
        "id": f"{remote.actor_id()}/undos/1",
        "type": "Undo",
        "actor": remote.actor_id(),
        "object": follow,
    }
    assert deliver(client, remote, undo, path="/ap/inbox").status_code == 202
    assert not Follower.objects.exists()
    inside = EntryFactory(draft=True)
    set_story(inside, story)
    publish(editor, inside, django_capture_on_commit_callbacks)
    assert remote.received("Create") == []
