"""ActivityPub: the newsroom and its tags are actors a fediverse account (a local server whose
cryptography is `bovine`'s, an independent implementation) follows, and is then sent each
published entry, correction and withdrawal, signed, through the queue."""

import datetime
import json
import logging
import time

import pytest
import time_machine
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from comments.models import Comment
from events.models import Entry
from push import queue
from push.activitypub import actors
from push.models import FederationDelivery, Follower
from push.tasks import sweep
from tests.activitypub_support import RemoteServer
from tests.factories import CitationFactory, EntryFactory, SourceFactory
from tests.push_support import closed_port_url

pytestmark = pytest.mark.django_db

SITE = "http://testserver"
NEWSROOM_INBOX = "/ap/newsroom/inbox"


@pytest.fixture(autouse=True)
def site(settings):
    settings.SITE_URL = SITE
    settings.ACTIVITYPUB_BLOCKED_DOMAINS = []


@pytest.fixture
def remote():
    with RemoteServer(names=("alice", "bob")) as server:
        yield server


def our_public_key(client, actor_path="/ap/newsroom") -> dict:
    response = client.get(actor_path)
    assert response["Content-Type"].startswith("application/activity+json")
    return json.loads(response.content)["publicKey"]


def deliver(client, remote, activity: dict, *, name="alice", path=NEWSROOM_INBOX, **sign):
    """POST `activity` to our inbox, signed by `name`'s key with bovine."""
    body = json.dumps(activity).encode()
    headers = remote.signed_post_headers(name=name, host="testserver", path=path, body=body, **sign)
    return client.post(path, data=body, content_type="application/activity+json", headers=headers)


def follow(remote, *, name="alice", target=f"{SITE}/ap/newsroom", n=1) -> dict:
    return {
        "@context": "https://www.w3.org/ns/activitystreams",
        "id": f"{remote.actor_id(name)}/follows/{n}",
        "type": "Follow",
        "actor": remote.actor_id(name),
        "object": target,
    }


def followed(client, remote, capture, **kwargs):
    with capture(execute=True):
        response = deliver(
            client, remote, follow(remote, **kwargs), name=kwargs.get("name", "alice")
        )
    assert response.status_code == 202, response.content
    return response


def test_webfinger_names_the_newsroom_and_each_public_tag(client, settings):
    settings.ACTIVITYPUB_USERNAME = "desk"
    entry = EntryFactory(tags=["Floods"])
    tag = entry.tags.get()
    found = client.get("/.well-known/webfinger", {"resource": "acct:desk@testserver"})
    assert found["Content-Type"] == "application/jrd+json"
    assert json.loads(found.content)["links"][0]["href"] == f"{SITE}/ap/newsroom"
    tag_found = client.get("/.well-known/webfinger", {"resource": "acct:tag.floods@testserver"})
    assert json.loads(tag_found.content)["links"][0]["href"] == f"{SITE}/ap/tags/{tag.pk}"
    document = json.loads(client.get(f"/ap/tags/{tag.pk}").content)
    assert document["preferredUsername"] == "tag.floods"
    assert document["publicKey"]["owner"] == document["id"]
    assert document["publicKey"]["publicKeyPem"].startswith("-----BEGIN PUBLIC KEY-----")
    assert document["endpoints"]["sharedInbox"] == f"{SITE}/ap/inbox"
    for unknown in ("acct:newsroom@testserver", "acct:desk@elsewhere.example"):
        assert client.get("/.well-known/webfinger", {"resource": unknown}).status_code == 404


def test_a_tag_only_drafts_carry_is_no_actor(client):
    draft = EntryFactory(draft=True, tags=["Secret"])
    tag = draft.tags.get()
    assert client.get(f"/ap/tags/{tag.pk}").status_code == 404
    assert (
        client.get("/.well-known/webfinger", {"resource": "acct:tag.secret@testserver"}).status_code
        == 404
    )


