"""Multi-step writes on entries, shared by the admin, management commands and tests."""

from collections.abc import Iterable
from datetime import datetime

from django.db import transaction
from django.utils import timezone

from .models import Entry


@transaction.atomic
def publish(entries: Iterable[Entry], *, at: datetime | None = None) -> int:
    """Publish entries now, or schedule them for `at`; returns how many changed.

    An entry already live keeps its original publish time, so re-publishing never reorders feeds.
    """
    when = at or timezone.now()
    changed = 0
    for entry in entries:
        if entry.status == Entry.Status.PUBLISHED and entry.publish_at and at is None:
            continue
        entry.status = Entry.Status.PUBLISHED
        entry.publish_at = when
        entry.save(update_fields=["status", "publish_at", "updated"])
        changed += 1
    return changed


@transaction.atomic
def unpublish(entries: Iterable[Entry]) -> int:
    """Move entries back to draft; their publish time is kept for the record."""
    changed = 0
    for entry in entries:
        if entry.status != Entry.Status.DRAFT:
            entry.status = Entry.Status.DRAFT
            entry.save(update_fields=["status", "updated"])
            changed += 1
    return changed
