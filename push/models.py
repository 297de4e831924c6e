"""What leaves the building: webhook endpoints, their deliveries, and WebSub hub pings.

A delivery or a ping is written in the same transaction as the change it carries (the outbox),
so it exists exactly when the change committed; the queue only carries out what these rows say.
"""

import base64
import secrets
import uuid

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone

from api.models import Change

SECRET_PREFIX = "whsec_"

# The events a webhook endpoint may subscribe to: kinds of the change log.
EVENTS = [
    Change.Kind.ENTRY_PUBLISHED,
    Change.Kind.ENTRY_UPDATED,
    Change.Kind.ENTRY_CORRECTED,
    Change.Kind.ENTRY_UNPUBLISHED,
    Change.Kind.ENTRY_DELETED,
    Change.Kind.TAG_RENAMED,
    Change.Kind.TAG_MERGED,
    Change.Kind.STORY_OPENED,
    Change.Kind.STORY_CLOSED,
]
EVENT_NAMES = [str(kind.value) for kind in EVENTS]


def new_secret() -> str:
    """A fresh Standard Webhooks secret: `whsec_` and 32 random bytes in base64."""
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(32)).decode()


def secret_bytes(secret: str) -> bytes:
    """The key a `whsec_` secret stands for (ValueError when it is not one)."""
    if not secret.startswith(SECRET_PREFIX):
        raise ValueError(f"A webhook secret starts with {SECRET_PREFIX}")
    raw = base64.b64decode(secret[len(SECRET_PREFIX) :], validate=True)
    if len(raw) < 24:
        raise ValueError("A webhook secret holds at least 24 bytes")
    return raw


def new_message_id() -> str:
    return f"msg_{uuid.uuid4().hex}"


def validate_secret(secret: str) -> None:
    try:
        secret_bytes(secret)
    except (ValueError, TypeError) as error:
        raise ValidationError(
            f"Use a Standard Webhooks secret: {SECRET_PREFIX} and at least 24 bytes in base64 "
            f"(leave it as generated, or generate one with `manage.py add_webhook`). ({error})"
        ) from None


def validate_events(events: list) -> None:
    unknown = sorted(set(events) - set(EVENT_NAMES))
    if not isinstance(events, list) or unknown:
        raise ValidationError(f"Unknown events {unknown}; choose from {', '.join(EVENT_NAMES)}.")


class Endpoint(models.Model):
    """A subscriber's URL that receives signed webhooks for the events it chose."""

    url = models.URLField(max_length=500, help_text="Where each event is POSTed (https in prod).")
    secret = models.CharField(
        max_length=200,
        default=new_secret,
        validators=[validate_secret],
        help_text="The signing secret the subscriber verifies with (Standard Webhooks, whsec_…).",
    )
    events = models.JSONField(
        default=list,
        blank=True,
        validators=[validate_events],
        help_text=f"Events to send; empty for all: {', '.join(EVENT_NAMES)}.",
    )
    description = models.CharField(max_length=200, blank=True)
    created = models.DateTimeField(default=timezone.now)
    failures_in_a_row = models.PositiveIntegerField(default=0, editable=False)
    paused_at = models.DateTimeField(
        null=True,
        blank=True,
        editable=False,
        help_text="Set when deliveries kept failing; deliveries wait until it is resumed.",
    )
    paused_reason = models.CharField(max_length=300, blank=True, editable=False)

    class Meta:
        ordering = ["url", "id"]
        permissions = [("manage_webhooks", "Can manage webhook endpoints and their deliveries")]

    def __str__(self):
        return self.url

    def wants(self, event: str) -> bool:
        return not self.events or event in self.events


class DeliveryQuerySet(models.QuerySet["Delivery"]):
    def due(self, now=None):
        """Pending deliveries whose time has come, to endpoints that are not paused."""
        now = now or timezone.now()
        return self.filter(
            status=Delivery.Status.PENDING, next_attempt_at__lte=now, endpoint__paused_at=None
        )