def test_round_trip_with_bovine_follow_accept_create_and_update_after_a_desk_correction(
    client, remote, editor, django_capture_on_commit_callbacks
):
    # The account follows; the Accept comes back to its own inbox, signed by our key.
    followed(client, remote, django_capture_on_commit_callbacks)
    follower = Follower.objects.get()
    assert (follower.actor, follower.shared_inbox) == (remote.actor_id(), f"{remote.base}/inbox")
    [(request, accept)] = remote.received("Accept")
    assert request["path"] == "/users/alice/inbox"
    assert accept["object"]["id"] == follow(remote)["id"]
    key = our_public_key(client)
    assert remote.verified_sender(request, key) == f"{SITE}/ap/newsroom"

    # An editor publishes from the desk: a Create of the Article reaches the shared inbox.
    entry = EntryFactory(draft=True, tags=["Floods"], body="The river *rose* overnight.")
    CitationFactory(entry=entry, source=SourceFactory(url="https://example.com/report"))
    staff = Client()
    staff.force_login(editor)
    with django_capture_on_commit_callbacks(execute=True):
        staff.post(
            reverse("admin:events_entry_changelist"),
            {"action": "publish_now", "_selected_action": [entry.pk]},
        )
    [(request, create)] = remote.received("Create")
    assert request["path"] == "/inbox"
    assert remote.verified_sender(request, key) == f"{SITE}/ap/newsroom"
    article = create["object"]
    assert article["type"] == "Article"
    assert article["id"] == f"{SITE}/ap/entries/{entry.pk}"
    assert article["url"] == SITE + Entry.objects.get(pk=entry.pk).get_absolute_url()
    assert "<em>rose</em>" in article["content"]
    assert [(a["type"], a["href"]) for a in article["attachment"]] == [
        ("Link", "https://example.com/report")
    ]
    assert 'href="https://example.com/report"' in article["content"]
    assert [t["name"] for t in article["tag"] if t["type"] == "Hashtag"] == ["#Floods"]
    assert f"{SITE}/ap/newsroom/followers" in create["cc"]

    # A correction from the desk: an Update, verified the same way.
    with django_capture_on_commit_callbacks(execute=True):
        response = staff.post(
            f"/admin/events/entry/{entry.pk}/correct/",
            {
                "kind": "correction",
                "note": "It rose on Tuesday.",
                "headline": entry.headline,
                "body": "The river *rose* on Tuesday.",
            },
        )
    assert response.status_code == 302
    [(request, update)] = remote.received("Update")
    assert remote.verified_sender(request, key) == f"{SITE}/ap/newsroom"
    assert update["object"]["id"] == article["id"]
    assert "Tuesday" in update["object"]["content"]
    assert FederationDelivery.objects.filter(status="delivered").count() == 3


def test_a_signature_by_another_key_does_not_verify_with_bovine(
    client, remote, django_capture_on_commit_callbacks
):
    """The check above can fail: bovine refuses our Accept against a key we do not hold."""
    followed(client, remote, django_capture_on_commit_callbacks)
    [(request, _)] = remote.received("Accept")
    wrong = {**our_public_key(client), "publicKeyPem": remote.keys["bob"][0]}
    assert remote.verified_sender(request, wrong) is None


def test_a_withdrawal_is_a_delete_and_an_unpublished_entry_reaches_nobody_else(
    client, remote, django_capture_on_commit_callbacks
):
    followed(client, remote, django_capture_on_commit_callbacks)
    with django_capture_on_commit_callbacks(execute=True):
        entry = EntryFactory()
    with django_capture_on_commit_callbacks(execute=True):
        entry.status = Entry.Status.DRAFT
        entry.save()
    [(_, delete)] = remote.received("Delete")
    assert delete["object"] == {"id": f"{SITE}/ap/entries/{entry.pk}", "type": "Tombstone"}
    assert client.get(f"/ap/entries/{entry.pk}").status_code == 404


