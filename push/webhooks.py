"""Signed webhooks: recording deliveries with the change, signing and sending them, retrying.

Signatures follow Standard Webhooks: headers `webhook-id`, `webhook-timestamp` and
`webhook-signature: v1,<base64 HMAC-SHA256 of "id.timestamp.body" under the whsec_ key>`.
"""

import base64
import datetime
import functools
import hashlib
import hmac
import json
import logging
import urllib.request
from collections.abc import Iterable

from django.conf import settings
from django.core.mail import mail_admins
from django.db import router, transaction
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone

from api.changes import encode_cursor
from api.models import Change

from . import attempts
from .models import EVENT_NAMES, Delivery, Endpoint, secret_bytes

log = logging.getLogger(__name__)

USER_AGENT = "Newsroom-Webhooks/1"
COUNTDOWN_MAX_SECONDS = attempts.COUNTDOWN_MAX_SECONDS
# More deliveries than this recorded at once are handed to the sweep rather than one by one.
ONE_BY_ONE_MAX = 100


def payload(change: Change) -> dict:
    """What a subscriber receives for `change`: its type, time, subject and feed cursor.

    The entry (or story) itself is not copied: `data.api_url` serves its current public state, and
    `data.cursor` is where a subscriber that missed deliveries replays the changes feed from
    (`/api/v1/changes/?after=<cursor>` lists what came after this one).
    """
    data: dict = {"cursor": encode_cursor(change), **change.data}
    if change.entry_id:
        data["entry_id"] = change.entry_id
        data["api_url"] = _absolute(reverse("api-v1:get_entry", kwargs={"id": change.entry_id}))
    if change.tag_id:
        data["tag_id"] = change.tag_id
    if change.story_id:
        data["story_id"] = change.story_id
        slug = change.data["slug"]
        data["api_url"] = _absolute(reverse("api-v1:get_story", kwargs={"slug": slug}))
    return {"type": change.kind, "timestamp": change.effective_at.isoformat(), "data": data}


def _absolute(path: str) -> str:
    return settings.SITE_URL.rstrip("/") + path


def body_for(change: Change) -> str:
    return json.dumps(payload(change), separators=(",", ":"), sort_keys=True)


def record_deliveries(changes: Iterable[Change], *, endpoints=None) -> list[Delivery]:
    """One pending delivery per change and endpoint that wants it, in the caller's transaction.

    Each is due when its change becomes true for readers (a scheduled entry's publish time),
    and is enqueued after commit when it is due now; the sweep enqueues later ones when due.
    """
    changes = [change for change in changes if change.kind in EVENT_NAMES]
    if not changes:
        return []
    if endpoints is None:
        # Read with the write, on the primary: a save during a public read (replica) included.
        endpoints = list(Endpoint.objects.using(router.db_for_write(Endpoint)))
    now = timezone.now()
    rows = [
        Delivery(
            endpoint=endpoint,
            change=change,
            event=change.kind,
            body=body_for(change),
            next_attempt_at=change.effective_at,
            # Due now: enqueued after commit. Later: the sweep enqueues it when due.
            enqueued_at=now if change.effective_at <= now else None,
        )
        for change in changes
        for endpoint in endpoints
        if endpoint.wants(change.kind)
    ]
    due = [row for row in rows if row.endpoint.paused_at is None and row.enqueued_at is not None]
    if len(due) > ONE_BY_ONE_MAX:
        # A bulk write (an import, `record_changes`): one sweep after commit, not a message each
        # from inside this request.
        for row in due:
            row.enqueued_at = None
        sweep_soon()
    rows = Delivery.objects.bulk_create(rows, batch_size=1000)
    if len(due) <= ONE_BY_ONE_MAX:
        from .tasks import deliver_webhook

        for row in due:
            transaction.on_commit(functools.partial(_send, deliver_webhook, row.pk))
    return rows


def sweep_soon() -> None:
    """Run the sweep once the current transaction commits (rows just made due)."""
    from .tasks import sweep

    transaction.on_commit(lambda: _send(sweep))


def _send(task, *args) -> None:
    from .queue import send

    send(task, *args)


def sign(secret: str, message_id: str, timestamp: int, body: bytes) -> str:
    """The `webhook-signature` header for one message (Standard Webhooks, v1)."""
    signed = f"{message_id}.{timestamp}.".encode() + body
    digest = hmac.new(secret_bytes(secret), signed, hashlib.sha256).digest()
    return "v1," + base64.b64encode(digest).decode()


