"""Reads that feed public pages, composing entries with their citations and comments.

Each runs a fixed number of queries whatever the page size.
"""

import calendar
import datetime
from typing import TypeVar

from django.db.models import (
    Count,
    Exists,
    F,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
)
from django.http import Http404
from taggit.models import Tag

from comments.selectors import approved_comment_count
from events.models import Correction, Entry, EntryQuerySet, TaggedEntry
from sources.models import Citation, Publisher
from sources.selectors import cites_publisher


def _citations_prefetch() -> Prefetch:
    """Citations with their source and publisher joined in, in the editor's order."""
    return Prefetch("citations", queryset=Citation.objects.select_related("source__publisher"))


_Entries = TypeVar("_Entries", bound=QuerySet[Entry])


def with_card_data(entries: _Entries) -> _Entries:
    """Attach what an entry card shows: tags, cited sources with publishers, comment count.

    Two extra queries for the whole page (tags; citations joined to sources and publishers),
    never one per entry. `approved_comment_count` is computed in the entries' own query, as a
    subquery rather than a join, so it needs no GROUP BY and other filters cannot inflate it.
    """
    return entries.prefetch_related("tags", _citations_prefetch()).annotate(
        approved_comment_count=approved_comment_count()
    )


def latest_entries() -> QuerySet[Entry]:
    """The home page's list: public entries, within a day the most recently published first."""
    return public_entries().order_by("-event_date", "-publish_at", "-id")


def entry_for_page(user) -> QuerySet[Entry]:
    """The queryset an entry page is looked up in: live entries, or drafts too for staff.

    Besides the card data, the entry's corrections and updates, oldest first (one query).
    """
    return with_card_data(Entry.objects.visible_to(user).select_related("author")).prefetch_related(
        Prefetch("corrections", queryset=Correction.objects.order_by("created", "id"))
    )


# Corrections: the entry page lists its own; the public list and feed list all, newest first.


def public_corrections() -> QuerySet[Correction]:
    """Notes on live entries, newest first, each with its entry (one query per page)."""
    return Correction.objects.public().select_related("entry").order_by("-created", "-id")


def public_correction(pk: int) -> Correction:
    """The note `pk` if its entry is live; Http404 otherwise (a draft's notes never show)."""
    correction = public_corrections().filter(pk=pk).first()
    if correction is None:
        raise Http404("No correction on a published entry has this number.")
    return correction


# Public reading: list facets, archives, tag pages.


def public_entries() -> EntryQuerySet:
    """Published entries, newest event first, with card data: the base of every public list."""
    return with_card_data(Entry.objects.published().order_by("-event_date", "-id"))


def _matching_ids(entries: QuerySet[Entry]) -> QuerySet:
    """The ids of `entries` as a subquery, free of ordering and annotations."""
    return entries.order_by().values("pk")


def _top_tags(entries: QuerySet[Entry], *, limit: int, exclude: Tag | None = None) -> list[dict]:
    """The tags most common among `entries`: one grouped query, rows {"slug", "name", "count"}."""
    links = TaggedEntry.objects.filter(content_object__in=_matching_ids(entries))
    if exclude is not None:
        links = links.exclude(tag=exclude)
    rows = (
        links.values("tag__slug", "tag__name")
        .annotate(count=Count("content_object", distinct=True))
        .order_by("-count", "tag__name")[:limit]
    )
    return [{"slug": r["tag__slug"], "name": r["tag__name"], "count": r["count"]} for r in rows]


def tag_facets(entries: QuerySet[Entry], *, limit: int = 10) -> list[dict]:
    """The tags most common among `entries`, each with how many of them carry it.

    One grouped query; each row is {"slug", "name", "count"}: the number of results that adding
    this tag to an "all of" filter would leave.
    """
    return _top_tags(entries, limit=limit)


def publisher_facets(entries: QuerySet[Entry], *, limit: int = 10) -> list[dict]:
    """The publishers most cited by `entries`, each with how many of them cite it.

    One grouped query through the `citations` reverse relation; rows are {"slug", "name", "count"}.
    """
    slug, name = "citations__source__publisher__slug", "citations__source__publisher__name"
    rows = (
        Entry.objects.filter(pk__in=_matching_ids(entries), **{f"{slug}__isnull": False})
        .values(slug, name)
        .annotate(count=Count("pk", distinct=True))
        .order_by("-count", name)[:limit]
    )
    return [{"slug": r[slug], "name": r[name], "count": r["count"]} for r in rows]


def month_calendar(year: int, month: int) -> list[list[tuple[datetime.date, int | None]]]:
    """The month as weeks (Monday first) of (day, number of published entries or None).

    Days outside the month carry None; one grouped query counts the month's entries per day.
    """
    first = datetime.date(year, month, 1)
    last = datetime.date(year, month, calendar.monthrange(year, month)[1])
    counts = dict(
        Entry.objects.published()
        .filter(event_date__range=(first, last))
        .order_by()
        .values_list("event_date")
        .annotate(n=Count("pk"))
    )
    return [
        [(day, counts.get(day, 0) if day.month == month else None) for day in week]
        for week in calendar.Calendar(calendar.MONDAY).monthdatescalendar(year, month)
    ]


