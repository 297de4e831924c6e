"""Signed webhooks: recorded with the change, signed per Standard Webhooks, retried, paused."""

import datetime
import io
import json

import pytest
import standardwebhooks
import time_machine
from django.core.management import CommandError, call_command
from django.db import transaction
from django.test import Client
from django.urls import reverse
from django.utils import formats, timezone

from api.models import Change
from desk import corrections, tags
from events.models import Entry
from push import webhooks
from push.models import Delivery, Endpoint, new_secret, retry_delay
from push.tasks import deliver_webhook, sweep
from tests.factories import CitationFactory, EntryFactory, SourceFactory
from tests.push_support import Receiver, closed_port_url

pytestmark = pytest.mark.django_db

CHANGELIST = reverse("admin:events_entry_changelist")


def sourced_draft():
    entry = EntryFactory(draft=True)
    CitationFactory(entry=entry, source=SourceFactory(url=f"https://example.com/s/{entry.pk}"))
    return entry


def publish_through_the_desk(editor, entry, capture):
    """The editor's "Publish now" on the entry list, with on-commit callbacks run as on commit."""
    client = Client()
    client.force_login(editor)
    with capture(execute=True):
        response = client.post(
            CHANGELIST, {"action": "publish_now", "_selected_action": [entry.pk]}
        )
    assert response.status_code == 302


def next_try(delivery: Delivery) -> datetime.datetime:
    assert delivery.next_attempt_at is not None
    return delivery.next_attempt_at


def last_try(delivery: Delivery) -> datetime.datetime:
    assert delivery.last_attempt_at is not None
    return delivery.last_attempt_at


def verified(receiver_request, secret):
    """The payload, as the `standardwebhooks` library verifies it (raises when it does not)."""
    return standardwebhooks.Webhook(secret).verify(
        receiver_request["body"], receiver_request["headers"]
    )


def test_a_publish_from_the_desk_delivers_a_webhook_the_standardwebhooks_library_verifies(
    editor, django_capture_on_commit_callbacks
):
    entry = sourced_draft()
    with Receiver() as receiver:
        endpoint = Endpoint.objects.create(url=receiver.url)
        publish_through_the_desk(editor, entry, django_capture_on_commit_callbacks)
    assert len(receiver.requests) == 1
    payload = verified(receiver.requests[0], endpoint.secret)
    assert payload["type"] == "entry.published"
    assert payload["data"]["entry_id"] == entry.pk
    assert payload["data"]["api_url"].endswith(f"/api/v1/entries/{entry.pk}/")
    headers = receiver.requests[0]["headers"]
    assert headers["webhook-signature"].startswith("v1,")
    delivery = Delivery.objects.get()
    assert (delivery.status, delivery.attempts, delivery.response_code) == ("delivered", 1, 200)
    assert headers["webhook-id"] == delivery.message_id


def test_a_wrong_secret_or_a_changed_body_fails_verification(
    editor, django_capture_on_commit_callbacks
):
    entry = sourced_draft()
    with Receiver() as receiver:
        endpoint = Endpoint.objects.create(url=receiver.url)
        publish_through_the_desk(editor, entry, django_capture_on_commit_callbacks)
    request = receiver.requests[0]
    with pytest.raises(standardwebhooks.webhooks.WebhookVerificationError):
        verified(request, new_secret())
    tampered = {**request, "body": request["body"].replace(b"entry.published", b"entry.deleted")}
    with pytest.raises(standardwebhooks.webhooks.WebhookVerificationError):
        verified(tampered, endpoint.secret)


def test_the_delivery_is_written_with_the_change_and_sent_only_after_commit(
    django_capture_on_commit_callbacks,
):
    with Receiver() as receiver:
        Endpoint.objects.create(url=receiver.url)
        with django_capture_on_commit_callbacks(execute=False) as callbacks, transaction.atomic():
            EntryFactory()
            assert Delivery.objects.filter(status="pending").count() == 1
            assert receiver.requests == []
        assert receiver.requests == []  # nothing left the building before the commit
        for callback in callbacks:
            callback()
    assert len(receiver.requests) == 1


def test_a_rolled_back_change_records_and_sends_nothing(django_capture_on_commit_callbacks):
    with Receiver() as receiver:
        Endpoint.objects.create(url=receiver.url)
        with (
            django_capture_on_commit_callbacks(execute=True) as callbacks,
            pytest.raises(RuntimeError),
            transaction.atomic(),
        ):
            EntryFactory()
            raise RuntimeError("the save failed")
    assert callbacks == []
    assert not Delivery.objects.exists()
    assert receiver.requests == []


