"""Delivering activities: a row per inbox recorded with the change, sent signed by the queue.

A published entry becomes a Create of its Article, a correction an Update, a withdrawal or a
deletion a Delete. Each goes to the followers of the newsroom, of the entry's tags and of its
story (and to every inbox that received the Create, for its Update and Delete), once per server
when the server has a shared inbox, never to a blocked domain.
"""

import datetime
import functools
import json
import logging
import urllib.parse
import urllib.request
import uuid
from collections.abc import Iterable

from django.conf import settings
from django.db import router, transaction
from django.db.models import Q
from django.utils import timezone

from api.models import Change
from events.models import Entry, TaggedEntry
from push import attempts
from push.models import FederationDelivery, Follower
from stories.models import StoryEntry

from . import actors
from .signatures import sign_headers

log = logging.getLogger(__name__)

USER_AGENT = "Newsroom-ActivityPub/1"
COUNTDOWN_MAX_SECONDS = attempts.COUNTDOWN_MAX_SECONDS
ONE_BY_ONE_MAX = 100
MAX_RESPONSE_BYTES = 1_000_000

ACTIVITY_FOR: dict[str, str] = {
    Change.Kind.ENTRY_PUBLISHED: "Create",
    Change.Kind.ENTRY_CORRECTED: "Update",
    Change.Kind.ENTRY_UNPUBLISHED: "Delete",
    Change.Kind.ENTRY_DELETED: "Delete",
}


def host_of(url: str) -> str:
    return (urllib.parse.urlsplit(url).hostname or "").lower().rstrip(".")


def is_blocked(url: str) -> bool:
    """Whether `url`'s host is a blocked domain or under one (ACTIVITYPUB_BLOCKED_DOMAINS)."""
    host = host_of(url)
    return any(
        host == blocked or host.endswith("." + blocked)
        for blocked in (
            domain.lower().strip(".") for domain in settings.ACTIVITYPUB_BLOCKED_DOMAINS
        )
        if blocked
    )


def _activity(kind: str, change: Change, db: str) -> tuple[dict, list[int], list[int]] | None:
    """The activity for `change` and the tag ids and story ids whose followers receive it
    (None: nothing)."""
    newsroom = actors.newsroom()
    assert change.entry_id is not None
    object_id = actors.object_id(change.entry_id)
    activity_id = f"{object_id}#{kind.lower()}-{change.pk}"
    if kind == "Delete":
        tag_ids = list(
            TaggedEntry.objects.using(db)
            .filter(content_object_id=change.entry_id)
            .values_list("tag_id", flat=True)
        )
        story_ids = list(
            StoryEntry.objects.using(db)
            .filter(entry_id=change.entry_id)
            .values_list("story_id", flat=True)
        )
        return (
            {
                "@context": actors.AS_CONTEXT,
                "id": activity_id,
                "type": "Delete",
                "actor": newsroom.id,
                "to": [actors.PUBLIC],
                "cc": [newsroom.followers],
                "object": {"id": object_id, "type": "Tombstone"},
            },
            tag_ids,
            story_ids,
        )
    entry = Entry.objects.using(db).filter(pk=change.entry_id).first()
    if entry is None:
        return None
    tags, sources = actors.entry_parts(entry, using=db)
    story = actors.entry_story(entry.pk, using=db)
    article = actors.article(entry, tags=tags, source_urls=sources, story=story)
    return (
        {
            "@context": actors.AS_CONTEXT,
            "id": activity_id,
            "type": kind,
            "actor": newsroom.id,
            "published": change.effective_at.isoformat(),
            "to": article["to"],
            "cc": article["cc"],
            "object": article,
        },
        [tag.pk for tag in tags],
        [story.pk] if story is not None else [],
    )


def _inboxes(
    tag_ids: list[int], story_ids: list[int], object_id: str, *, reached_before: bool, db: str
) -> set[str]:
    """Inboxes owed an activity: one per server with a shared inbox, blocked domains left out."""
    followers = Follower.objects.using(db).filter(
        Q(tag=None, story=None) | Q(tag_id__in=tag_ids) | Q(story_id__in=story_ids)
    )
    inboxes = {shared or inbox for shared, inbox in followers.values_list("shared_inbox", "inbox")}
    if reached_before:
        inboxes |= set(
            FederationDelivery.objects.using(db)
            .filter(activity_id__startswith=object_id + "#create-")
            .values_list("inbox", flat=True)
        )
    return {inbox for inbox in inboxes if not is_blocked(inbox)}


def record_deliveries(changes: Iterable[Change]) -> list[FederationDelivery]:
    """One pending delivery per activity and inbox, in the caller's transaction.

    Due when the change becomes true for readers; those due now are sent after commit (a
    burst over ONE_BY_ONE_MAX goes to one sweep), later ones by the sweep when due.
    """
    changes = [c for c in changes if c.kind in ACTIVITY_FOR and c.entry_id is not None]
    if not changes or not actors.enabled():
        return []
    db = router.db_for_write(FederationDelivery)
    if not Follower.objects.using(db).exists() and not any(
        ACTIVITY_FOR[c.kind] != "Create" for c in changes
    ):
        return []
    now = timezone.now()
    key_id = actors.newsroom().key_id
    rows = []
    for change in changes:
        kind = ACTIVITY_FOR[change.kind]
        built = _activity(kind, change, db)
        if built is None:
            continue
        activity, tag_ids, story_ids = built
        inboxes = _inboxes(
            tag_ids,
            story_ids,
            actors.object_id(change.entry_id),  # type: ignore[arg-type]
            reached_before=kind != "Create",
            db=db,
        )
        body = json.dumps(activity, separators=(",", ":"), ensure_ascii=False)
        due_now = change.effective_at <= now
        rows += [
            FederationDelivery(
                change=change,
                inbox=inbox,
                key_id=key_id,
                activity_id=activity["id"],
                activity_type=kind,
                body=body,
                next_attempt_at=change.effective_at,
                enqueued_at=now if due_now else None,
            )
            for inbox in sorted(inboxes)
        ]
    return _save_and_send(rows, db)


