"""Reads of stories that other apps compose: an entry's story, the public stories, their entries."""

from django.db.models import Count, Max, Q, QuerySet
from django.http import Http404

from events.models import Entry

from .models import Story


def story_of(entry: Entry) -> Story | None:
    """The story `entry` belongs to, or None; no query when the entry was loaded with
    `select_related("story_membership__story")` (as every public list loads it)."""
    membership = getattr(entry, "story_membership", None)
    return membership.story if membership is not None else None


def is_key_event(entry: Entry) -> bool:
    membership = getattr(entry, "story_membership", None)
    return bool(membership and membership.key)


def public_stories() -> QuerySet[Story]:
    """Stories with at least one live entry, each annotated with `live_entries` (how many) and
    `latest` (the newest live entry's publish time); most recently updated first.

    One query: the membership rows of live entries, grouped per story.
    """
    live = Q(memberships__entry__in=Entry.objects.published().values("pk"))
    return (
        Story.objects.annotate(
            live_entries=Count("memberships", filter=live),
            latest=Max("memberships__entry__publish_at", filter=live),
        )
        .filter(live_entries__gt=0)
        .order_by("-latest", "-id")
    )


def public_story(slug: str) -> Story:
    """The story at `slug` if at least one live entry belongs to it; Http404 otherwise.

    The one rule for "may readers see this story": its page, its feeds and the API agree, so a
    story whose entries are all drafts or scheduled leaks nowhere.
    """
    story = Story.objects.public().filter(slug=slug).first()
    if story is None:
        raise Http404("No published entry belongs to this story.")
    return story


def story_entries(story: Story) -> QuerySet[Entry]:
    """The story's live entries, newest event first (within a day the latest published first)."""
    return (
        Entry.objects.published()
        .filter(story_membership__story=story)
        .select_related("story_membership__story")
        .order_by("-event_date", "-publish_at", "-id")
    )
