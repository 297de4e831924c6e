"""Corrections, clarifications and updates to live entries: the one service every caller uses.

The admin's "Add a correction" page, `manage.py correct_entry` and the tests all go through
`add_correction`, so the rules (editors only, live entries only, never an empty note) and what
is kept (the published text before and after, a revision, an audit event) live here once.
"""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from events.limits import HEADLINE_MAX_LENGTH
from events.models import Correction, Entry

from . import workflow
from .models import AuditEvent

CORRECT_PERMISSION = "events.correct_entry"


class CorrectionError(ValueError):
    """A correction refused, with the reason an editor reads; nothing was changed."""


def can_correct(user) -> bool:
    """Editors append corrections (`events.correct_entry`); reporters and readers do not."""
    return bool(user and user.has_perm(CORRECT_PERMISSION))


def check_note(*, kind: str, note: str, user) -> str:
    """The note as readers will read it (trimmed), or CorrectionError saying why not.

    Refused: an empty note, an unknown kind, a user who is no editor.
    """
    note = (note or "").strip()
    if not note:
        raise CorrectionError(
            "Write the note readers will see: a correction with an empty note is not added."
        )
    if kind not in Correction.Kind.values:
        raise CorrectionError(f"Unknown kind {kind!r}: choose correction, clarification or update.")
    if not can_correct(user):
        raise CorrectionError("Only editors add corrections and updates.")
    return note


def keep_note(entry: Entry, *, kind: str, note: str, user, before: tuple[str, str]) -> Correction:
    """Record a checked note on `entry`, whose text was `before` (headline, body) until now.

    The note keeps the published text just before and just after, for the public "what
    changed" page; the entry's modified time becomes the note's time, so feeds, JSON-LD and the
    sitemap say the entry changed. Call inside the transaction that changed the text.
    """
    now = timezone.now()
    correction = Correction.objects.create(
        entry=entry,
        kind=kind,
        note=note,
        created=now,
        author=user if getattr(user, "is_authenticated", False) else None,
        headline_before=before[0],
        body_before=before[1],
        headline_after=entry.headline,
        body_after=entry.body,
    )
    # A plain UPDATE: the modified time moves without a new version of the entry's fields.
    Entry.objects.filter(pk=entry.pk).update(updated=now)
    entry.updated = now
    return correction


@transaction.atomic
def add_correction(
    entry: Entry,
    *,
    kind: str,
    note: str,
    user,
    headline: str | None = None,
    body: str | None = None,
) -> Correction:
    """Append a dated note to a live entry, with the text change it explains (if any).

    `headline` and `body`, when given and different, become the entry's text as a new version
    (a revision and an audit event, as every desk save); the note is kept by `keep_note`.
    Raises CorrectionError, changing nothing, when the note is empty, the kind unknown, the
    user no editor or the entry not live.
    """
    note = check_note(kind=kind, note=note, user=user)
    entry = workflow.lock(entry)
    if not entry.is_live:
        raise CorrectionError(
            "Only a live entry is corrected in public; edit a draft or scheduled entry directly."
        )
    new_headline = entry.headline if headline is None else " ".join(headline.split())
    new_body = entry.body if body is None else body
    if not new_headline:
        raise CorrectionError("The headline cannot be empty.")
    if len(new_headline) > HEADLINE_MAX_LENGTH:
        raise CorrectionError(f"The headline is longer than {HEADLINE_MAX_LENGTH} characters.")
    before = (entry.headline, entry.body)
    kind_label = Correction.Kind(kind).label
    detail = f"{kind_label}: {note}"
    changed = (new_headline, new_body) != before
    if changed:
        entry.headline, entry.body = new_headline, new_body
        workflow.save_entry(entry, user=user, action=AuditEvent.Action.CORRECT, detail=detail)
    correction = keep_note(entry, kind=kind, note=note, user=user, before=before)
    if not changed:  # save_entry recorded the event when the text changed
        workflow.record(AuditEvent.Action.CORRECT, user=user, entry=entry, detail=detail)
    return correction