def post(endpoint: Endpoint, delivery: Delivery) -> tuple[int | None, str]:
    """POST one signed delivery; (status code or None, error text or "")."""
    body = delivery.body.encode()
    timestamp = int(timezone.now().timestamp())
    request = urllib.request.Request(
        endpoint.url,
        data=body,
        method="POST",
        headers={
            "Content-Type": "application/json",
            "User-Agent": USER_AGENT,
            "webhook-id": delivery.message_id,
            "webhook-timestamp": str(timestamp),
            "webhook-signature": sign(endpoint.secret, delivery.message_id, timestamp, body),
        },
    )
    return attempts.send(request)


def attempt(delivery_id: int) -> float | None:
    """Try delivery `delivery_id` once if it is still pending and due; idempotent.

    Returns the seconds until its next try after a failure, None when there is nothing more to
    do now (delivered, given up, not due, paused, gone). The attempt is recorded whatever the
    outcome; an endpoint whose last PUSH_PAUSE_AFTER_FAILURES attempts failed is paused.
    """
    delivery = (
        Delivery.objects.select_related("endpoint")
        .filter(pk=delivery_id, status=Delivery.Status.PENDING)
        .first()
    )
    now = timezone.now()
    if delivery is None or delivery.endpoint.paused_at is not None:
        return None
    if delivery.next_attempt_at and delivery.next_attempt_at > now:
        return None
    endpoint = delivery.endpoint
    code, error = post(endpoint, delivery)
    delay = attempts.record(delivery, code, error, timezone.now())
    if delivery.status == Delivery.Status.DELIVERED:
        if endpoint.failures_in_a_row:
            Endpoint.objects.filter(pk=endpoint.pk).update(failures_in_a_row=0)
        return None
    _count_failure(endpoint, delivery)
    return delay


def _count_failure(endpoint: Endpoint, delivery: Delivery) -> None:
    Endpoint.objects.filter(pk=endpoint.pk).update(failures_in_a_row=F("failures_in_a_row") + 1)
    limit = settings.PUSH_PAUSE_AFTER_FAILURES
    reason = (
        f"Paused after {limit} failed attempts in a row; last: {delivery.last_error}. "
        "Its deliveries wait; resume it when the subscriber is fixed."
    )
    paused = Endpoint.objects.filter(
        pk=endpoint.pk, paused_at=None, failures_in_a_row__gte=limit
    ).update(paused_at=timezone.now(), paused_reason=reason[:300])
    if paused:
        log.warning("push: webhook endpoint %s paused: %s", endpoint.url, reason)
        mail_admins(f"Webhook endpoint paused: {endpoint.url}", reason, fail_silently=True)


def resume(endpoint: Endpoint) -> int:
    """Resume a paused endpoint: its waiting deliveries are due now. Returns how many."""
    now = timezone.now()
    with transaction.atomic():
        Endpoint.objects.filter(pk=endpoint.pk).update(
            paused_at=None, paused_reason="", failures_in_a_row=0
        )
        waiting = Delivery.objects.filter(endpoint=endpoint, status=Delivery.Status.PENDING)
        count = waiting.update(next_attempt_at=now, enqueued_at=None)
        sweep_soon()
    endpoint.paused_at, endpoint.paused_reason, endpoint.failures_in_a_row = None, "", 0
    return count


def replay(endpoint: Endpoint, *, after: str | None) -> int:
    """New deliveries to `endpoint` for every settled change after the feed cursor `after`.

    For a subscriber that lost what it received: the same events, in feed order, with new
    message ids. Returns how many were recorded. BadCursor for a cursor the feed never gave.
    """
    from api.changes import changes_after

    total = 0
    cursor = after
    with transaction.atomic():
        while True:
            batch = changes_after(cursor, limit=1000, push_only=True)
            if not batch:
                break
            total += len(record_deliveries(batch, endpoints=[endpoint]))
            cursor = encode_cursor(batch[-1])
    return total


def due_deliveries(now: datetime.datetime, *, requeue_after: float):
    """Pending, due deliveries whose message is missing: never enqueued, or lost on the way."""
    lost_before = now - datetime.timedelta(seconds=requeue_after)
    return Delivery.objects.due(now).filter(Q(enqueued_at=None) | Q(enqueued_at__lte=lost_before))
