"""Receivers that keep the shared page cache and the edge exact, connected from `ready()`.

Any write that can change a public page records, in its own transaction, the keys of what it
changed (`record_page_change`, keys from `reading/pagekeys.py`); after the commit those keys are
purged, and only the pages showing one of them are rendered again:

* an entry (saved, deleted, its tags or citations changed, or written in bulk): its page, the
  pages whose related widget shows it, its day, month and year archives (before and after a date
  change), its tags' pages and feeds, its publishers' pages, and the site lists (home,
  /events/, the site feeds, sitemaps, the indexes); an edit that keeps its date, status and
  publish time moves it in no list, so it purges only its page, the pages printing its card or
  headline (each names `entry:<pk>`) and `edits` (feeds, sitemaps, searches);
* a tag renamed or deleted (a merge deletes the merged tag and moves its entries, which purges
  both tags' pages): its pages before and after, and every page printing its name;
* a comment: its entry's page, once it is anything but a new pending comment (which shows
  nowhere); moderation in bulk purges the pages of the comments' entries;
* a source or a publisher: everything (`all`); they are rare writes shown on many pages.

A bulk write of more than BULK_KEYS_LIMIT entries records `all`: one purge instead of a record
the size of the import.
* a story, or an entry joining or leaving one: the pages of the story's entries (their story
  box), and the lists, which story pages, the story index and home carry.
"""

import datetime
from collections.abc import Iterable

from django.db import DEFAULT_DB_ALIAS
from django.db.models.signals import m2m_changed, post_delete, post_save, pre_delete, pre_save
from taggit.models import Tag

from comments.models import Comment
from comments.signals import comments_moderated
from events.models import Entry, TaggedEntry
from events.signals import entries_written_in_bulk
from sources.models import Citation, Publisher, Source
from stories.models import Story, StoryEntry

from . import pagekeys
from .pagecache import record_page_change, recorded_entries

BULK_KEYS_LIMIT = 1000
# What a write touched is read where it was written, never from a read replica.
PRIMARY = DEFAULT_DB_ALIAS


def keys_of_entries(entry_ids: Iterable[int], *, joined_or_left: bool = True) -> set[str]:
    """The keys of every page that may show one of these entries (three queries).

    `joined_or_left`: the entries went live or stopped being live, or their tags changed, so
    related widgets of entries sharing their tags may now list them or drop them. A plain edit
    of a live entry changes only the related widgets that list it (`entry:<pk>`).
    """
    ids = set(entry_ids)
    if not ids:
        return set()
    if len(ids) > BULK_KEYS_LIMIT:
        return {pagekeys.ALL}
    keys = {pagekeys.LISTS, *(pagekeys.entry_key(pk) for pk in ids)}
    days = Entry.objects.using(PRIMARY).filter(pk__in=ids).values_list("event_date", flat=True)
    for day in days.order_by().distinct():  # no ordering column in the DISTINCT
        keys.update(pagekeys.date_keys(day))
    links = TaggedEntry.objects.using(PRIMARY).filter(content_object_id__in=ids)
    tags = links.values_list("tag__slug", flat=True)
    for slug in tags.order_by().distinct():
        keys.add(pagekeys.tag_key(slug))
        if joined_or_left:
            keys.add(pagekeys.related_key(slug))
    publishers = (
        Citation.objects.using(PRIMARY)
        .filter(entry_id__in=ids)
        .values_list("source__publisher__slug", flat=True)
    )
    keys.update(pagekeys.publisher_key(slug) for slug in publishers.order_by().distinct() if slug)
    return keys


def _keys_of_entry_once(entry_id: int) -> set[str]:
    """`keys_of_entries([entry_id])`, or none when this transaction recorded them already.

    Once recorded, a later link or citation of the entry in the same transaction changes only
    what its own keys name (the tag, the publisher), so a desk save adding N tags computes the
    entry's keys once, not once per link. Record the result with `entries=[entry_id]`.
    """
    if entry_id in recorded_entries():
        return set()
    return keys_of_entries([entry_id])


def entry_saving(sender, instance: Entry, raw=False, **kwargs) -> None:
    # A new date moves the entry between archives: purge the one it leaves too. Going live or
    # leaving changes its tag-mates' related widgets.
    if instance.pk and not raw:
        before = (
            Entry.objects.using(PRIMARY)
            .filter(pk=instance.pk)
            .values_list("event_date", "status", "publish_at")
            .first()
        )
        setattr(instance, "_page_before", before)  # noqa: B010  # not a field of Entry


def _was_live(status: str, publish_at: datetime.datetime | None) -> bool:
    return Entry(status=status, publish_at=publish_at).is_live


