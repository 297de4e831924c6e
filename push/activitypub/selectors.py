"""Reads for the ActivityPub views."""

from taggit.models import Tag

from events.models import Entry, TaggedEntry
from sources.models import Citation
from stories.models import Story

from . import actors

OUTBOX_LIMIT = 20


def outbox_items(
    tag: Tag | None, *, story: Story | None = None, limit: int = OUTBOX_LIMIT
) -> tuple[list[dict], int]:
    """The Creates of the `limit` latest published entries (carrying `tag`, or in `story`, if
    given), and how many entries the outbox holds in all. Three queries whatever the limit."""
    entries = Entry.objects.published()
    if tag is not None:
        entries = entries.carrying(tag)
    if story is not None:
        entries = entries.filter(story_membership__story=story)
    total = entries.count()
    latest = list(
        entries.select_related("story_membership__story").order_by("-publish_at", "-pk")[:limit]
    )
    ids = [entry.pk for entry in latest]
    tags: dict[int, list[Tag]] = {pk: [] for pk in ids}
    for link in TaggedEntry.objects.filter(content_object_id__in=ids).select_related("tag"):
        tags[link.content_object_id].append(link.tag)
    sources: dict[int, list[tuple[str, str]]] = {pk: [] for pk in ids}
    for citation in (
        Citation.objects.filter(entry_id__in=ids)
        .select_related("source")
        .order_by("position", "id")
    ):
        sources[citation.entry_id].append(
            (citation.source.url, citation.source.title or citation.source.url)
        )
    newsroom = actors.newsroom()
    items = []
    for entry in latest:
        membership = getattr(entry, "story_membership", None)
        article = actors.article(
            entry,
            tags=sorted(tags[entry.pk], key=lambda t: t.name),
            source_urls=sources[entry.pk],
            story=membership.story if membership is not None else None,
        )
        items.append(
            {
                "id": article["id"] + "#create",
                "type": "Create",
                "actor": newsroom.id,
                "published": article["published"],
                "to": article["to"],
                "cc": article["cc"],
                "object": article,
            }
        )
    return items, total
