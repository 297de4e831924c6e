"""Reads behind the story pages, composing a story's entries with their cards, sources and
corrections. Each runs a fixed number of queries whatever the story's size."""

from django.db.models import (
    Case,
    IntegerField,
    OuterRef,
    Prefetch,
    QuerySet,
    Subquery,
    Value,
    When,
)

from events.models import Correction, Entry
from stories.models import Story
from stories.selectors import public_stories, story_entries

from . import cards, pagekeys, selectors

KEY_EVENTS = 10  # key events listed above the timeline, newest first
LATEST = 5  # a story's latest entries shown on an entry page


def _corrections_prefetch() -> Prefetch:
    return Prefetch("corrections", queryset=Correction.objects.order_by("created", "id"))


def timeline(story: Story) -> QuerySet[Entry]:
    """The story's live entries with card data and their corrections, newest first: the
    timeline a page slices (three extra queries per page: tags, citations, corrections)."""
    return selectors.with_card_data(story_entries(story), sources=True).prefetch_related(
        _corrections_prefetch()
    )


def key_events(story: Story) -> list[Entry]:
    """The story's live key events, newest first, at most KEY_EVENTS, with card data."""
    return list(timeline(story).filter(story_membership__key=True)[:KEY_EVENTS])


def story_tags(story: Story, *, limit: int = 12) -> list[dict]:
    """The tags most common among the story's live entries (one grouped query, counted over at
    most COUNT_CAP + 1 entries)."""
    return selectors.tag_facets(story_entries(story), limit=limit)


def story_publishers(story: Story, *, limit: int = 12) -> list[dict]:
    """The publishers most cited by the story's live entries (one grouped query)."""
    return selectors.publisher_facets(story_entries(story), limit=limit)


def latest_in_story(entry: Entry, story: Story, *, limit: int = LATEST) -> list[Entry]:
    """The story's newest live entries other than `entry` (one query, no card data)."""
    return list(
        Entry.objects.published()
        .filter(story_membership__story=story)
        .exclude(pk=entry.pk)
        .order_by("-publish_at", "-id")
        .only("pk", "event_date", "slug", "headline", "publish_at")[:limit]
    )


def story_index(*, status: str = "", category: str = "") -> QuerySet[Story]:
    """Public stories for /stories/: developing first, then ongoing, then concluded; within a
    status by category, then the most recently updated first (one query)."""
    stories = public_stories()
    if status:
        stories = stories.filter(status=status)
    if category:
        stories = stories.filter(category=category)
    rank = {Story.Status.DEVELOPING: 0, Story.Status.ONGOING: 1, Story.Status.CONCLUDED: 2}
    order = Case(
        *(When(status=s, then=Value(n)) for s, n in rank.items()),
        default=Value(3),
        output_field=IntegerField(),
    )
    return stories.annotate(rank=order).order_by("rank", "category", "-latest", "-id")


def front_page_stories(*, developing: int = 5, ongoing: int = 12) -> dict[str, list[Story]]:
    """The home page's stories: the developing ones (newest update first), each with its
    newest live entry as `latest_entry`, and the ongoing ones by their latest update.

    Three queries whatever the number of stories or entries: the developing stories with
    their newest entry's id (a subquery), those entries, and the ongoing stories.
    """
    newest = (
        Entry.objects.published()
        .filter(story_membership__story=OuterRef("pk"))
        .order_by("-publish_at", "-id")
        .values("pk")[:1]
    )
    running: list[Story] = list(
        public_stories()
        .filter(status=Story.Status.DEVELOPING)
        .annotate(latest_entry_id=Subquery(newest))[:developing]
    )
    ids = {story.pk: getattr(story, "latest_entry_id", None) for story in running}
    entries = Entry.objects.published().in_bulk([pk for pk in ids.values() if pk])
    for story in running:
        story.latest_entry = entries.get(ids[story.pk])  # type: ignore[attr-defined]
    # The home page prints their headlines: an edit of one purges it.
    pagekeys.add_page_keys(pagekeys.entry_key(pk) for pk in entries)
    return {
        "developing": running,
        "ongoing": list(public_stories().filter(status=Story.Status.ONGOING)[:ongoing]),
    }


def front_page(*, days: int = 5, limit: int = 80) -> dict:
    """Everything the home page shows, top to bottom.

    `developing` and `ongoing` as `front_page_stories` gives them; `today`, the latest day with
    live entries (today's when there are any) and `earlier`, the days before it (at most
    `days` days and `limit` entries in all, `selectors.latest_days`), each a `cards.FrontDay`:
    categories in the Portal's order (Other news last), stories under them, entries outside
    any story under the category their tags share most with the page's story entries.

    At most seven queries whatever the archive's size: three for the stories (two when none
    is developing), four for the days.
    """
    front = cards.front_days(selectors.latest_days(days=days, limit=limit))
    return {
        **front_page_stories(),
        "today": front[0] if front else None,
        "earlier": front[1:],
    }


def live_entries(ids) -> dict[int, Entry]:
    """{id: entry} for those of `ids` that are live now, with what their timeline card shows
    (card data, story, corrections): the live updates render them (four queries per batch)."""
    entries = selectors.with_card_data(Entry.objects.published().filter(pk__in=list(ids)))
    return {e.pk: e for e in entries.prefetch_related(_corrections_prefetch())}