def tags_by_use() -> QuerySet:
    """Tags on published entries, most used first: rows of {"slug", "name", "count"}."""
    return (
        TaggedEntry.objects.filter(content_object__in=Entry.objects.published().values("pk"))
        .values(slug=F("tag__slug"), name=F("tag__name"))
        .annotate(count=Count("pk"))
        .order_by("-count", "name")
    )


class TagMoved(Exception):
    """The slug is a tag's old slug (renamed, merged) or an alias: readers go to `tag` (301)."""

    def __init__(self, tag: Tag):
        super().__init__(tag.slug)
        self.tag = tag


def _has_live_entry() -> Exists:
    return Exists(
        TaggedEntry.objects.filter(
            tag=OuterRef("pk"), content_object__in=Entry.objects.published().values("pk")
        )
    )


def public_tag(slug: str) -> Tag:
    """The tag at `slug` if at least one published entry carries it; Http404 otherwise.

    The one rule for "may readers see this tag": its page, its feeds and the sitemap agree, so
    a tag carried only by drafts or scheduled entries leaks nowhere. A slug no tag has that was
    a renamed or merged tag's (`TagRedirect`), or an alias's, raises TagMoved with the tag that
    answers for it now, under the same rule; the views turn that into a 301. A known tag costs
    one query, an old slug two.
    """
    tag = Tag.objects.filter(slug=slug).filter(_has_live_entry()).first()
    if tag is not None:
        return tag
    moved = (
        Tag.objects.filter(Q(redirects__old_slug=slug) | Q(aliases__slug=slug))
        .exclude(slug=slug)
        .filter(_has_live_entry())
        .order_by("pk")
        .first()
    )
    if moved is not None:
        raise TagMoved(moved)
    raise Http404("No published entry carries this tag.")


def entries_tagged(tag: Tag) -> QuerySet[Entry]:
    """Published entries carrying `tag`, newest first, with card data (no join duplicates)."""
    return public_entries().carrying(tag)


def co_occurring_tags(tag: Tag, *, limit: int = 10) -> list[dict]:
    """The tags that most often appear on published entries together with `tag`.

    One grouped query; rows are {"slug", "name", "count"}, count = entries carrying both.
    """
    return _top_tags(entries_tagged(tag), limit=limit, exclude=tag)


# Publishers: the pages, the list's publisher choices and the sitemap share one rule.


def public_publishers() -> QuerySet[Publisher]:
    """Publishers cited by at least one published entry, by name: the ones readers may see.

    A publisher cited only by drafts or scheduled entries is in none of the public lists, and
    its page is a 404 (`public_publisher`).
    """
    live_citations = Citation.objects.filter(
        source__publisher=OuterRef("pk"), entry__in=Entry.objects.published().values("pk")
    )
    return Publisher.objects.filter(Exists(live_citations)).order_by("name")


def public_publisher(slug: str) -> Publisher:
    """The publisher at `slug` if a published entry cites it; Http404 otherwise."""
    publisher = public_publishers().filter(slug=slug).first()
    if publisher is None:
        raise Http404("No published entry cites this publisher.")
    return publisher


def publishers_by_use() -> QuerySet[Publisher]:
    """Public publishers, most cited first, annotated with `entry_count` (live entries only)."""
    live = Entry.objects.published().values("pk")
    return (
        public_publishers()
        .filter(sources__citations__entry__in=live)
        .annotate(entry_count=Count("sources__citations__entry", distinct=True))
        .order_by("-entry_count", "name")
    )


def entries_citing(publisher: Publisher) -> QuerySet[Entry]:
    """Published entries that cite at least one of `publisher`'s sources, newest first."""
    return public_entries().filter(cites_publisher(publisher))


def citation_count(publisher: Publisher) -> int:
    """How many times published entries cite `publisher`'s sources (one COUNT query)."""
    return Citation.objects.filter(
        source__publisher=publisher, entry__in=Entry.objects.published().values("pk")
    ).count()


# The home page's window: its last few days, read in two queries whatever their size.


def latest_days(*, days: int = 5, limit: int = 80) -> QuerySet[Entry]:
    """Public entries of the latest `days` event dates that have any, at most `limit` of them.

    One query finds the oldest of those dates, the second reads the entries with card data, in
    the home page's order (newest day first, within a day the most recently published first).
    """
    dates = (
        Entry.objects.published()
        .order_by("-event_date")
        .values_list("event_date", flat=True)
        .distinct()[:days]
    )
    oldest = min(dates, default=None)
    if oldest is None:
        return Entry.objects.none()
    return latest_entries().filter(event_date__gte=oldest)[:limit]
