"""What the desk keeps beside the entry: pending changes and the audit trail."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from taggit.models import Tag

from events.models import Entry


class PendingChange(models.Model):
    """A reporter's edit to a live entry, held until an editor approves it.

    Readers keep seeing the entry as it is: the change lives here, as a snapshot
    (`desk.snapshots.EntrySnapshot.to_json()`), until `desk.workflow.approve` applies it.
    """

    entry = models.OneToOneField(Entry, on_delete=models.CASCADE, related_name="pending_change")
    snapshot = models.JSONField()
    base_version = models.PositiveIntegerField(
        help_text="The entry's version the change was made from."
    )
    proposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    proposed_at = models.DateTimeField(default=timezone.now)
    review_note = models.TextField(blank=True, help_text="Why an editor returned the change.")

    class Meta:
        verbose_name = "pending change"

    def __str__(self):
        return f"Pending change to {self.entry}"


class AuditEvent(models.Model):
    """One thing someone did to an entry: who, when, what. Kept when the entry is deleted."""

    class Action(models.TextChoices):
        CREATE = "create", "Created"
        EDIT = "edit", "Edited"
        MERGE = "merge", "Edited (merged with a concurrent save)"
        SUBMIT = "submit", "Submitted for review"
        HOLD = "hold", "Change held for review"
        APPROVE = "approve", "Approved"
        RETURN = "return", "Returned to the reporter"
        PUBLISH = "publish", "Published"
        SCHEDULE = "schedule", "Scheduled"
        UNPUBLISH = "unpublish", "Unpublished"
        RESTORE = "restore", "Restored a revision"
        DELETE = "delete", "Deleted"
        BULK = "bulk", "Bulk action"
        FOUND = "found", "As found on the desk (saved elsewhere)"
        CORRECT = "correct", "Correction or update added"
        TAG_RENAME = "tag_rename", "Renamed a tag"
        TAG_MERGE = "tag_merge", "Merged tags"
        TAG_UNMERGE = "tag_unmerge", "Undid a tag merge"
        TAG_ALIAS = "tag_alias", "Changed a tag's aliases"
        TAG_DELETE = "tag_delete", "Deleted unused tags"

    entry = models.ForeignKey(
        Entry, null=True, blank=True, on_delete=models.SET_NULL, related_name="audit_events"
    )
    entry_label = models.CharField(
        "entry", max_length=300, help_text="The entry's date and headline at the time."
    )
    action = models.CharField(max_length=12, choices=Action.choices)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created = models.DateTimeField(default=timezone.now, db_index=True)
    detail = models.TextField(blank=True)

    class Meta:
        ordering = ["-created", "-id"]
        verbose_name = "audit event"
        indexes = [models.Index(fields=["entry", "-created"], name="audit_entry_created_idx")]

    def __str__(self):
        return f"{self.get_action_display()}: {self.entry_label}"


class EntryRevision(models.Model):
    """What one revision (django-reversion) holds of an entry, in the form editors compare.

    reversion keeps the rows (the entry, its tag links and citations); this keeps the entry's
    version number, what kind of save it was and a snapshot by tag name and source URL, which
    still means the same after a tag is renamed or merged or a source edited.
    """

    revision = models.OneToOneField(
        "reversion.Revision", on_delete=models.CASCADE, related_name="entry_revision"
    )
    entry = models.ForeignKey(
        Entry, null=True, on_delete=models.SET_NULL, related_name="revisions", db_index=True
    )
    entry_version = models.PositiveIntegerField()
    action = models.CharField(max_length=12, choices=AuditEvent.Action.choices)
    snapshot = models.JSONField()

    class Meta:
        ordering = ["-revision__date_created", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["entry", "entry_version"], name="entry_revision_version_unique"
            )
        ]

    def __str__(self):
        return f"{self.entry_id} v{self.entry_version}"


class TagMerge(models.Model):
    """What one merge of tags did, kept so that it can be undone exactly.

    `former` lists each merged tag as it was: {"name", "slug", "entries": [entry ids that carried
    it], "aliases": [its alias names]}; `target_had` the entries that carried the target before.
    The undo gives each former tag back to exactly its entries and takes the target away from
    those that got it only by the merge.
    """

    target = models.ForeignKey(Tag, null=True, on_delete=models.SET_NULL, related_name="+")
    target_name = models.CharField(max_length=100)
    former = models.JSONField()
    target_had = models.JSONField(default=list)
    audit_event = models.OneToOneField(
        AuditEvent, null=True, on_delete=models.SET_NULL, related_name="tag_merge"
    )
    merged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    merged_at = models.DateTimeField(default=timezone.now)
    undone_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-merged_at", "-id"]
        verbose_name = "tag merge"

    def __str__(self):
        names = ", ".join(f"“{item['name']}”" for item in self.former)
        return f"{names} into “{self.target_name}”"

    @property
    def former_names(self) -> list[str]:
        return [item["name"] for item in self.former]
