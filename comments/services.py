"""Writes on comments: posting, moderating in bulk, blocking senders, notifying moderators.

The public view, the admin actions and the tests all call these, so each rule is written once.
"""

import datetime
import logging

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import QuerySet
from django.urls import reverse
from django.utils import timezone

from events.models import Entry
from newsroom import ratelimit

from .models import Block, Comment, normalize_email
from .moderators import GROUP_NAME
from .signals import comments_moderated

logger = logging.getLogger(__name__)


def comments_open(entry: Entry, *, now: datetime.datetime | None = None) -> bool:
    """Whether readers may comment on `entry` now.

    Only live entries with comments left open by the editor, and only for
    COMMENTS_CLOSE_AFTER_DAYS days after publication (0 means no time limit).
    """
    if not (entry.is_live and entry.comments_open):
        return False
    days = settings.COMMENTS_CLOSE_AFTER_DAYS
    if days <= 0:
        return True
    now = now or timezone.now()
    assert entry.publish_at is not None  # a live entry always has a publish time
    return now < entry.publish_at + datetime.timedelta(days=days)


def is_blocked(*, email: str, ip_address: str | None) -> bool:
    """Whether this email address or IP address is on the blocklist (one query)."""
    blocks = Block.objects.filter(kind=Block.Kind.EMAIL, value=normalize_email(email))
    if ip_address:
        blocks = blocks | Block.objects.filter(kind=Block.Kind.IP, value=ip_address)
    return blocks.exists()


def over_rate_limit(*, email: str, ip_address: str | None) -> bool:
    """Count one post for this email and this IP; True when either is over the limit.

    At most COMMENTS_RATE_LIMIT posts per COMMENTS_RATE_WINDOW_MINUTES from one sender (email
    as normalize_email compares it) and from one address, counted by the site's one counter in
    the "counters" cache, which fails closed (with Redis down a post answers 503).
    """
    window = settings.COMMENTS_RATE_WINDOW_MINUTES * 60
    limit = settings.COMMENTS_RATE_LIMIT
    senders = [("comments:email", normalize_email(email))]
    if ip_address:
        senders.append(("comments:ip", ip_address))
    waits = [ratelimit.hit(s, key, limit=limit, window_seconds=window) for s, key in senders]
    return any(waits)


class CommentRefused(Exception):
    """A post the service will not store, with the HTTP status and the reader's message."""

    def __init__(self, message: str, *, status: int):
        super().__init__(message)
        self.message = message
        self.status = status


def post_comment(
    *,
    entry: Entry,
    name: str,
    email: str,
    body: str,
    ip_address: str | None,
    user=None,
) -> Comment:
    """Store a reader's comment: pending, or approved at once when signed-in staff post it.

    Raises CommentRefused when comments are closed on `entry` (403), the sender's email or IP
    is blocked (403) or the sender is over the rate limit (429); every post counts against the
    limit, refused or not. A pending comment may trigger an email to the moderators
    (COMMENTS_NOTIFY_MODERATORS), sent once the transaction commits.
    """
    if not comments_open(entry):
        raise CommentRefused("Comments are closed on this entry.", status=403)
    if is_blocked(email=email, ip_address=ip_address):
        raise CommentRefused("Comments from this address are not accepted.", status=403)
    if over_rate_limit(email=email, ip_address=ip_address):
        minutes = settings.COMMENTS_RATE_WINDOW_MINUTES
        raise CommentRefused(
            f"You have posted too many comments; please try again in {minutes} minutes.",
            status=429,
        )
    signed_in = user is not None and user.is_authenticated
    comment = Comment(
        entry=entry,
        name=name,
        email=email,
        body=body,
        ip_address=ip_address,
        user=user if signed_in else None,
    )
    if signed_in and user.is_staff:
        comment.status = Comment.Status.APPROVED
        comment.moderated_by = user
        comment.moderated_at = timezone.now()
    comment.save()
    if comment.status == Comment.Status.PENDING and settings.COMMENTS_NOTIFY_MODERATORS:
        transaction.on_commit(lambda: notify_moderators(comment))
    return comment


@transaction.atomic
def moderate(comments: QuerySet[Comment], *, status: str, moderator) -> int:
    """Set the status of every comment in `comments`, recording who decided and when.

    One UPDATE whatever the number of comments; returns how many were updated.
    """
    if status not in Comment.Status.values:
        raise ValueError(f"Unknown comment status: {status!r}")
    changed = comments.update(status=status, moderated_by=moderator, moderated_at=timezone.now())
    if changed:
        comments_moderated.send(sender=Comment, count=changed)
    return changed


@transaction.atomic
def block_senders(comments: QuerySet[Comment], *, moderator, reason: str = "") -> int:
    """Block the email addresses and IP addresses these comments came from.

    Already-blocked senders are left as they were; returns how many new blocks were created.
    """
    senders = comments.values_list("email", "ip_address")
    wanted = set()
    for email, ip_address in senders:
        wanted.add((Block.Kind.EMAIL.value, normalize_email(email)))
        if ip_address:
            wanted.add((Block.Kind.IP.value, ip_address))
    existing = set(
        Block.objects.filter(value__in=[value for _, value in wanted]).values_list("kind", "value")
    )
    new = [
        Block(kind=kind, value=value, reason=reason, created_by=moderator)
        for kind, value in sorted(wanted - existing)
    ]
    Block.objects.bulk_create(new, ignore_conflicts=True)
    return len(new)


@transaction.atomic
def mark_spam_and_block(comments: QuerySet[Comment], *, moderator) -> tuple[int, int]:
    """Mark comments as spam and block their senders; returns (comments marked, blocks made)."""
    blocked = block_senders(comments, moderator=moderator, reason="Spam")
    marked = moderate(comments, status=Comment.Status.SPAM, moderator=moderator)
    return marked, blocked


def moderator_emails() -> list[str]:
    """Addresses of the active members of the Moderators group who have one."""
    return list(
        get_user_model()
        .objects.filter(is_active=True, groups__name=GROUP_NAME)
        .exclude(email="")
        .values_list("email", flat=True)
        .distinct()
    )


def notify_moderators(comment: Comment) -> int:
    """Email the moderators that `comment` waits in the queue; returns how many were sent."""
    recipients = moderator_emails()
    if not recipients:
        return 0
    path = reverse("admin:comments_comment_change", args=[comment.pk])
    link = f"{settings.SITE_URL.rstrip('/')}{path}"
    body = (
        f"{comment.name} commented on “{comment.entry.headline}”:\n\n"
        f"{comment.body}\n\nModerate it: {link}\n"
    )
    try:
        return send_mail(
            f"[{settings.SITE_NAME}] New comment awaits moderation",
            body,
            None,
            recipients,
        )
    except OSError:
        # A mail outage must never lose the comment or fail the reader's request.
        logger.exception("Could not email moderators about comment %s", comment.pk)
        return 0