def entry_saved(sender, instance: Entry, created: bool, raw=False, **kwargs) -> None:
    before = getattr(instance, "_page_before", None)
    if before is not None and before == (instance.event_date, instance.status, instance.publish_at):
        # In the same lists, at the same place: only the pages showing it change (its page,
        # the lists and related widgets printing its card or headline), and the pages showing
        # entries' fields without naming each one (feeds, sitemaps, searches).
        record_page_change({pagekeys.entry_key(instance.pk), pagekeys.EDITS})
        return
    joined_or_left = before is None or _was_live(before[1], before[2]) != instance.is_live
    keys = keys_of_entries([instance.pk], joined_or_left=joined_or_left)
    if before is not None:
        keys.update(pagekeys.date_keys(before[0]))
    # Without the related keys (a plain edit), not every key of the entry is recorded.
    record_page_change(keys, entries=[instance.pk] if joined_or_left else [])


def entry_deleting(sender, instance: Entry, **kwargs) -> None:
    # Its tag links and citations are gone by post_delete: note what it showed on first.
    setattr(instance, "_page_keys", keys_of_entries([instance.pk]))  # noqa: B010


def entry_deleted(sender, instance: Entry, **kwargs) -> None:
    record_page_change(getattr(instance, "_page_keys", {pagekeys.ALL}))


def tag_link_changed(sender, instance: TaggedEntry, **kwargs) -> None:
    # In a cascade the tag or entry may be gone already; its own delete records its keys.
    entry_id = instance.content_object_id
    keys = _keys_of_entry_once(entry_id)
    if TaggedEntry._meta.get_field("tag").is_cached(instance):
        slugs = [instance.tag.slug]  # taggit's add() passes the tag: no query
    else:
        tag = Tag.objects.using(PRIMARY).filter(pk=instance.tag_id)
        slugs = list(tag.values_list("slug", flat=True))
    for slug in slugs:
        keys.add(pagekeys.tag_key(slug))
        if kwargs.get("signal") is post_save:
            # Entries sharing the new tag may list this one in their related widget now.
            keys.add(pagekeys.related_key(slug))
    record_page_change(keys, entries=[entry_id])


def tags_changed(sender, instance, action: str, reverse: bool, pk_set, **kwargs) -> None:
    """taggit's add/remove/clear/set write in bulk and send m2m_changed, not post_save."""
    if action == "pre_clear":
        # The links are gone by post_clear: note whose they were.
        instance._page_keys_cleared = _keys_of_links(instance, reverse, None, linked=True)
        return
    if action == "post_clear":
        record_page_change(getattr(instance, "_page_keys_cleared", {pagekeys.ALL}))
    elif action in ("post_add", "post_remove"):
        linked = action == "post_add"
        record_page_change(
            _keys_of_links(instance, reverse, pk_set, linked=linked),
            entries=[instance.pk] if isinstance(instance, Entry) else [],
        )


def _keys_of_links(instance, reverse: bool, pk_set, *, linked: bool) -> set[str]:
    """The keys of links added, removed or about to be cleared; `linked`: they exist now."""
    if isinstance(instance, Entry):
        if pk_set is not None:
            slugs = Tag.objects.using(PRIMARY).filter(pk__in=pk_set).values_list("slug", flat=True)
        else:
            links = TaggedEntry.objects.using(PRIMARY).filter(content_object_id=instance.pk)
            slugs = links.values_list("tag__slug", flat=True)
        keys = _keys_of_entry_once(instance.pk)
        keys.update(pagekeys.tag_key(slug) for slug in slugs)
        if linked:  # as keys_of_entries() names the related keys of the tags an entry has
            keys.update(pagekeys.related_key(slug) for slug in slugs)
        return keys
    entry_ids = pk_set
    if entry_ids is None:
        entry_ids = (
            TaggedEntry.objects.using(PRIMARY)
            .filter(tag=instance)
            .values_list("content_object_id", flat=True)
        )
    return keys_of_entries(entry_ids) | {pagekeys.tag_key(instance.slug)}


def _entries_tagged(tag: Tag):
    links = TaggedEntry.objects.using(PRIMARY).filter(tag=tag)
    return links.values_list("content_object_id", flat=True)


def _tag_keys(slug: str) -> set[str]:
    return {pagekeys.tag_key(slug), pagekeys.tag_name_key(slug)}


def tag_saving(sender, instance: Tag, raw=False, **kwargs) -> None:
    if instance.pk and not raw:
        instance._page_slug_before = (
            Tag.objects.using(PRIMARY).filter(pk=instance.pk).values_list("slug", flat=True).first()
        )


def tag_saved(sender, instance: Tag, created: bool, **kwargs) -> None:
    if created:
        return  # a tag no entry has yet shows nowhere
    keys = _tag_keys(instance.slug) | {pagekeys.LISTS}
    before = getattr(instance, "_page_slug_before", None)
    if before:
        keys |= _tag_keys(before)
    # Cards on lists and archives print the tag's name.
    keys |= keys_of_entries(_entries_tagged(instance))
    record_page_change(keys)


def tag_deleting(sender, instance: Tag, **kwargs) -> None:
    instance._page_keys = (
        _tag_keys(instance.slug) | {pagekeys.LISTS} | keys_of_entries(_entries_tagged(instance))
    )


def tag_deleted(sender, instance: Tag, **kwargs) -> None:
    record_page_change(getattr(instance, "_page_keys", {pagekeys.ALL}))


