"""The change log behind /api/v1/changes/: one row per change a mirror must apply."""

from django.db import models


class Change(models.Model):
    """Something a mirror of the API must apply, at the time it becomes true for readers.

    Rows name their subject by id, not by foreign key: a tombstone must outlive what it buries.
    The feed serves rows in (effective_at, id) order, and only those whose effective time is
    at least API_CHANGES_SETTLE_SECONDS old, so a row committed late by a slow transaction
    never lands behind a cursor a client already holds. A scheduled entry gets a row effective
    at its publish time: the clock makes it live without any signal, and the feed follows the
    same clock.

    New kinds are added here as the features that cause them land; a client skips kinds it does
    not know. `entry.corrected` carries the correction's kind and note; `tag.merged` is on the
    target tag and names the merged tags (push/ records it when the desk merges tags).
    `story.opened` (a story created, or reopened from concluded) and `story.closed` (concluded)
    feed webhooks; the public feed leaves them out, since the story may have no live entry yet.
    """

    class Kind(models.TextChoices):
        ENTRY_PUBLISHED = "entry.published", "entry published"
        ENTRY_UPDATED = "entry.updated", "entry updated"
        ENTRY_CORRECTED = "entry.corrected", "entry corrected"
        ENTRY_UNPUBLISHED = "entry.unpublished", "entry unpublished"
        ENTRY_DELETED = "entry.deleted", "entry deleted"
        TAG_RENAMED = "tag.renamed", "tag renamed"
        TAG_MERGED = "tag.merged", "tag merged"
        TAG_DELETED = "tag.deleted", "tag deleted"
        STORY_UPDATED = "story.updated", "story updated"
        STORY_DELETED = "story.deleted", "story deleted"
        STORY_OPENED = "story.opened", "story opened"
        STORY_CLOSED = "story.closed", "story closed"

    kind = models.CharField(max_length=32, choices=Kind.choices)
    entry_id = models.BigIntegerField(null=True, blank=True)
    tag_id = models.BigIntegerField(null=True, blank=True)
    story_id = models.BigIntegerField(null=True, blank=True)
    data = models.JSONField(
        default=dict, blank=True, help_text="Kind-specific facts, e.g. a tag's old and new name."
    )
    effective_at = models.DateTimeField(
        help_text="When the change becomes true for readers: the time it was recorded, or the "
        "publish time of a scheduled entry."
    )
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["effective_at", "id"]
        indexes = [models.Index(fields=["effective_at", "id"], name="change_cursor_idx")]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(entry_id__isnull=False)
                | models.Q(tag_id__isnull=False)
                | models.Q(story_id__isnull=False),
                name="change_has_subject",
            )
        ]

    def __str__(self):
        if self.entry_id:
            subject = f"entry {self.entry_id}"
        elif self.tag_id:
            subject = f"tag {self.tag_id}"
        else:
            subject = f"story {self.story_id}"
        return f"{self.kind} {subject} at {self.effective_at:%Y-%m-%d %H:%M:%S}"
