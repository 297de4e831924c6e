"""Entry cards as plain data: every string a card prints, computed once per page in Python.

A list page shows up to fifty cards. Rendering each through template includes, `{% url %}` tags,
taggit managers and filters cost about two milliseconds a card; building the cards here from the
rows `selectors.with_card_data` prefetched, with each URL pattern reversed once per page, leaves
the templates only strings to print. Pure functions over loaded rows: no queries.
"""

import datetime
import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from urllib.parse import quote

from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format

from stories.models import Story
from stories.selectors import story_of

from . import pagekeys, text

# A stand-in reversed once per page; real values replace it, quoted as reverse() quotes them.
_HOLE = "0000"
_SLUG_HOLE = "_slot_"
_SAFE = "-._~!$&'()*+,;=:@"  # what reverse() leaves unquoted in a path segment
_PLAIN = re.compile(r"[A-Za-z0-9_.~-]*")  # needs no quoting: most slugs, checked in one match


def _segment(slug: str) -> str:
    """`slug` quoted for a path segment as reverse() quotes it (quote() only when needed)."""
    return slug if _PLAIN.fullmatch(slug) else quote(slug, safe=_SAFE)


class Links:
    """The URLs of entries, days and tags, reversed once and then filled in."""

    def __init__(self) -> None:
        self._day = reverse("events:archive-day", args=["1000", "10", "10"])
        self._entry = reverse("events:detail", args=["1000", "10", "10", _SLUG_HOLE])
        self._tag = reverse("events:tag", args=[_SLUG_HOLE])
        self._story = reverse("events:story", args=[_SLUG_HOLE])

    def day(self, day: datetime.date) -> str:
        return self._day.replace("/1000/10/10/", f"/{day:%Y/%m/%d}/", 1)

    def entry(self, day: datetime.date, slug: str) -> str:
        url = self._entry.replace(f"/{_SLUG_HOLE}/", f"/{_segment(slug)}/", 1)
        return url.replace("/1000/10/10/", f"/{day:%Y/%m/%d}/", 1)

    def tag(self, slug: str) -> str:
        return self._tag.replace(f"/{_SLUG_HOLE}/", f"/{_segment(slug)}/", 1)

    def story(self, slug: str) -> str:
        return self._story.replace(f"/{_SLUG_HOLE}/", f"/{_segment(slug)}/", 1)


@dataclass(frozen=True, slots=True)
class TagLink:
    name: str
    url: str


@dataclass(slots=True)
class Card:
    """One entry as a card: headline, lede, linked tags, "N sources from M publishers"."""

    entry: object  # the Entry, for what only some lists show (search snippets)
    url: str
    headline: str
    lede: str
    event_date: datetime.date
    day_url: str
    story: str
    story_url: str  # the story's page
    tags: list[TagLink]
    sources: str
    comments: int
    category: str = ""  # the story's category (a Story.Category value), "" without one
    publishers: str = ""  # "BBC, Reuters": the cited publishers' names, for compact lists


@dataclass(slots=True)
class StoryGroup:
    """A day's cards under one story; `story` is "" for the entries that belong to none."""

    story: str
    url: str  # the story's page
    cards: list[Card] = field(default_factory=list)


@dataclass(slots=True)
class DayGroup:
    day: datetime.date
    url: str
    stories: list[StoryGroup]
    iso: str = ""  # 2014-02-19, for ids and <time datetime>
    label: str = ""  # Wednesday 19 February 2014

    def __post_init__(self) -> None:
        self.iso = self.day.isoformat()
        self.label = date_format(self.day, "l j F Y")

    @property
    def grouped(self) -> bool:
        """Whether headings are shown: some story is named, or there is more than one group."""
        return len(self.stories) > 1 or bool(self.stories and self.stories[0].story)


def lede_of(entry) -> str:
    """The entry's lede: the one Entry.save() stored, computed only for a row written without."""
    return entry.lede if entry.lede is not None else text.lede(entry.body)


def _name(tag) -> str:
    return tag.name


def card(entry, links: Links) -> Card:
    """The card of an entry loaded by `with_card_data` (tags, citations, comment count).

    The page printing it shows that entry: an edit of it purges the page (`reading.pagekeys`).
    """
    pagekeys.add_page_keys([pagekeys.entry_key(entry.pk)])
    tags = [TagLink(t.name, links.tag(t.slug)) for t in sorted(entry.card_tags, key=_name)]
    story = story_of(entry)
    citations = entry.card_citations
    return Card(
        entry=entry,
        url=links.entry(entry.event_date, entry.slug),
        headline=entry.headline,
        lede=lede_of(entry),
        event_date=entry.event_date,
        day_url=links.day(entry.event_date),
        story=story.name if story else "",
        story_url=links.story(story.slug) if story else "",
        tags=tags,
        sources=text.sources_summary(c.publisher_name for c in citations),
        comments=getattr(entry, "approved_comment_count", 0) or 0,
        category=story.category if story else "",
        publishers=", ".join(
            dict.fromkeys(c.publisher_name for c in citations if c.publisher_name)
        ),
    )