def test_one_delivery_per_shared_inbox_for_followers_of_the_newsroom_and_of_a_tag(
    client, remote, django_capture_on_commit_callbacks
):
    tagged = EntryFactory(tags=["Floods"])
    tag = tagged.tags.get()
    followed(client, remote, django_capture_on_commit_callbacks)
    followed(
        client,
        remote,
        django_capture_on_commit_callbacks,
        name="bob",
        target=f"{SITE}/ap/tags/{tag.pk}",
    )
    assert Follower.objects.filter(tag=tag).count() == 1
    with django_capture_on_commit_callbacks(execute=True):
        EntryFactory(tags=["Floods"])
    creates = remote.received("Create")
    assert [request["path"] for request, _ in creates] == ["/inbox"]


def test_undo_follow_removes_the_follower(client, remote, django_capture_on_commit_callbacks):
    followed(client, remote, django_capture_on_commit_callbacks)
    undo = {
        "id": f"{remote.actor_id()}/undo/1",
        "type": "Undo",
        "actor": remote.actor_id(),
        "object": follow(remote),
    }
    assert deliver(client, remote, undo).status_code == 202
    assert not Follower.objects.exists()


def test_a_reply_to_an_entry_waits_in_moderation_as_a_pending_comment(client, remote):
    entry = EntryFactory()
    note = {
        "id": f"{remote.actor_id()}/statuses/1",
        "type": "Note",
        "attributedTo": remote.actor_id(),
        "inReplyTo": f"{SITE}/ap/entries/{entry.pk}",
        "content": "<p>Which bridge?</p><p>The <b>old</b> one &amp; the new?</p>",
    }
    create = {
        "id": note["id"] + "/activity",
        "type": "Create",
        "actor": remote.actor_id(),
        "object": note,
    }
    assert deliver(client, remote, create, path="/ap/inbox").status_code == 202
    comment = Comment.objects.get()
    assert comment.status == Comment.Status.PENDING
    assert comment.entry == entry
    assert comment.body.startswith("Which bridge?\n\nThe old one & the new?")
    assert comment.name == "Alice"
    assert not Comment.objects.approved().exists()


def test_a_reply_attributed_to_someone_else_is_refused(client, remote):
    entry = EntryFactory()
    create = {
        "id": f"{remote.actor_id()}/statuses/2/activity",
        "type": "Create",
        "actor": remote.actor_id(),
        "object": {
            "id": f"{remote.actor_id()}/statuses/2",
            "type": "Note",
            "attributedTo": remote.actor_id("bob"),
            "inReplyTo": f"{SITE}/ap/entries/{entry.pk}",
            "content": "forged",
        },
    }
    assert deliver(client, remote, create).status_code == 401
    assert not Comment.objects.exists()


# Refusals: 4xx and one log line each.


def refused(caplog, response, status):
    assert response.status_code == status, response.content
    lines = [r for r in caplog.records if r.levelno >= logging.WARNING]
    assert len(lines) == 1 and lines[0].name == "push.activitypub.views"
    assert f"refused {status}" in lines[0].getMessage()
    caplog.clear()


def test_an_unsigned_follow_is_refused(client, remote, caplog):
    response = client.post(
        NEWSROOM_INBOX, data=json.dumps(follow(remote)), content_type="application/activity+json"
    )
    refused(caplog, response, 401)
    assert not Follower.objects.exists()


def test_a_follow_signed_by_another_key_is_refused(client, remote, caplog):
    body = json.dumps(follow(remote)).encode()
    headers = remote.signed_post_headers(
        name="bob", host="testserver", path=NEWSROOM_INBOX, body=body
    )
    # bob's signature presented under alice's key id.
    headers["Signature"] = headers["Signature"].replace("/users/bob#", "/users/alice#")
    response = client.post(
        NEWSROOM_INBOX, data=body, content_type="application/activity+json", headers=headers
    )
    refused(caplog, response, 401)
    assert not Follower.objects.exists()


