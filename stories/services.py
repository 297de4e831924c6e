"""Writes to stories: the one way to turn a typed name into a story and to put an entry in one.

The desk's entry form, the desk's story admin, the archive import, the JSON Lines import and
the demo all call these, so a story is found by its name in any case, and its slug and dates
follow one rule whoever creates it.
"""

import datetime

from django.db import IntegrityError, transaction
from django.db.models import Min
from django.utils import timezone
from django.utils.text import slugify

from events.limits import STORY_MAX_LENGTH
from events.models import Entry

from .models import Story, StoryEntry


def clean_name(name: str | None) -> str:
    """A typed story name with its whitespace collapsed, cut to the field's length."""
    return " ".join((name or "").split())[:STORY_MAX_LENGTH].strip()


def free_slug(name: str, *, wanted: str = "") -> str:
    """A slug no story has: `wanted` (or one made from the name), with -2, -3… when taken."""
    base = (wanted or slugify(name, allow_unicode=True))[: STORY_MAX_LENGTH - 8].strip("-")
    base = base or "story"
    slug, n = base, 1
    while Story.objects.filter(slug=slug).exists():
        n += 1
        slug = f"{base}-{n}"
    return slug


def find_story(name: str | None) -> Story | None:
    """The story called `name`, in any case and spacing; None when there is none."""
    name = clean_name(name)
    if not name:
        return None
    return Story.objects.filter(name__iexact=name).first()


def story_named(name: str | None, *, slug: str = "", **defaults) -> Story | None:
    """The story called `name` in any case, created (with `defaults`) when there is none.

    None for a blank name. Two callers creating the same story at once get the same row: the
    database's unique name decides, and the loser reads the winner's story.
    """
    name = clean_name(name)
    if not name:
        return None
    story = find_story(name)
    if story is not None:
        return story
    try:
        with transaction.atomic():
            return Story.objects.create(name=name, slug=free_slug(name, wanted=slug), **defaults)
    except IntegrityError:
        story = find_story(name)
        if story is None:
            raise
        return story


def touch(story: Story, *, at: datetime.datetime | None = None) -> None:
    """Mark the story updated now, and fill its start from its earliest entry when unknown."""
    story.updated = at or timezone.now()
    fields = ["updated"]
    if story.started is None:
        first = Entry.objects.filter(story_membership__story=story).aggregate(
            first=Min("event_date")
        )["first"]
        if first is not None:
            story.started = first
            fields.append("started")
    story.save(update_fields=fields)


def set_story(entry: Entry, story: Story | None, *, key: bool | None = None) -> bool:
    """Put `entry` in `story` (None: in no story); `key` marks it a key event (None: unchanged).

    Returns whether anything changed. The story it leaves and the one it joins are touched.
    """
    membership = StoryEntry.objects.filter(entry=entry).select_related("story").first()
    if story is None:
        if membership is None:
            return False
        left = membership.story
        membership.delete()
        touch(left)
        return True
    if membership is None:
        StoryEntry.objects.create(entry=entry, story=story, key=bool(key))
        touch(story)
        return True
    if membership.story_id == story.pk and (key is None or membership.key == key):
        return False
    previous = membership.story if membership.story_id != story.pk else None
    membership.story = story
    if key is not None:
        membership.key = key
    membership.save()
    touch(story)
    if previous is not None:
        touch(previous)
    return True


def set_story_named(entry: Entry, name: str | None, *, key: bool | None = None) -> Story | None:
    """Put `entry` in the story typed as `name` (created when new); a blank name: in none."""
    story = story_named(name)
    set_story(entry, story, key=key)
    return story


def set_key_events(story: Story, entry_ids, *, key: bool) -> int:
    """Mark (or unmark) the story's entries `entry_ids` as key events; how many changed."""
    changed = (
        StoryEntry.objects.filter(story=story, entry_id__in=list(entry_ids))
        .exclude(key=key)
        .update(key=key)
    )
    if changed:
        touch(story)
    return changed


def close(story: Story) -> bool:
    """Conclude the story (it stays readable as a timeline); False when it already was."""
    if story.status == Story.Status.CONCLUDED:
        return False
    story.status = Story.Status.CONCLUDED
    story.updated = timezone.now()
    story.save(update_fields=["status", "updated"])
    return True