def test_two_failed_deliveries_are_retried_with_backoff_then_delivered_with_the_same_id(
    django_capture_on_commit_callbacks,
):
    with Receiver(answers=[500, 503]) as receiver:
        Endpoint.objects.create(url=receiver.url)
        with django_capture_on_commit_callbacks(execute=True):
            EntryFactory()
        delivery = Delivery.objects.get()
        assert (delivery.status, delivery.attempts, delivery.response_code) == ("pending", 1, 500)
        first_wait = next_try(delivery) - last_try(delivery)
        assert first_wait <= datetime.timedelta(seconds=10)
        # Not due yet: the sweep leaves it alone.
        sweep.apply()
        assert len(receiver.requests) == 1
        with time_machine.travel(next_try(delivery) + datetime.timedelta(minutes=3)):
            sweep.apply()
            delivery.refresh_from_db()
            assert (delivery.attempts, delivery.response_code) == (2, 503)
            second_wait = next_try(delivery) - last_try(delivery)
            assert second_wait == 2 * first_wait
        with time_machine.travel(next_try(delivery) + datetime.timedelta(minutes=3)):
            sweep.apply()
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts, delivery.response_code) == ("delivered", 3, 200)
    assert len({r["headers"]["webhook-id"] for r in receiver.requests}) == 1


def test_retries_start_within_ten_seconds_and_go_on_for_at_least_a_day(settings):
    assert retry_delay(1) <= 10
    delays = [retry_delay(n) for n in range(1, 60)]
    assert delays == sorted(delays)
    assert delays[1] == 2 * delays[0]
    assert max(delays) == settings.PUSH_RETRY_MAX_SECONDS
    assert settings.PUSH_RETRY_FOR_HOURS >= 24


def test_a_delivery_that_keeps_failing_gives_up_only_after_the_retry_period(
    settings, django_capture_on_commit_callbacks
):
    settings.PUSH_PAUSE_AFTER_FAILURES = 1000
    url = closed_port_url()
    Endpoint.objects.create(url=url)
    with django_capture_on_commit_callbacks(execute=True):
        EntryFactory()
    delivery = Delivery.objects.get()
    start = delivery.created
    at = start
    while delivery.status == "pending":
        at = next_try(delivery) + datetime.timedelta(minutes=3)
        with time_machine.travel(at):
            sweep.apply()
        delivery.refresh_from_db()
    assert delivery.status == "failed"
    assert at - start >= datetime.timedelta(hours=24)
    assert "refused" in delivery.last_error.lower() or delivery.last_error


def test_a_redirect_is_a_failure_and_is_not_followed(django_capture_on_commit_callbacks):
    with Receiver(answers=["redirect"]) as receiver:
        Endpoint.objects.create(url=receiver.url)
        with django_capture_on_commit_callbacks(execute=True):
            EntryFactory()
    assert [r["path"] for r in receiver.requests] == ["/hook"]
    delivery = Delivery.objects.get()
    assert (delivery.status, delivery.response_code) == ("pending", 307)


def test_an_endpoint_that_keeps_failing_is_paused_with_a_notice_and_resumed_by_an_editor(
    settings, editor, django_capture_on_commit_callbacks, mailoutbox
):
    settings.PUSH_PAUSE_AFTER_FAILURES = 2
    settings.ADMINS = [("Ops", "ops@example.com")]
    with Receiver(default=500) as receiver:
        endpoint = Endpoint.objects.create(url=receiver.url)
        with django_capture_on_commit_callbacks(execute=True):
            EntryFactory()
            EntryFactory()
        endpoint.refresh_from_db()
        assert endpoint.paused_at is not None
        assert "2 failed attempts" in endpoint.paused_reason
        assert [
            m.subject.endswith(f"Webhook endpoint paused: {receiver.url}") for m in mailoutbox
        ] == [True]
        # Paused: a third change waits rather than being tried.
        with django_capture_on_commit_callbacks(execute=True):
            EntryFactory()
        assert len(receiver.requests) == 2
        client = Client()
        client.force_login(editor)
        page = client.get(reverse("admin:push_endpoint_changelist"))
        assert "Paused after repeated failures" in page.content.decode()
        receiver.default = 200
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(
                reverse("admin:push_endpoint_changelist"),
                {"action": "resume", "_selected_action": [endpoint.pk]},
                follow=True,
            )
        assert "Resumed 1 endpoint(s); 3 waiting deliveries are due now." in [
            str(m) for m in response.context["messages"]
        ]
    assert Delivery.objects.filter(status="delivered").count() == 3


