"""WebSub: pinging the hub when a feed's content changes (publish, correction, withdrawal).

Every feed names the hub (rel="hub", WEBSUB_HUB_URL) and itself (rel="self"); subscribers'
feed services subscribe there, and the hub fetches the feed when pinged.
"""

import datetime
import functools
import logging
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterable

from django.conf import settings
from django.db import router, transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from api.models import Change
from events.models import TaggedEntry

from .models import HubPing

log = logging.getLogger(__name__)

# What changes a feed's items: a publish, a correction, a withdrawal (and a deletion).
PINGED_BY: dict[str, tuple[str, ...]] = {
    Change.Kind.ENTRY_PUBLISHED: ("feed-rss", "feed-atom"),
    Change.Kind.ENTRY_CORRECTED: (
        "feed-rss",
        "feed-atom",
        "corrections-feed-rss",
        "corrections-feed-atom",
    ),
    Change.Kind.ENTRY_UNPUBLISHED: ("feed-rss", "feed-atom"),
    Change.Kind.ENTRY_DELETED: ("feed-rss", "feed-atom"),
}


class HubUnavailable(Exception):
    """The hub did not take the ping (unreachable, or not a 2xx): the task tries again."""


def topic_url(name: str, **kwargs) -> str:
    """The absolute URL of the feed named `name` (reading's URL names): the feed's rel="self"
    when SITE_URL is the address readers use, and the topic the hub knows it by."""
    return settings.SITE_URL.rstrip("/") + reverse(f"events:{name}", kwargs=kwargs or None)


def record_pings(changes: Iterable[Change]) -> list[HubPing]:
    """A ping per feed these changes touch, in the caller's transaction; sent after commit.

    Pings for a scheduled entry are due at its publish time (the sweep sends them).
    """
    hub = settings.WEBSUB_HUB_URL
    changes = [change for change in changes if change.kind in PINGED_BY]
    if not hub or not changes:
        return []
    due: dict[str, datetime.datetime] = {}

    def owe(topic: str, at: datetime.datetime) -> None:
        due[topic] = min(due.get(topic, at), at)

    for change in changes:
        for name in PINGED_BY[change.kind]:
            owe(topic_url(name), change.effective_at)
    # The tag feeds of the entries' tags (a deleted entry's links are gone with it).
    when = {change.entry_id: change.effective_at for change in changes if change.entry_id}
    for entry_id, slug in (
        TaggedEntry.objects.using(router.db_for_write(TaggedEntry))
        .filter(content_object_id__in=list(when))
        .order_by()
        .values_list("content_object_id", "tag__slug")
    ):
        for name in ("tag-feed-rss", "tag-feed-atom"):
            owe(topic_url(name, slug=slug), when[entry_id])
    now = timezone.now()
    rows = HubPing.objects.bulk_create(
        HubPing(topic=topic, hub=hub, next_attempt_at=at, enqueued_at=now if at <= now else None)
        for topic, at in due.items()
    )
    from .queue import send
    from .tasks import ping_hub

    for row in rows:
        if row.next_attempt_at <= now:
            transaction.on_commit(functools.partial(send, ping_hub, row.pk))
    return rows


def ping(ping_id: int) -> None:
    """Send ping `ping_id` unless done; success settles every earlier pending ping of its feed."""
    row = HubPing.objects.filter(pk=ping_id, done_at=None).first()
    if row is None:
        return
    started = timezone.now()
    data = urllib.parse.urlencode({"hub.mode": "publish", "hub.url": row.topic}).encode()
    request = urllib.request.Request(
        row.hub,
        data=data,
        method="POST",
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    HubPing.objects.filter(pk=row.pk).update(attempts=row.attempts + 1)
    try:
        with urllib.request.urlopen(request, timeout=settings.PUSH_TIMEOUT_SECONDS) as response:
            response.read(1024)
    except (urllib.error.URLError, OSError, ValueError) as error:
        reason = str(getattr(error, "reason", error))[:300]
        HubPing.objects.filter(pk=row.pk).update(last_error=reason)
        log.warning("push: WebSub hub %s refused the ping for %s: %s", row.hub, row.topic, reason)
        raise HubUnavailable(reason) from error
    HubPing.objects.filter(topic=row.topic, hub=row.hub, done_at=None, created__lte=started).update(
        done_at=timezone.now(), last_error=""
    )


def due_pings(now: datetime.datetime, *, requeue_after: float) -> list[int]:
    """Pending pings that are due and whose message is missing (never sent, or lost)."""
    lost_before = now - datetime.timedelta(seconds=requeue_after)
    rows = HubPing.objects.filter(done_at=None, next_attempt_at__lte=now).filter(
        Q(enqueued_at=None) | Q(enqueued_at__lte=lost_before)
    )
    ids = list(rows.values_list("pk", flat=True)[:1000])
    HubPing.objects.filter(pk__in=ids).update(enqueued_at=now)
    return ids
