"""Keep `Entry.search_tags` current when tags are added, removed, cleared, renamed or deleted."""

from django.db.models.signals import m2m_changed, post_delete, post_save, pre_delete
from django.dispatch import receiver
from taggit.models import Tag

from .models import Entry, TaggedEntry
from .search import refresh_search_tags


@receiver(m2m_changed, sender=TaggedEntry)
def entry_tags_changed(sender, instance, action, reverse, pk_set, **kwargs):
    if action not in ("post_add", "post_remove", "post_clear"):
        return
    if isinstance(instance, Entry):
        refresh_search_tags([instance.pk])
    elif pk_set:
        refresh_search_tags(pk_set)


@receiver(post_save, sender=Tag)
def tag_renamed(sender, instance, created, **kwargs):
    if not created:
        refresh_search_tags(
            TaggedEntry.objects.filter(tag=instance).values_list("content_object_id", flat=True)
        )


@receiver(pre_delete, sender=Tag)
def tag_deleting(sender, instance, **kwargs):
    # Deleting a tag removes its links by cascade, without m2m_changed: note whose tags change.
    instance._tagged_entry_ids = list(
        TaggedEntry.objects.filter(tag=instance).values_list("content_object_id", flat=True)
    )


@receiver(post_delete, sender=Tag)
def tag_deleted(sender, instance, **kwargs):
    refresh_search_tags(getattr(instance, "_tagged_entry_ids", []))
