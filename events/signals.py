"""Every signal receiver of the events app, connected from `EventsConfig.ready()`.

Two things follow tag and entry changes: `Entry.search_tags` (the tag names search weighs) and
the related-stories cache version (any change that could reorder a related list bumps it).
"""

from django.db.models.signals import m2m_changed, post_delete, post_save, pre_delete
from django.dispatch import Signal
from taggit.models import Tag

from .models import Entry, TaggedEntry, TagKey
from .related import bump_related_version
from .search import refresh_search_tags
from .tagging import tag_key

# Sent, with `entry_ids` and `created` (new entries, or existing ones changed), by code that
# writes entries or their tag links in bulk (no post_save per row): the JSON Lines import, tag
# merges, inside their transaction. Apps that follow entries (the changes feed, the
# page cache) listen to it as they listen to post_save: events itself knows none of them.
entries_written_in_bulk = Signal()


def entry_tags_changed(sender, instance, action, reverse, pk_set, **kwargs):
    """Refresh search_tags after taggit's add/remove/clear (bulk, so no post_save)."""
    if action not in ("post_add", "post_remove", "post_clear"):
        return
    if isinstance(instance, Entry):
        refresh_search_tags([instance.pk])
    elif pk_set:
        refresh_search_tags(pk_set)


def tag_renamed(sender, instance, created, **kwargs):
    if not created:
        refresh_search_tags(
            TaggedEntry.objects.filter(tag=instance).values_list("content_object_id", flat=True)
        )


def tag_key_kept(sender, instance, created, **kwargs):
    """Keep the tag's stored identity key (events.tagging.tag_key) with its name.

    A new tag whose key another tag has is refused by the unique key (IntegrityError): callers
    look up first (events.tagging.tags_for). A second spelling older than the keys keeps
    none until it is renamed or merged (housekeeping lists it as a duplicate).
    """
    key = tag_key(instance.name)
    if created or (
        not TagKey.objects.filter(tag_id=instance.pk).update(key=key)
        and not TagKey.objects.filter(key=key).exists()
    ):
        TagKey.objects.create(tag_id=instance.pk, key=key)


def tag_deleting(sender, instance, **kwargs):
    # Deleting a tag removes its links by cascade, without m2m_changed: note whose tags change.
    instance._tagged_entry_ids = list(
        TaggedEntry.objects.filter(tag=instance).values_list("content_object_id", flat=True)
    )


def tag_deleted(sender, instance, **kwargs):
    refresh_search_tags(getattr(instance, "_tagged_entry_ids", []))


def entries_written(sender, entry_ids, **kwargs) -> None:
    """Bulk writes (imports, tag merges) send no m2m_changed: refresh their entries' tag names."""
    refresh_search_tags(entry_ids)


def entry_or_tag_changed(sender, **kwargs) -> None:
    # Any save: status, dates, headline and slug all show in (or gate) the related widget, and
    # a new entry changes N. Saves are rare next to page views, so precision here buys nothing.
    bump_related_version()


def entry_tag_links_changed(sender, action: str, **kwargs) -> None:
    # taggit's add/remove/clear/set use bulk operations and send m2m_changed, not post_save.
    if action.startswith("post_"):
        bump_related_version()


def connect() -> None:
    """Connect every receiver once (dispatch_uid makes a second call harmless)."""
    m2m_changed.connect(entry_tags_changed, sender=TaggedEntry, dispatch_uid="search_tags_m2m")
    post_save.connect(tag_key_kept, sender=Tag, dispatch_uid="tag_key_kept")
    post_save.connect(tag_renamed, sender=Tag, dispatch_uid="search_tag_renamed")
    pre_delete.connect(tag_deleting, sender=Tag, dispatch_uid="search_tag_deleting")
    post_delete.connect(tag_deleted, sender=Tag, dispatch_uid="search_tag_deleted")
    for signal, sender, uid in (
        (post_save, Entry, "related_entry_saved"),
        (post_delete, Entry, "related_entry_deleted"),
        (post_save, TaggedEntry, "related_link_saved"),
        (post_delete, TaggedEntry, "related_link_deleted"),
        (post_save, Tag, "related_tag_saved"),
        (post_delete, Tag, "related_tag_deleted"),
    ):
        signal.connect(entry_or_tag_changed, sender=sender, dispatch_uid=uid)
    m2m_changed.connect(
        entry_tag_links_changed, sender=TaggedEntry, dispatch_uid="related_tags_changed"
    )
    entries_written_in_bulk.connect(entry_or_tag_changed, dispatch_uid="related_bulk_entries")
    entries_written_in_bulk.connect(entries_written, dispatch_uid="search_tags_bulk_entries")