class Delivery(models.Model):
    """One event for one endpoint: the outbox row, then the delivery log.

    `message_id` is the `webhook-id` every attempt carries, so a subscriber that receives the
    same event twice (at-least-once) can tell. `body` is fixed when the change is recorded, so
    each retry sends the same bytes.
    """

    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        DELIVERED = "delivered", "Delivered"
        FAILED = "failed", "Gave up"

    endpoint = models.ForeignKey(Endpoint, on_delete=models.CASCADE, related_name="deliveries")
    # The change log deletes only rows still in the future (a scheduled entry rescheduled or
    # withdrawn): their deliveries, not yet due, go with them.
    change = models.ForeignKey(
        Change, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    event = models.CharField(max_length=32)
    message_id = models.CharField(max_length=64, unique=True, default=new_message_id)
    body = models.TextField()
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveIntegerField(default=0)
    created = models.DateTimeField(default=timezone.now)
    next_attempt_at = models.DateTimeField(
        null=True, blank=True, help_text="When it is tried next (pending only)."
    )
    enqueued_at = models.DateTimeField(
        null=True, blank=True, help_text="When its latest message was due on the queue."
    )
    last_attempt_at = models.DateTimeField(null=True, blank=True)
    response_code = models.PositiveIntegerField(null=True, blank=True)
    last_error = models.CharField(max_length=300, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)

    objects = DeliveryQuerySet.as_manager()

    class Meta:
        ordering = ["-created", "-id"]
        verbose_name_plural = "deliveries"
        indexes = [
            models.Index(fields=["status", "next_attempt_at"], name="delivery_due_idx"),
        ]

    def __str__(self):
        return f"{self.event} → {self.endpoint_id} ({self.get_status_display()})"


class HubPing(models.Model):
    """A WebSub publish ping owed to the hub for one feed (topic), recorded with the change.

    One ping answers for every row of its topic recorded before it was sent, so a burst of
    publishing costs the hub one request per feed.
    """

    topic = models.URLField(max_length=500)
    hub = models.URLField(max_length=500)
    created = models.DateTimeField(default=timezone.now)
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField(default=timezone.now)
    enqueued_at = models.DateTimeField(null=True, blank=True)
    done_at = models.DateTimeField(null=True, blank=True)
    last_error = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["-created", "-id"]
        verbose_name = "WebSub hub ping"
        indexes = [models.Index(fields=["done_at", "next_attempt_at"], name="hubping_due_idx")]

    def __str__(self):
        return f"ping {self.hub} for {self.topic}"


def retry_delay(attempts: int) -> float:
    """Seconds before attempt `attempts + 1`, after `attempts` failures: doubling, capped."""
    first = settings.PUSH_RETRY_FIRST_SECONDS
    return float(min(first * 2 ** max(attempts - 1, 0), settings.PUSH_RETRY_MAX_SECONDS))


# ActivityPub (push/activitypub/): the site's key, who follows which actor, what is owed to
# their inboxes, and the inbox's memory of what it has already taken.


class SiteKey(models.Model):
    """The RSA key pair every actor of this site signs with (one row, made on first use)."""

    private_pem = models.TextField()
    public_pem = models.TextField()
    created = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = "ActivityPub site key"

    def __str__(self):
        return f"ActivityPub key of {self.created:%Y-%m-%d}"


class Follower(models.Model):
    """A remote actor following the newsroom (`tag` and `story` empty), one tag's actor or one
    story's actor."""

    tag = models.ForeignKey(
        "taggit.Tag",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
        help_text="The tag followed; empty for the newsroom itself.",
    )
    story = models.ForeignKey(
        "stories.Story",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
        help_text="The story followed; empty for the newsroom itself.",
    )
    actor = models.URLField(max_length=500, help_text="The follower's actor id.")
    inbox = models.URLField(max_length=500)
    shared_inbox = models.URLField(
        max_length=500, blank=True, help_text="Its server's shared inbox: one delivery per server."
    )
    follow_id = models.URLField(max_length=500, blank=True, help_text="The Follow activity's id.")
    created = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["tag", "actor"], name="follower_once_per_tag", condition=~Q(tag=None)
            ),
            models.UniqueConstraint(
                fields=["story", "actor"],
                name="follower_once_per_story",
                condition=~Q(story=None),
            ),
            models.UniqueConstraint(
                fields=["actor"],
                name="follower_once_of_newsroom",
                condition=Q(tag=None, story=None),
            ),
            models.CheckConstraint(
                condition=Q(tag=None) | Q(story=None), name="follower_of_one_actor"
            ),
        ]

    def __str__(self):
        return f"{self.actor} follows {self.tag or self.story or 'the newsroom'}"

    @property
    def delivery_inbox(self) -> str:
        return self.shared_inbox or self.inbox


class FederationDelivery(models.Model):
    """One signed activity owed to one inbox: the outbox row, then the delivery log.

    `body` is fixed when the change is recorded, so each retry sends the same activity.
    """

    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        DELIVERED = "delivered", "Delivered"
        FAILED = "failed", "Gave up"

    change = models.ForeignKey(
        Change, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    inbox = models.URLField(max_length=500)
    key_id = models.URLField(max_length=500, help_text="The signing actor's key id.")
    activity_id = models.URLField(max_length=500)
    activity_type = models.CharField(max_length=20)
    body = models.TextField()
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveIntegerField(default=0)
    created = models.DateTimeField(default=timezone.now)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    enqueued_at = models.DateTimeField(null=True, blank=True)
    last_attempt_at = models.DateTimeField(null=True, blank=True)
    response_code = models.PositiveIntegerField(null=True, blank=True)
    last_error = models.CharField(max_length=300, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created", "-id"]
        verbose_name = "ActivityPub delivery"
        verbose_name_plural = "ActivityPub deliveries"
        constraints = [
            models.UniqueConstraint(
                fields=["activity_id", "inbox"], name="federation_activity_once_per_inbox"
            )
        ]
        indexes = [
            models.Index(fields=["status", "next_attempt_at"], name="federation_due_idx"),
        ]

    def __str__(self):
        return f"{self.activity_type} → {self.inbox} ({self.get_status_display()})"


class InboxSeen(models.Model):
    """An activity id or body digest the inbox took: the same again is a replay."""

    key = models.CharField(max_length=600, unique=True)
    seen_at = models.DateTimeField(default=timezone.now, db_index=True)

    def __str__(self):
        return self.key
