"""Reads of stories that other apps compose: an entry's story, the public stories, their entries."""

import datetime
from dataclasses import dataclass

from django.db.models import Count, F, Max, Q, QuerySet, Value
from django.http import Http404
from django.utils import timezone

from events.models import Entry, TaggedEntry
from sources.models import Citation

from .models import Story, StoryEntry


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


SUGGEST_WINDOW = datetime.timedelta(days=30)


@dataclass(frozen=True)
class Suggestion:
    """A story an entry might belong to, and why: the tags and publishers they share."""

    story_id: int
    name: str
    tags: tuple[str, ...]
    publishers: tuple[str, ...]

    @property
    def reason(self) -> str:
        parts = []
        if self.tags:
            parts.append("tags " + ", ".join(self.tags))
        if self.publishers:
            parts.append("sources from " + ", ".join(self.publishers))
        return "shares " + " and ".join(parts)


def suggest_stories(entry: Entry, *, limit: int = 3) -> list[Suggestion]:
    """Up to `limit` open stories whose live entries of the last 30 days share tags or cited
    publishers with `entry`, most shared first, each saying what it shares. One query (the
    tag matches and the publisher matches as one UNION); none for an entry in a story already.
    """
    since = timezone.localdate() - SUGGEST_WINDOW
    recent = (
        StoryEntry.objects.filter(
            entry__in=Entry.objects.published().filter(event_date__gte=since).values("pk")
        )
        .exclude(story__status=Story.Status.CONCLUDED)
        .exclude(entry=entry)
        .order_by()
    )
    tags = TaggedEntry.objects.filter(content_object=entry).values("tag")
    publishers = Citation.objects.filter(entry=entry, source__publisher__isnull=False).values(
        "source__publisher"
    )
    by_tag = (
        recent.filter(entry__tagged_items__tag__in=tags)
        .annotate(kind=Value("tag"), label=F("entry__tagged_items__tag__name"))
        .values_list("story_id", "story__name", "kind", "label")
    )
    by_publisher = (
        recent.filter(entry__citations__source__publisher__in=publishers)
        .annotate(kind=Value("publisher"), label=F("entry__citations__source__publisher__name"))
        .values_list("story_id", "story__name", "kind", "label")
    )
    found: dict[int, tuple[str, set[str], set[str]]] = {}
    for story_id, name, kind, label in by_tag.union(by_publisher):
        _, shared_tags, shared_publishers = found.setdefault(story_id, (name, set(), set()))
        (shared_tags if kind == "tag" else shared_publishers).add(label)
    ranked = sorted(
        found.items(), key=lambda item: (-len(item[1][1]) - len(item[1][2]), item[1][0])
    )
    return [
        Suggestion(pk, name, tuple(sorted(t)), tuple(sorted(p)))
        for pk, (name, t, p) in ranked[:limit]
    ]
