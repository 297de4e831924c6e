"""Reads behind the API: every one starts from `Entry.objects.published()` or a reading selector.

Each runs a fixed number of queries whatever the page size.
"""

from django.db.models import Prefetch, QuerySet
from django.http import Http404
from taggit.models import Tag

from events.models import Entry
from reading import selectors as reading
from sources.models import Citation
from stories.models import Story
from stories.selectors import public_stories, story_entries


def with_api_data(entries: QuerySet[Entry]) -> QuerySet[Entry]:
    """Attach what an API entry shows: tags, and citations with source and publisher.

    The story joined in; two extra queries for the whole page, never one per entry. (taggit's
    prefetch takes no custom queryset, so tags are put in name order when serialised.)
    """
    entries = entries.select_related("story_membership__story")
    return entries.prefetch_related(  # type: ignore[misc]  # taggit's manager prefetches; no stubs
        "tags",
        Prefetch("citations", queryset=Citation.objects.select_related("source__publisher")),
    )


def api_entries() -> QuerySet[Entry]:
    """Published entries, newest event first, with API data: the base of every API list."""
    return with_api_data(Entry.objects.published().order_by("-event_date", "-id"))


def live_entries_by_id(ids) -> dict[int, Entry]:
    """The live entries among `ids`, with API data, by id (three queries for any number)."""
    return {entry.pk: entry for entry in api_entries().filter(pk__in=list(ids))}


def api_stories(*, status: str | None = None, category: str | None = None) -> QuerySet[Story]:
    """Stories readers may see, by slug (a cursor can follow it), with `live_entries` and
    `latest` (stories.selectors.public_stories: one query per page)."""
    stories = public_stories()
    if status:
        stories = stories.filter(status=status)
    if category:
        stories = stories.filter(category=category)
    return stories.order_by("slug")


def story_with_entries(slug: str) -> tuple[Story, list[Entry], list[Entry]]:
    """The public story at `slug` with its key events (up to 10) and newest entries (up to 20),
    with API data; Http404 when not public."""
    found = api_stories().filter(slug=slug).first()
    if found is None:
        raise Http404(f"No published entry belongs to a story {slug!r}.")
    entries = with_api_data(story_entries(found))
    return found, list(entries.filter(story_membership__key=True)[:10]), list(entries[:20])


def public_tags() -> QuerySet:
    """Tags carried by a live entry, by slug: rows {"tag_id", "slug", "name", "count"}.

    /tags/'s own rows (reading.selectors.tags_by_use: the trigger-kept counts, never every
    tag link), in an order that a cursor can follow while counts change.
    """
    return reading.tags_by_use().values("tag_id", "slug", "name", "count").order_by("slug")


def public_tag_with_count(slug: str) -> dict:
    """The public tag at `slug` ({"id", "slug", "name", "count"}); Http404 when not public."""
    tag = reading.public_tag(slug)
    count = reading.live_tag_count(tag)
    return {"id": tag.pk, "slug": tag.slug, "name": tag.name, "count": count, "tag": tag}


def co_occurring(tag: Tag) -> list[dict]:
    """Tags most often seen with `tag` on live entries, with their ids."""
    rows = reading.co_occurring_tags(tag)
    ids = dict(Tag.objects.filter(slug__in=[r["slug"] for r in rows]).values_list("slug", "pk"))
    return [{**row, "id": ids[row["slug"]]} for row in rows]


def public_publishers() -> QuerySet:
    """Publishers cited by live entries, by slug, annotated with `entry_count`."""
    return reading.publishers_by_use().order_by("slug")


def public_publisher_with_counts(slug: str):
    """The public publisher at `slug` with `entry_count` and `citation_count`; Http404 if none."""
    publisher = reading.public_publisher(slug)
    publisher.entry_count = reading.live_publisher_count(publisher)  # type: ignore[attr-defined]
    publisher.citation_count = reading.citation_count(publisher)  # type: ignore[attr-defined]
    return publisher
