"""The tasks: each idempotent (it reads its row and does only what is still owed) and safe to
run twice, since the queue delivers at least once."""

import logging

from celery import shared_task
from django.conf import settings
from django.utils import timezone

from . import webhooks, websub
from .activitypub import delivery as federation
from .activitypub import inbox as federation_inbox
from .queue import send

log = logging.getLogger(__name__)


@shared_task(acks_late=True, reject_on_worker_lost=True)
def deliver_webhook(delivery_id: int) -> None:
    """Try one webhook delivery; after a failure, come back after its backoff.

    A wait short enough rides on the queue as a countdown; a longer one is left to the sweep,
    which finds the delivery due in the database.
    """
    delay = webhooks.attempt(delivery_id)
    if delay is not None and delay <= webhooks.COUNTDOWN_MAX_SECONDS:
        send(deliver_webhook, delivery_id, countdown=delay)


@shared_task(acks_late=True, reject_on_worker_lost=True)
def deliver_activity(delivery_id: int) -> None:
    """Try one ActivityPub delivery (signed POST to an inbox); after a failure, come back after
    its backoff (a countdown when short, the sweep when long), as webhooks do."""
    delay = federation.attempt(delivery_id)
    if delay is not None and delay <= federation.COUNTDOWN_MAX_SECONDS:
        send(deliver_activity, delivery_id, countdown=delay)


@shared_task(
    acks_late=True,
    reject_on_worker_lost=True,
    autoretry_for=(websub.HubUnavailable,),
    retry_backoff=2,
    retry_backoff_max=600,
    retry_jitter=True,
    max_retries=12,
)
def ping_hub(ping_id: int) -> None:
    """Tell the WebSub hub one feed changed; a hub that fails is asked again with backoff."""
    websub.ping(ping_id)


@shared_task(acks_late=True, reject_on_worker_lost=True)
def sweep() -> int:
    """Enqueue every delivery and ping that is due but has no message on the queue.

    Runs every PUSH_SWEEP_SECONDS under `make worker` (celery beat) and as `manage.py
    push_sweep`: it catches rows whose enqueue was lost (the broker was down at commit, or
    restarted with the message), retries too far off for a countdown, scheduled entries whose
    time came, and the deliveries of a resumed endpoint; ActivityPub deliveries likewise. It
    also forgets inbox activity ids too old to be replayed. Returns how many it enqueued.
    """
    now = timezone.now()
    count = 0
    requeue_after = settings.PUSH_REQUEUE_AFTER_SECONDS
    due = list(
        webhooks.due_deliveries(now, requeue_after=requeue_after).values_list("pk", flat=True)[
            :5000
        ]
    )
    if due:
        webhooks.Delivery.objects.filter(pk__in=due).update(enqueued_at=now)
        for pk in due:
            count += send(deliver_webhook, pk)
    for pk in websub.due_pings(now, requeue_after=requeue_after):
        count += send(ping_hub, pk)
    owed = list(
        federation.due_deliveries(now, requeue_after=requeue_after).values_list("pk", flat=True)[
            :5000
        ]
    )
    if owed:
        federation.FederationDelivery.objects.filter(pk__in=owed).update(enqueued_at=now)
        for pk in owed:
            count += send(deliver_activity, pk)
    federation_inbox.forget_before(now)
    if count:
        log.info("push: sweep enqueued %d", count)
    return count
