"""Keep `Entry.search_tags` current when tags are added, removed, cleared or renamed."""

from django.db.models.signals import m2m_changed, post_delete, post_save
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


@receiver(post_delete, sender=TaggedEntry)
def tag_link_deleted(sender, instance, **kwargs):
    # A tag deleted in the admin removes its links by cascade, without m2m_changed.
    if Entry.objects.filter(pk=instance.content_object_id).exists():
        refresh_search_tags([instance.content_object_id])