def citation_changed(sender, instance: Citation, **kwargs) -> None:
    keys = _keys_of_entry_once(instance.entry_id)
    publisher = (
        Source.objects.using(PRIMARY)
        .filter(pk=instance.source_id)
        .values_list("publisher__slug", flat=True)
    )
    keys.update(pagekeys.publisher_key(slug) for slug in publisher if slug)
    record_page_change(keys, entries=[instance.entry_id])


def everything_changed(sender, **kwargs) -> None:
    record_page_change({pagekeys.ALL})


def comment_saved(sender, instance: Comment, created: bool, **kwargs) -> None:
    if created and instance.status == Comment.Status.PENDING:
        return  # shown to nobody until a moderator approves it
    record_page_change({pagekeys.comments_key(instance.entry_id)})


def comment_deleted(sender, instance: Comment, **kwargs) -> None:
    if instance.status != Comment.Status.PENDING:
        record_page_change({pagekeys.comments_key(instance.entry_id)})


def comments_moderated_in_bulk(sender, entry_ids=None, **kwargs) -> None:
    if entry_ids is None:
        record_page_change({pagekeys.ALL})
    else:
        record_page_change({pagekeys.comments_key(pk) for pk in entry_ids})


def entries_written(sender, entry_ids, **kwargs) -> None:
    record_page_change(keys_of_entries(entry_ids))


def _keys_of_story(story_id, *also: int) -> set[str]:
    """The keys of the pages showing a story: its entries' pages and the lists."""
    members = StoryEntry.objects.using(PRIMARY).filter(story_id=story_id)
    ids = {*members.values_list("entry_id", flat=True), *also}
    return keys_of_entries(ids) | {pagekeys.LISTS}


def story_saved(sender, instance: Story, **kwargs) -> None:
    record_page_change(_keys_of_story(instance.pk))


def story_deleting(sender, instance: Story, **kwargs) -> None:
    # Its memberships go with it: note whose pages showed it first.
    setattr(instance, "_page_keys", _keys_of_story(instance.pk))  # noqa: B010


def story_deleted(sender, instance: Story, **kwargs) -> None:
    record_page_change(getattr(instance, "_page_keys", {pagekeys.ALL}))


def membership_changed(sender, instance: StoryEntry, **kwargs) -> None:
    record_page_change(_keys_of_story(instance.story_id, instance.entry_id))


def connect() -> None:
    """Connect every receiver once (dispatch_uid makes a second call harmless)."""
    uid = "pages_"
    pre_save.connect(entry_saving, sender=Entry, dispatch_uid=uid + "entry_saving")
    post_save.connect(entry_saved, sender=Entry, dispatch_uid=uid + "entry_saved")
    pre_delete.connect(entry_deleting, sender=Entry, dispatch_uid=uid + "entry_deleting")
    post_delete.connect(entry_deleted, sender=Entry, dispatch_uid=uid + "entry_deleted")
    post_save.connect(tag_link_changed, sender=TaggedEntry, dispatch_uid=uid + "link_saved")
    post_delete.connect(tag_link_changed, sender=TaggedEntry, dispatch_uid=uid + "link_deleted")
    m2m_changed.connect(tags_changed, sender=TaggedEntry, dispatch_uid=uid + "tags_changed")
    pre_save.connect(tag_saving, sender=Tag, dispatch_uid=uid + "tag_saving")
    post_save.connect(tag_saved, sender=Tag, dispatch_uid=uid + "tag_saved")
    pre_delete.connect(tag_deleting, sender=Tag, dispatch_uid=uid + "tag_deleting")
    post_delete.connect(tag_deleted, sender=Tag, dispatch_uid=uid + "tag_deleted")
    post_save.connect(citation_changed, sender=Citation, dispatch_uid=uid + "citation_saved")
    post_delete.connect(citation_changed, sender=Citation, dispatch_uid=uid + "citation_deleted")
    for model in (Source, Publisher):
        name = model._meta.label_lower
        post_save.connect(everything_changed, sender=model, dispatch_uid=f"{uid}save_{name}")
        post_delete.connect(everything_changed, sender=model, dispatch_uid=f"{uid}delete_{name}")
    post_save.connect(comment_saved, sender=Comment, dispatch_uid=uid + "comment_saved")
    post_delete.connect(comment_deleted, sender=Comment, dispatch_uid=uid + "comment_deleted")
    comments_moderated.connect(comments_moderated_in_bulk, dispatch_uid=uid + "moderated")
    entries_written_in_bulk.connect(entries_written, dispatch_uid=uid + "bulk_entries")
    post_save.connect(story_saved, sender=Story, dispatch_uid=uid + "story_saved")
    pre_delete.connect(story_deleting, sender=Story, dispatch_uid=uid + "story_deleting")
    post_delete.connect(story_deleted, sender=Story, dispatch_uid=uid + "story_deleted")
    post_save.connect(membership_changed, sender=StoryEntry, dispatch_uid=uid + "member_saved")
    post_delete.connect(membership_changed, sender=StoryEntry, dispatch_uid=uid + "member_gone")