def record_accept(actor: actors.Actor, follower: Follower, follow: dict) -> FederationDelivery:
    """An Accept of `follow` owed to the follower's own inbox, sent after commit."""
    activity_id = f"{actor.id}#accepts/{uuid.uuid4().hex}"
    activity = {
        "@context": actors.AS_CONTEXT,
        "id": activity_id,
        "type": "Accept",
        "actor": actor.id,
        "object": follow,
    }
    row = FederationDelivery(
        inbox=follower.inbox,
        key_id=actor.key_id,
        activity_id=activity_id,
        activity_type="Accept",
        body=json.dumps(activity, separators=(",", ":"), ensure_ascii=False),
        next_attempt_at=timezone.now(),
        enqueued_at=timezone.now(),
    )
    return _save_and_send([row], router.db_for_write(FederationDelivery))[0]


def _save_and_send(rows: list[FederationDelivery], db: str) -> list[FederationDelivery]:
    from push.tasks import deliver_activity, sweep

    due = [row for row in rows if row.enqueued_at is not None]
    one_by_one = len(due) <= ONE_BY_ONE_MAX
    if not one_by_one:
        for row in due:
            row.enqueued_at = None
    rows = FederationDelivery.objects.using(db).bulk_create(rows, batch_size=1000)
    if one_by_one:
        for row in due:
            transaction.on_commit(functools.partial(_send, deliver_activity, row.pk), using=db)
    elif due:
        transaction.on_commit(functools.partial(_send, sweep), using=db)
    return rows


def _send(task, *args) -> None:
    from push.queue import send

    send(task, *args)


def post(inbox: str, body: bytes, *, key_id: str) -> tuple[int | None, str]:
    """POST a signed activity to `inbox`; (status code or None, error text or "")."""
    key = actors.site_key()
    headers = sign_headers(
        method="POST",
        url=inbox,
        key_id=key_id,
        private_pem=key.private_pem,
        body=body,
        now=timezone.now(),
    )
    headers["User-Agent"] = USER_AGENT
    headers["Content-Type"] = "application/activity+json"
    request = urllib.request.Request(inbox, data=body, method="POST", headers=headers)
    return attempts.send(request)


def get(url: str) -> dict:
    """GET an ActivityPub document, signed as the newsroom (servers in secure mode ask so).

    Raises OSError or ValueError when it cannot be had as a JSON object in time.
    """
    key = actors.site_key()
    headers = sign_headers(
        method="GET",
        url=url,
        key_id=actors.newsroom().key_id,
        private_pem=key.private_pem,
        body=None,
        now=timezone.now(),
    )
    headers["User-Agent"] = USER_AGENT
    headers["Accept"] = "application/activity+json, application/ld+json"
    request = urllib.request.Request(url, method="GET", headers=headers)
    with attempts.opener.open(request, timeout=settings.PUSH_TIMEOUT_SECONDS) as response:
        raw = response.read(MAX_RESPONSE_BYTES + 1)
    if len(raw) > MAX_RESPONSE_BYTES:
        raise ValueError("document too large")
    document = json.loads(raw)
    if not isinstance(document, dict):
        raise ValueError("not a JSON object")
    return document


def attempt(delivery_id: int) -> float | None:
    """Try delivery `delivery_id` once if still pending and due; idempotent.

    Returns the seconds until its next try after a failure, None when nothing more is owed
    now. An inbox whose domain was blocked since is given up without a request.
    """
    delivery = FederationDelivery.objects.filter(
        pk=delivery_id, status=FederationDelivery.Status.PENDING
    ).first()
    now = timezone.now()
    if delivery is None or (delivery.next_attempt_at and delivery.next_attempt_at > now):
        return None
    if is_blocked(delivery.inbox):
        delivery.status = FederationDelivery.Status.FAILED
        delivery.last_error = "blocked domain"
        delivery.next_attempt_at = None
        delivery.save(update_fields=attempts.RECORDED)
        return None
    code, error = post(delivery.inbox, delivery.body.encode(), key_id=delivery.key_id)
    # A 4xx other than 408/429 is the server's final answer (Mastodon's rule too).
    final = code is not None and 400 <= code < 500 and code not in (408, 429)
    delay = attempts.record(delivery, code, error, timezone.now(), final=final)
    if delivery.status == FederationDelivery.Status.DELIVERED:
        return None
    log.info("activitypub: delivery %s to %s failed: %s", delivery.pk, delivery.inbox, error)
    return delay


def due_deliveries(now: datetime.datetime, *, requeue_after: float):
    """Pending, due deliveries whose message is missing: never enqueued, or lost on the way."""
    lost_before = now - datetime.timedelta(seconds=requeue_after)
    return FederationDelivery.objects.filter(
        status=FederationDelivery.Status.PENDING, next_attempt_at__lte=now
    ).filter(Q(enqueued_at=None) | Q(enqueued_at__lte=lost_before))
