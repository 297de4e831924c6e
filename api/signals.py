"""Receivers that write the change log, connected from `ApiConfig.ready()`.

Entries, their tag links and citations, tags, sources, publishers and stories (and entries'
memberships of them) all show in the API's entry payloads, so a save or delete of any of them
records which entries (or which tag or story) a mirror must refresh. Bulk writes send no
signals: after one, run `manage.py record_changes`.
"""

from django.db.models.signals import post_delete, post_save, pre_delete, pre_save
from taggit.models import Tag

from events.models import Correction, Entry, TaggedEntry
from events.signals import entries_written_in_bulk
from sources.models import Citation, Publisher, Source
from stories.models import Story, StoryEntry

from . import changes


def entries_written(sender, entry_ids, created=False, **kwargs) -> None:
    if created:
        changes.record_entries_written(entry_ids)
    else:
        changes.record_entries_updated(entry_ids)


def entry_saving(sender, instance: Entry, raw=False, **kwargs) -> None:
    if not raw:
        # Carried on the instance from pre_save to post_save (one save, one instance); Entry
        # declares no such attribute because only this app's receivers use it.
        instance._api_state_before = changes.entry_state(instance.pk)  # type: ignore[attr-defined]


def entry_saved(sender, instance: Entry, raw=False, **kwargs) -> None:
    if not raw:
        changes.record_entry_saved(instance, getattr(instance, "_api_state_before", None))


def entry_deleted(sender, instance: Entry, **kwargs) -> None:
    changes.record_entry_deleted(instance)


def link_changed(sender, instance, raw=False, **kwargs) -> None:
    # A tag link (taggit's add uses get_or_create, its remove and clear delete row by row while
    # receivers listen) or a citation: the entry's tags or sources changed.
    if not raw:
        changes.record_entries_updated([instance.content_object_id])


def citation_changed(sender, instance: Citation, raw=False, **kwargs) -> None:
    if not raw:
        changes.record_entries_updated([instance.entry_id])


def source_saved(sender, instance: Source, created=False, raw=False, **kwargs) -> None:
    if not raw and not created:
        changes.record_entries_updated(
            Citation.objects.filter(source=instance).values_list("entry_id", flat=True)
        )


def publisher_saved(sender, instance: Publisher, created=False, raw=False, **kwargs) -> None:
    if not raw and not created:
        changes.record_entries_updated(
            Citation.objects.filter(source__publisher=instance).values_list("entry_id", flat=True)
        )


def tag_saving(sender, instance: Tag, raw=False, **kwargs) -> None:
    if not raw and instance.pk:
        instance._api_names_before = (
            Tag.objects.filter(pk=instance.pk).values_list("name", "slug").first()
        )


def tag_saved(sender, instance: Tag, created=False, raw=False, **kwargs) -> None:
    before = getattr(instance, "_api_names_before", None)
    if not raw and not created and before:
        changes.record_tag_renamed(instance, old_name=before[0], old_slug=before[1])


def tag_deleting(sender, instance: Tag, **kwargs) -> None:
    # Asked before the cascade removes the links that made the tag public.
    instance._api_was_public = changes.tag_is_public(instance.pk)


def tag_deleted(sender, instance: Tag, **kwargs) -> None:
    if getattr(instance, "_api_was_public", False):
        changes.record_tag_deleted(instance.pk, name=instance.name, slug=instance.slug)


def story_saving(sender, instance: Story, raw=False, update_fields=None, **kwargs) -> None:
    # The stored status, before the save overwrites it; a save that does not write the status
    # (update_fields without it) moves nothing, whatever the instance holds.
    writes_status = update_fields is None or "status" in update_fields
    if not raw and writes_status:
        instance._api_status_before = changes.story_status(instance.pk)  # type: ignore[attr-defined]


def story_saved(sender, instance: Story, created=False, raw=False, **kwargs) -> None:
    if not raw:
        changes.record_story_updated(instance)
        if "_api_status_before" in instance.__dict__:
            before = instance.__dict__.pop("_api_status_before")
            changes.record_story_status(instance, before=before, created=created)


def story_deleting(sender, instance: Story, **kwargs) -> None:
    # Asked before the cascade removes the memberships that made the story public; the
    # entries then get "updated" rows from their memberships' deletion.
    instance._api_was_public = changes.story_is_public(instance.pk)  # type: ignore[attr-defined]


def story_deleted(sender, instance: Story, **kwargs) -> None:
    if getattr(instance, "_api_was_public", False):
        changes.record_story_deleted(
            instance.pk, name=instance.name, slug=instance.slug, status=instance.status
        )


def membership_changed(sender, instance: StoryEntry, raw=False, **kwargs) -> None:
    # The entry's payload names its story: joining, leaving or becoming a key event changes it.
    if not raw:
        changes.record_entries_updated([instance.entry_id])


def correction_added(sender, instance: Correction, created=False, raw=False, **kwargs) -> None:
    if created and not raw:
        changes.record_entry_corrected(instance)


def connect() -> None:
    """Connect every receiver once (dispatch_uid makes a second call harmless)."""
    pre_save.connect(entry_saving, sender=Entry, dispatch_uid="api_entry_saving")
    entries_written_in_bulk.connect(entries_written, dispatch_uid="api_entries_written")
    post_save.connect(entry_saved, sender=Entry, dispatch_uid="api_entry_saved")
    post_delete.connect(entry_deleted, sender=Entry, dispatch_uid="api_entry_deleted")
    post_save.connect(link_changed, sender=TaggedEntry, dispatch_uid="api_link_saved")
    post_delete.connect(link_changed, sender=TaggedEntry, dispatch_uid="api_link_deleted")
    post_save.connect(citation_changed, sender=Citation, dispatch_uid="api_citation_saved")
    post_delete.connect(citation_changed, sender=Citation, dispatch_uid="api_citation_deleted")
    post_save.connect(source_saved, sender=Source, dispatch_uid="api_source_saved")
    post_save.connect(publisher_saved, sender=Publisher, dispatch_uid="api_publisher_saved")
    pre_save.connect(tag_saving, sender=Tag, dispatch_uid="api_tag_saving")
    post_save.connect(tag_saved, sender=Tag, dispatch_uid="api_tag_saved")
    pre_delete.connect(tag_deleting, sender=Tag, dispatch_uid="api_tag_deleting")
    post_delete.connect(tag_deleted, sender=Tag, dispatch_uid="api_tag_deleted")
    pre_save.connect(story_saving, sender=Story, dispatch_uid="api_story_saving")
    post_save.connect(story_saved, sender=Story, dispatch_uid="api_story_saved")
    pre_delete.connect(story_deleting, sender=Story, dispatch_uid="api_story_deleting")
    post_delete.connect(story_deleted, sender=Story, dispatch_uid="api_story_deleted")
    post_save.connect(membership_changed, sender=StoryEntry, dispatch_uid="api_membership_saved")
    post_delete.connect(
        membership_changed, sender=StoryEntry, dispatch_uid="api_membership_deleted"
    )
    post_save.connect(correction_added, sender=Correction, dispatch_uid="api_correction_added")
