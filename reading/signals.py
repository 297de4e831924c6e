"""Receivers that keep the shared page cache exact, connected from `ReadingConfig.ready()`.

Any write that can change a public page records a page invalidation in its own transaction
(`record_page_change`), applied after the commit as a bump of the one page version: entries
(publish, edit, unpublish, delete), their tags and tag links, citations, sources and
publishers, stories and their entries, and comments (posted, approved, removed, also in bulk by
moderation). A global version is always right and cheap: writes are rare next to page views,
and a page showing a changed entry may be any list, archive, feed or other entry's related
widget.
"""

from django.db.models.signals import m2m_changed, post_delete, post_save
from taggit.models import Tag

from comments.models import Comment
from comments.signals import comments_moderated
from events.models import Entry, TaggedEntry
from events.signals import entries_written_in_bulk
from sources.models import Citation, Publisher, Source
from stories.models import Story, StoryEntry

from .pagecache import record_page_change


def page_changed(sender, **kwargs) -> None:
    # The record commits with the write; the bump follows the commit (bumping earlier would let
    # a request render the old rows and store them under the new version).
    record_page_change()


def tags_changed(sender, action: str, **kwargs) -> None:
    # taggit's add/remove/clear/set write in bulk and send m2m_changed, not post_save.
    if action.startswith("post_"):
        page_changed(sender)


def connect() -> None:
    """Connect every receiver once (dispatch_uid makes a second call harmless)."""
    for model in (Entry, TaggedEntry, Tag, Citation, Source, Publisher, Comment, Story, StoryEntry):
        name = model._meta.label_lower
        post_save.connect(page_changed, sender=model, dispatch_uid=f"pages_save_{name}")
        post_delete.connect(page_changed, sender=model, dispatch_uid=f"pages_delete_{name}")
    m2m_changed.connect(tags_changed, sender=TaggedEntry, dispatch_uid="pages_tags_changed")
    comments_moderated.connect(page_changed, dispatch_uid="pages_comments_moderated")
    entries_written_in_bulk.connect(page_changed, dispatch_uid="pages_bulk_entries")
