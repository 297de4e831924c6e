"""Reader comments and the moderation record kept on each of them."""

import re

from django.conf import settings
from django.db import models
from django.utils import timezone

from events.models import Entry
from newsroom.clients import parse_address

BODY_MAX_LENGTH = 3000


# Providers whose every address below is one mailbox under the first name: Gmail ignores the
# dots of the local part and delivers googlemail.com to the same account.
GMAIL_DOMAINS = {"gmail.com", "googlemail.com"}


def _unquote(local: str) -> str:
    """A quoted local part (`"ada"`, `"a\\da"`) as the plain one it names."""
    if len(local) >= 2 and local.startswith('"') and local.endswith('"'):
        return re.sub(r"\\(.)", r"\1", local[1:-1])
    return local


def _domain(domain: str) -> str:
    """The domain in its one ASCII spelling: lower case, IDNA (`ｇｍａｉｌ.com` is gmail.com), no
    trailing dot."""
    domain = domain.strip().rstrip(".")
    try:
        return domain.encode("idna").decode("ascii").lower()
    except UnicodeError:
        return domain.lower()


def normalize_email(email: str) -> str:
    """How an email is compared for blocks and rate limits: one mailbox, one string.

    Trimmed and lower-cased, a quoted local part unquoted (`"ada"@example.org`), the domain in
    ASCII without a trailing dot, and plus-addressing dropped (`Ada+news@Example.org` is
    `ada@example.org`): most providers deliver every `+tag` variant to the same mailbox. For
    Gmail the dots of the local part go too, and googlemail.com is gmail.com
    (`B.Locked@GoogleMail.com` is `blocked@gmail.com`). A tag, a dot or a spelling must not
    escape a block or reset the per-email rate limit.
    """
    local, at, domain = email.strip().rpartition("@")
    if not at:
        return domain.lower()  # not an address; compared as typed (lower-cased)
    local = _unquote(local.strip()).lower()
    domain = _domain(domain)
    local = local.split("+", 1)[0] or local  # nothing before the tag: kept as typed
    if domain in GMAIL_DOMAINS:
        local = local.replace(".", "") or local
        domain = "gmail.com"
    return f"{local}@{domain}"


class CommentQuerySet(models.QuerySet):
    def approved(self):
        """Comments readers may see: approved by a moderator (or posted by signed-in staff)."""
        return self.filter(status=Comment.Status.APPROVED)

    def pending(self):
        """Comments waiting for a moderator's decision."""
        return self.filter(status=Comment.Status.PENDING)


class Comment(models.Model):
    """A reader's comment on an entry; nothing is public until its status is approved."""

    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        APPROVED = "approved", "Approved"
        REJECTED = "rejected", "Rejected"
        SPAM = "spam", "Spam"

    entry = models.ForeignKey(Entry, on_delete=models.CASCADE, related_name="comments")
    name = models.CharField(max_length=80)
    email = models.EmailField(help_text="Never shown publicly.")
    body = models.TextField(max_length=BODY_MAX_LENGTH)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="comments",
        help_text="Set when a signed-in user posted it.",
    )
    ip_address = models.GenericIPAddressField("IP address", null=True, blank=True)
    created = models.DateTimeField(default=timezone.now)
    moderated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    moderated_at = models.DateTimeField(null=True, blank=True)

    objects = CommentQuerySet.as_manager()

    class Meta:
        ordering = ["created", "id"]
        indexes = [
            models.Index(fields=["entry", "status", "created"], name="comment_entry_status_idx"),
            models.Index(fields=["status", "created"], name="comment_queue_idx"),
        ]

    def __str__(self):
        return f"{self.name} on {self.entry_id}: {self.body[:40]}"


class Block(models.Model):
    """An email address or IP address that may no longer post comments.

    Emails are stored as normalize_email gives them (lower-cased, no `+tag`, Gmail without dots),
    so a block holds whatever spelling of the mailbox the sender types next time; addresses as
    the client address is read.
    """

    class Kind(models.TextChoices):
        EMAIL = "email", "Email address"
        IP = "ip", "IP address"

    kind = models.CharField(max_length=5, choices=Kind.choices)
    value = models.CharField(max_length=254, help_text="The email address or IP address.")
    reason = models.CharField(max_length=200, blank=True)
    created = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        ordering = ["-created", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["kind", "value"], name="comment_block_unique"),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} {self.value}"

    def save(self, *args, **kwargs):
        self.normalize()
        super().save(*args, **kwargs)

    def clean(self):
        # Before the unique check, so a block that normalises onto an existing one is a form
        # error ("already exists"), not a database error.
        self.normalize()

    def normalize(self) -> None:
        """Store the value the way senders are compared: emails through normalize_email."""
        self.value = self.value.strip()
        if self.kind == self.Kind.EMAIL:
            self.value = normalize_email(self.value)
        elif self.kind == self.Kind.IP:
            # Spelled as the client address is read (`2001:DB8::1` is 2001:db8::1).
            self.value = parse_address(self.value) or self.value