def test_the_delivery_log_shows_status_attempts_response_code_and_next_try(
    editor, django_capture_on_commit_callbacks
):
    with Receiver(answers=[502]) as receiver:
        endpoint = Endpoint.objects.create(url=receiver.url)
        with django_capture_on_commit_callbacks(execute=True):
            EntryFactory()
    client = Client()
    client.force_login(editor)
    page = client.get(
        reverse("admin:push_delivery_changelist") + f"?endpoint__id__exact={endpoint.pk}"
    )
    text = page.content.decode()
    delivery = Delivery.objects.get()
    assert page.status_code == 200
    assert "Pending" in text and "502" in text and "HTTP 502" in text
    assert formats.localize(timezone.localtime(delivery.next_attempt_at)) in text


def test_webhooks_need_the_manage_webhooks_permission(django_user_model):
    from django.contrib.auth.models import Group, Permission

    staff = django_user_model.objects.create_user("ed", password="pw-12345-x", is_staff=True)
    staff.groups.add(Group.objects.get(name="Editors"))
    client = Client()
    client.force_login(staff)
    url = reverse("admin:push_endpoint_changelist")
    assert client.get(url).status_code == 403
    staff.user_permissions.add(Permission.objects.get(codename="manage_webhooks"))
    assert client.get(url).status_code == 200
    response = client.post(
        reverse("admin:push_endpoint_add"),
        {
            "url": "https://example.org/hook",
            "secret": new_secret(),
            "events": '["entry.published"]',
        },
    )
    assert response.status_code == 302
    assert Endpoint.objects.get().events == ["entry.published"]


def test_add_webhook_command_subscribes_a_url_to_chosen_events(django_capture_on_commit_callbacks):
    secret = new_secret()
    out = io.StringIO()
    with Receiver() as receiver:
        call_command(
            "add_webhook", receiver.url, "--secret", secret, "--events", "entry.deleted", stdout=out
        )
        assert "entry.deleted" in out.getvalue()
        with django_capture_on_commit_callbacks(execute=True):
            entry = EntryFactory()  # published: not subscribed
            entry.delete()
    assert [verified(r, secret)["type"] for r in receiver.requests] == ["entry.deleted"]
    with pytest.raises(CommandError, match="whsec_"):
        call_command("add_webhook", "https://example.org/h", "--secret", "hunter2")


def test_corrections_unpublishing_tag_renames_and_merges_are_events(
    editor, django_capture_on_commit_callbacks
):
    entry = EntryFactory(tags=["Floods", "Flooding"])
    other = EntryFactory(tags=["Storms"])
    with Receiver() as receiver:
        endpoint = Endpoint.objects.create(url=receiver.url)
        with django_capture_on_commit_callbacks(execute=True):
            corrections.add_correction(
                entry, kind="correction", note="The date was wrong.", user=editor
            )
        with django_capture_on_commit_callbacks(execute=True):
            tags.rename_tag(other.tags.get(), "Severe storms", user=editor)
        with django_capture_on_commit_callbacks(execute=True):
            tags.merge_by_name(["Flooding"], "Floods", user=editor)
        with django_capture_on_commit_callbacks(execute=True):
            other.status = Entry.Status.DRAFT
            other.save()
    kinds = [verified(r, endpoint.secret) for r in receiver.requests]
    by_type = {p["type"]: p["data"] for p in kinds}
    assert by_type["entry.corrected"]["note"] == "The date was wrong."
    assert by_type["tag.renamed"]["name"] == "Severe storms"
    assert [m["name"] for m in by_type["tag.merged"]["merged"]] == ["Flooding"]
    assert by_type["tag.merged"]["name"] == "Floods"
    assert by_type["entry.unpublished"]["entry_id"] == other.pk