def test_a_body_changed_after_signing_is_refused(client, remote, caplog):
    body = json.dumps(follow(remote)).encode()
    headers = remote.signed_post_headers(
        name="alice", host="testserver", path=NEWSROOM_INBOX, body=body
    )
    tampered = json.dumps(follow(remote, target=f"{SITE}/ap/tags/1")).encode()
    response = client.post(
        NEWSROOM_INBOX, data=tampered, content_type="application/activity+json", headers=headers
    )
    refused(caplog, response, 400)


def test_a_signature_for_another_path_is_refused(client, remote, caplog):
    body = json.dumps(follow(remote)).encode()
    headers = remote.signed_post_headers(
        name="alice", host="testserver", path="/ap/inbox", body=body
    )
    response = client.post(
        NEWSROOM_INBOX, data=body, content_type="application/activity+json", headers=headers
    )
    refused(caplog, response, 401)


def test_a_stale_date_is_refused(client, remote, caplog, settings):
    settings.ACTIVITYPUB_SIGNATURE_WINDOW_SECONDS = 300
    stale = timezone.now() - datetime.timedelta(minutes=10)
    refused(caplog, deliver(client, remote, follow(remote), date=stale), 401)


def test_a_replayed_follow_is_refused(client, remote, caplog, django_capture_on_commit_callbacks):
    body = json.dumps(follow(remote)).encode()
    headers = remote.signed_post_headers(
        name="alice", host="testserver", path=NEWSROOM_INBOX, body=body
    )
    with django_capture_on_commit_callbacks(execute=True):
        first = client.post(
            NEWSROOM_INBOX, data=body, content_type="application/activity+json", headers=headers
        )
    assert first.status_code == 202
    caplog.clear()
    again = client.post(
        NEWSROOM_INBOX, data=body, content_type="application/activity+json", headers=headers
    )
    refused(caplog, again, 409)
    # The same activity id in a freshly signed body is a replay too.
    resent = {**follow(remote), "extra": "padding"}
    refused(caplog, deliver(client, remote, resent), 409)
    assert len(remote.received("Accept")) == 1


@pytest.mark.parametrize("body", [b"not json", b"[]", b'{"type": "Follow"}'])
def test_a_malformed_body_is_refused(client, caplog, body):
    response = client.post(NEWSROOM_INBOX, data=body, content_type="application/activity+json")
    refused(caplog, response, 400)


# Blocked domains.


def test_a_blocked_domain_can_neither_follow_nor_receive(
    client, remote, caplog, settings, django_capture_on_commit_callbacks
):
    followed(client, remote, django_capture_on_commit_callbacks)
    settings.ACTIVITYPUB_BLOCKED_DOMAINS = ["127.0.0.1"]
    caplog.clear()
    refused(caplog, deliver(client, remote, follow(remote, name="bob")), 403)
    assert Follower.objects.count() == 1
    with django_capture_on_commit_callbacks(execute=True):
        EntryFactory()
    assert remote.received("Create") == []
    assert not FederationDelivery.objects.filter(activity_type="Create").exists()


def test_a_domain_blocked_after_recording_gets_nothing(
    client, remote, settings, django_capture_on_commit_callbacks
):
    followed(client, remote, django_capture_on_commit_callbacks)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        EntryFactory()
    settings.ACTIVITYPUB_BLOCKED_DOMAINS = ["127.0.0.1"]
    for callback in callbacks:
        callback()
    assert remote.received("Create") == []
    assert FederationDelivery.objects.get(activity_type="Create").status == "failed"


# Delivery through the queue.


def test_a_failed_delivery_is_retried_with_backoff_until_it_is_taken(
    client, remote, django_capture_on_commit_callbacks
):
    followed(client, remote, django_capture_on_commit_callbacks)
    remote.answers = [500, 503]
    with django_capture_on_commit_callbacks(execute=True):
        EntryFactory()
    row = FederationDelivery.objects.get(activity_type="Create")
    assert (row.status, row.attempts, row.response_code) == ("pending", 1, 500)
    assert row.next_attempt_at is not None and row.next_attempt_at > timezone.now()
    first_wait = row.next_attempt_at - timezone.now()
    with time_machine.travel(row.next_attempt_at + datetime.timedelta(minutes=5), tick=False):
        sweep()
        row.refresh_from_db()
        assert (row.status, row.attempts) == ("pending", 2)
        assert row.next_attempt_at - timezone.now() > first_wait
    with time_machine.travel(row.next_attempt_at + datetime.timedelta(minutes=5), tick=False):
        sweep()
    row.refresh_from_db()
    assert (row.status, row.attempts, row.response_code) == ("delivered", 3, 202)
    assert len(remote.received("Create")) == 3