def cards(entries: Iterable) -> list[Card]:
    """Cards for a page of entries, in their order."""
    links = Links()
    return [card(entry, links) for entry in entries]


def story_groups(day_cards: Iterable[Card]) -> list[StoryGroup]:
    """Cards grouped under their stories, in the order the stories first appear; cards without
    a story come last, in one group. A story's heading links to its page.
    """
    groups: dict[str, StoryGroup] = {}
    for item in day_cards:
        key = item.story_url
        group = groups.get(key)
        if group is None:
            group = groups[key] = StoryGroup(item.story, item.story_url)
        group.cards.append(item)
    named = [g for k, g in groups.items() if k]
    return named + ([groups[""]] if "" in groups else [])


def day_groups(entries: Iterable) -> list[DayGroup]:
    """A page of entries as cards, grouped by day (in the page's order), then by story."""
    links = Links()
    days: list[tuple[datetime.date, list[Card]]] = []
    for item in (card(entry, links) for entry in entries):
        if not days or days[-1][0] != item.event_date:
            days.append((item.event_date, []))
        days[-1][1].append(item)
    return [DayGroup(day, links.day(day), story_groups(items)) for day, items in days]


# The front page: a day's entries under the Portal's categories, then their stories.

OTHER_NEWS = "Other news"  # the last heading: entries whose category cannot be told
_CATEGORY_RANK = {value: n for n, value in enumerate(Story.Category.values)}


@dataclass(slots=True)
class CategoryGroup:
    """A day's entries under one category: its stories (each a sub-heading), then the entries
    that belong to no story. `key` is a Story.Category value, "" for Other news."""

    key: str
    label: str
    stories: list[StoryGroup] = field(default_factory=list)
    loose: list[Card] = field(default_factory=list)


@dataclass(slots=True)
class FrontDay:
    """One day of the front page, grouped by category then story."""

    day: datetime.date
    url: str
    categories: list[CategoryGroup]
    iso: str = ""
    label: str = ""
    is_today: bool = False

    def __post_init__(self) -> None:
        self.iso = self.day.isoformat()
        self.label = date_format(self.day, "l j F Y")
        self.is_today = self.day == timezone.localdate()


def _tag_ids(item: Card) -> list[int]:
    return [tag.pk for tag in getattr(item.entry, "card_tags", ())]


def category_votes(page: Iterable[Card]) -> dict[int, Counter[str]]:
    """For each tag on the page, how many of the page's story entries carrying it fall in each
    category: what the entries outside any story are placed by (no query)."""
    votes: dict[int, Counter[str]] = {}
    for item in page:
        if item.category:
            for tag_id in _tag_ids(item):
                votes.setdefault(tag_id, Counter())[item.category] += 1
    return votes


def guessed_category(item: Card, votes: dict[int, Counter[str]]) -> str:
    """The category of an entry outside any story: the one its tags share most often with the
    story entries on the same page, ties to the Portal's earlier category; "" when none of its
    tags is carried by a story entry of the page (Other news)."""
    tally: Counter[str] = Counter()
    for tag_id in _tag_ids(item):
        tally.update(votes.get(tag_id, {}))
    if not tally:
        return ""
    return min(tally, key=lambda key: (-tally[key], _CATEGORY_RANK.get(key, len(_CATEGORY_RANK))))


def category_groups(day_cards: list[Card], votes: dict[int, Counter[str]]) -> list[CategoryGroup]:
    """A day's cards under the Portal's categories in the Portal's order, Other news last.

    Within a category its stories come in the order of their newest entry on the page, each
    with its entries in the page's order, then the entries outside any story.
    """
    groups: dict[str, CategoryGroup] = {}
    labels = dict(Story.Category.choices)

    def group_of(key: str) -> CategoryGroup:
        if key not in groups:
            groups[key] = CategoryGroup(key, labels.get(key, OTHER_NEWS))
        return groups[key]

    stories: dict[str, StoryGroup] = {}
    for item in day_cards:
        if item.story_url:
            story = stories.get(item.story_url)
            if story is None:
                story = stories[item.story_url] = StoryGroup(item.story, item.story_url)
                group_of(item.category).stories.append(story)
            story.cards.append(item)
        else:
            group_of(guessed_category(item, votes)).loose.append(item)
    last = len(_CATEGORY_RANK)
    return sorted(groups.values(), key=lambda g: _CATEGORY_RANK.get(g.key, last))


def front_days(entries: Iterable) -> list[FrontDay]:
    """The front page's entries (newest day first) as days of categories of stories.

    An entry outside any story goes under the category its tags share most with the story
    entries of the same page (`guessed_category`), else under Other news, last. Pure: the
    entries come loaded by `with_card_data` and no query runs here.
    """
    links = Links()
    page = [card(entry, links) for entry in entries]
    votes = category_votes(page)
    days: list[tuple[datetime.date, list[Card]]] = []
    for item in page:
        if not days or days[-1][0] != item.event_date:
            days.append((item.event_date, []))
        days[-1][1].append(item)
    return [FrontDay(day, links.day(day), category_groups(items, votes)) for day, items in days]