def test_a_subscriber_replays_from_a_changes_feed_cursor(
    settings, django_capture_on_commit_callbacks
):
    settings.API_CHANGES_SETTLE_SECONDS = 0
    first, second, third = EntryFactory(), EntryFactory(), EntryFactory()
    changes = list(Change.objects.order_by("effective_at", "pk"))
    with Receiver() as receiver:
        endpoint = Endpoint.objects.create(url=receiver.url)
        cursor = webhooks.payload(changes[0])["data"]["cursor"]
        out = io.StringIO()
        with django_capture_on_commit_callbacks(execute=True):
            call_command("replay_webhooks", str(endpoint.pk), "--after", cursor, stdout=out)
    assert "Recorded 2 deliveries" in out.getvalue()
    replayed = [json.loads(r["body"])["data"]["entry_id"] for r in receiver.requests]
    assert replayed == [second.pk, third.pk]
    assert first.pk not in replayed
    with pytest.raises(CommandError, match="not a cursor"):
        call_command("replay_webhooks", str(endpoint.pk), "--after", "nonsense!")


def test_a_scheduled_entry_is_delivered_when_its_publish_time_comes(
    django_capture_on_commit_callbacks,
):
    with Receiver() as receiver:
        Endpoint.objects.create(url=receiver.url)
        with django_capture_on_commit_callbacks(execute=True):
            entry = EntryFactory(scheduled=True)
        assert receiver.requests == []
        with time_machine.travel(entry.publish_at + datetime.timedelta(seconds=1)):
            sweep.apply()
    assert [json.loads(r["body"])["type"] for r in receiver.requests] == ["entry.published"]


def test_a_scheduled_entry_withdrawn_or_rescheduled_before_its_time_sends_nothing_early(
    django_capture_on_commit_callbacks,
):
    with Receiver() as receiver:
        Endpoint.objects.create(url=receiver.url)
        with django_capture_on_commit_callbacks(execute=True):
            withdrawn = EntryFactory(scheduled=True)
            moved = EntryFactory(scheduled=True)
        first_time = moved.publish_at
        with django_capture_on_commit_callbacks(execute=True):
            withdrawn.status = Entry.Status.DRAFT
            withdrawn.save()
            moved.publish_at = first_time + datetime.timedelta(days=2)
            moved.save()
        with time_machine.travel(first_time + datetime.timedelta(seconds=1)):
            sweep.apply()
        assert receiver.requests == []
        with time_machine.travel(moved.publish_at + datetime.timedelta(seconds=1)):
            sweep.apply()
    sent = [json.loads(r["body"])["data"]["entry_id"] for r in receiver.requests]
    assert sent == [moved.pk]


def test_a_delivery_task_run_again_after_success_sends_nothing(django_capture_on_commit_callbacks):
    with Receiver() as receiver:
        Endpoint.objects.create(url=receiver.url)
        with django_capture_on_commit_callbacks(execute=True):
            EntryFactory()
        delivery = Delivery.objects.get()
        deliver_webhook.apply(args=(delivery.pk,))  # the queue delivered the message twice
        deliver_webhook.apply(args=(delivery.pk + 1000,))  # or one for a row that is gone
    assert len(receiver.requests) == 1
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == ("delivered", 1)


def test_push_sweep_command_sends_what_is_due(django_capture_on_commit_callbacks):
    with Receiver(answers=[500]) as receiver:
        Endpoint.objects.create(url=receiver.url)
        with django_capture_on_commit_callbacks(execute=True):
            EntryFactory()
        out = io.StringIO()
        with time_machine.travel(next_try(Delivery.objects.get()) + datetime.timedelta(minutes=3)):
            call_command("push_sweep", stdout=out)
    assert out.getvalue() == "Enqueued 1.\n"
    assert Delivery.objects.get().status == "delivered"


def test_a_bulk_write_hands_its_deliveries_to_one_sweep(
    monkeypatch, django_capture_on_commit_callbacks
):
    from api import changes as change_log

    entries = [EntryFactory() for _ in range(3)]
    with Receiver() as receiver:
        Endpoint.objects.create(url=receiver.url)
        Endpoint.objects.create(url=receiver.url + "/2")
        with django_capture_on_commit_callbacks(execute=False) as callbacks:
            change_log.record_entries_updated([entry.pk for entry in entries])
        assert len(callbacks) == 6  # three changes to two endpoints, one message each
        monkeypatch.setattr(webhooks, "ONE_BY_ONE_MAX", 4)
        with django_capture_on_commit_callbacks(execute=False) as callbacks:
            change_log.record_entries_updated([entry.pk for entry in entries])
        assert len(callbacks) == 1  # one sweep for all six
        for callback in callbacks:
            callback()
        assert len(receiver.requests) == 6