def test_nothing_is_sent_before_the_save_commits(
    client, remote, django_capture_on_commit_callbacks
):
    followed(client, remote, django_capture_on_commit_callbacks)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        EntryFactory()
        assert FederationDelivery.objects.filter(activity_type="Create").count() == 1
    assert remote.received("Create") == []
    assert len(callbacks) >= 1


def test_a_lost_enqueue_is_delivered_by_the_sweep(
    client, remote, django_capture_on_commit_callbacks
):
    followed(client, remote, django_capture_on_commit_callbacks)
    with django_capture_on_commit_callbacks(execute=False):
        EntryFactory()  # its on-commit enqueue never runs: the message is lost
    assert remote.received("Create") == []
    with time_machine.travel(timezone.now() + datetime.timedelta(minutes=10), tick=False):
        sweep()
    assert len(remote.received("Create")) == 1


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("inbox", ["hang", 500, "redirect", "unreachable"])
def test_a_bad_follower_inbox_never_slows_an_editors_save(settings, editor, inbox):
    """The default without a broker: deliveries run after commit on a background thread."""
    settings.PUSH_EAGER_IN_BACKGROUND = True
    entry = EntryFactory(draft=True)
    staff = Client()
    staff.force_login(editor)
    with RemoteServer(answers=[inbox]) as remote:
        url = closed_port_url() if inbox == "unreachable" else f"{remote.base}/inbox"
        Follower.objects.create(actor=remote.actor_id(), inbox=url)
        started = time.monotonic()
        response = staff.post(
            reverse("admin:events_entry_changelist"),
            {"action": "publish_now", "_selected_action": [entry.pk]},
        )
        elapsed = time.monotonic() - started
        assert response.status_code == 302
        assert elapsed < 2, f"the save waited {elapsed:.1f}s on the follower"
        if inbox == "hang":
            assert remote.got_request.wait(30)  # it is being tried, in the background
            remote.release()
        queue.wait_idle()  # the background attempt has ended, however long a loaded machine took
        if inbox != "unreachable":
            assert remote.got_request.is_set()  # it was tried, in the background
    row = FederationDelivery.objects.get()
    assert row.attempts == 1
    assert row.status == ("delivered" if inbox == "hang" else "pending")


def test_a_follower_whose_actor_hangs_is_refused_after_the_timeout(client, settings, caplog):
    settings.PUSH_TIMEOUT_SECONDS = 1
    with RemoteServer(hang_gets=True) as remote:
        started = time.monotonic()
        response = deliver(client, remote, follow(remote))
        assert time.monotonic() - started < 5
        remote.release()
    refused(caplog, response, 401)
    assert not Follower.objects.exists()


# Hostile input.


def test_hostile_entry_text_is_sanitised_in_the_article(client):
    entry = EntryFactory(
        headline="Flood <script>alert(1)</script>",
        body='Hi <script>alert(1)</script> <img src=x onerror="alert(2)"> [x](javascript:alert(3))',
    )
    article = json.loads(client.get(f"/ap/entries/{entry.pk}").content)
    assert "<script" not in article["content"]
    assert "onerror" not in article["content"]
    assert "javascript:" not in article["content"]
    assert article["name"] == entry.headline  # plain text, as AS2 names are


def test_federation_needs_site_url(client, settings):
    settings.SITE_URL = ""
    assert client.get("/ap/newsroom").status_code == 404
    assert actors.enabled() is False
