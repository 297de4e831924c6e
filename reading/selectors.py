"""Reads that feed public pages, composing entries with their citations and comments.

Each runs a fixed number of queries whatever the page size.
"""

import calendar
import datetime
from collections import Counter
from typing import TypeVar

from django.db.models import (
    Case,
    Count,
    Exists,
    F,
    Func,
    IntegerField,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.http import Http404
from taggit.models import Tag

from comments.selectors import approved_comment_count
from events.models import (
    Correction,
    Entry,
    EntryQuerySet,
    PublishedDayCount,
    PublishedEntryCount,
    PublishedTagCount,
    TaggedEntry,
)
from sources.models import (
    Citation,
    Publisher,
    PublisherCitationCount,
    PublisherCount,
    PublisherEntry,
)
from sources.selectors import cites_publisher, merged_publisher


def _citations_prefetch(*, sources: bool) -> Prefetch:
    """An entry's citations in the editor's order, as the list `card_citations`, each with its
    publisher's name as `publisher_name` (None when the source has no publisher): all that a
    card's "3 sources from 2 publishers" needs.

    With `sources`, each citation's source and publisher are joined in as well, for the pages
    that list the sources. Without, a list page builds one small row object per citation rather
    than three full model instances, which on an 80-card page was a seventh of its time.
    """
    citations = Citation.objects.annotate(publisher_name=F("source__publisher__name"))
    if sources:
        citations = citations.select_related("source__publisher")
    else:
        citations = citations.only("entry_id")
    return Prefetch("citations", queryset=citations, to_attr="card_citations")


FEED_SIZE = 50  # entries per RSS or Atom feed

_Entries = TypeVar("_Entries", bound=QuerySet[Entry])


def with_card_data(entries: _Entries, *, sources: bool = False) -> _Entries:
    """Attach what an entry card shows: tags, its citations' publishers, comment count; with
    `sources`, each citation's source and publisher too (pages that list the sources).

    The entry's story is joined into the entries' own query. Two extra queries for the whole
    page (tags; citations joined to sources and publishers), never one per entry. They land in
    plain lists, `card_tags` and `card_citations`, rather than in the managers' caches: filling
    a manager's cache builds a QuerySet per entry, which cost more than the queries.
    `approved_comment_count` is computed in the entries' own query, as a subquery rather than a
    join, so it needs no GROUP BY and other filters cannot inflate it.
    """
    return (
        entries.select_related("story_membership__story")
        .prefetch_related(
            Prefetch("tags", to_attr="card_tags"), _citations_prefetch(sources=sources)
        )
        .annotate(approved_comment_count=approved_comment_count())
    )


def latest_entries() -> QuerySet[Entry]:
    """The home page's list: public entries, within a day the most recently published first."""
    return public_entries().order_by("-event_date", "-publish_at", "-id")


def entry_for_page(user) -> QuerySet[Entry]:
    """The queryset an entry page is looked up in: live entries, or drafts too for staff.

    Besides the card data, the entry's corrections and updates, oldest first (one query).
    """
    return with_card_data(
        Entry.objects.visible_to(user).select_related("author"), sources=True
    ).prefetch_related(
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


def feed_entries(tag: Tag | None = None) -> QuerySet[Entry]:
    """A feed's items: the newest published entries (by publish time, so a late-filed story
    still shows up), optionally only those carrying `tag`, with their tags as `card_tags` (one
    extra query). Feeds print no sources or comment counts, so they load none.
    """
    entries = Entry.objects.published()
    if tag is not None:
        entries = entries.carrying(tag)
    return entries.prefetch_related(Prefetch("tags", to_attr="card_tags")).order_by(
        "-publish_at", "-id"
    )[:FEED_SIZE]


# Filtered lists count at most this many matches; past it counts are shown as lower bounds
# ("1,000+"), so no request aggregates over the whole archive.
COUNT_CAP = 1000


def _matching_ids(entries: QuerySet[Entry]) -> QuerySet:
    """The ids of `entries` as a subquery, free of ordering and annotations."""
    return entries.order_by().values("pk")


def _sample_ids(entries: QuerySet[Entry]) -> QuerySet:
    """At most COUNT_CAP + 1 ids of `entries`, in no particular order: LIMIT before aggregate."""
    return _matching_ids(entries)[: COUNT_CAP + 1]


def capped_count(entries: QuerySet[Entry]) -> int:
    """How many `entries` there are, counting no further than COUNT_CAP + 1."""
    return _sample_ids(entries).count()


def live_entry_count() -> int:
    """How many entries are live: the trigger-kept published count minus the scheduled ones.

    One query reading one row and the (few) scheduled entries, whatever the archive's size.
    """
    scheduled = Entry.objects.scheduled().order_by().values(n=Func(F("pk"), function="COUNT"))
    row = (
        PublishedEntryCount.objects.filter(pk=1)
        .values_list(F("entries") - Subquery(scheduled, output_field=IntegerField()), flat=True)
        .first()
    )
    return row or 0


def live_tag_count(tag: Tag) -> int:
    """How many live entries carry `tag`: its kept count minus its scheduled entries (one query)."""
    scheduled = (
        TaggedEntry.objects.filter(
            tag=tag, content_object__in=Entry.objects.scheduled().values("pk")
        )
        .order_by()
        .values(n=Func(F("pk"), function="COUNT"))
    )
    row = (
        PublishedTagCount.objects.filter(tag=tag)
        .values_list(F("entries") - Subquery(scheduled, output_field=IntegerField()), flat=True)
        .first()
    )
    return row or 0


def live_publisher_count(publisher: Publisher) -> int:
    """How many live entries cite `publisher`: its kept count minus scheduled ones (one query)."""
    scheduled = (
        Entry.objects.scheduled()
        .filter(cites_publisher(publisher))
        .order_by()
        .values(n=Func(F("pk"), function="COUNT"))
    )
    row = (
        PublisherCount.objects.filter(publisher=publisher)
        .values_list(F("entries") - Subquery(scheduled, output_field=IntegerField()), flat=True)
        .first()
    )
    return row or 0


def _rows(rows, key: str) -> list[dict]:
    return [
        {"slug": r[f"{key}__slug"], "name": r[f"{key}__name"], "count": r["count"]} for r in rows
    ]


def _live_top(kept: QuerySet, scheduled: Counter, key: str, *, limit: int) -> list[dict]:
    """The `limit` highest live counts from a kept-count table, exact.

    Subtracting the scheduled entries only lowers counts, and at most len(scheduled) rows are
    lowered, so the true top `limit` lies within the kept top `limit + len(scheduled)`.
    """
    rows = (
        kept.filter(entries__gt=0)
        .values(f"{key}_id", f"{key}__slug", f"{key}__name", count=F("entries"))
        .order_by("-entries", f"{key}__name")[: limit + len(scheduled)]
    )
    live = [{**r, "count": r["count"] - scheduled[r[f"{key}_id"]]} for r in rows]
    live = sorted(
        (r for r in live if r["count"] > 0), key=lambda r: (-r["count"], r[f"{key}__name"])
    )
    return _rows(live[:limit], key)


def _scheduled_per_tag() -> Counter:
    """Tag id -> how many scheduled entries carry it (bounded by the few scheduled entries)."""
    return Counter(
        dict(
            TaggedEntry.objects.filter(content_object__in=Entry.objects.scheduled().values("pk"))
            .values_list("tag")
            .annotate(n=Count("pk"))
        )
    )


def _scheduled_per_publisher() -> Counter:
    """Publisher id -> how many scheduled entries cite it."""
    return Counter(
        dict(
            Citation.objects.filter(
                entry__in=Entry.objects.scheduled().values("pk"), source__publisher__isnull=False
            )
            .values_list("source__publisher")
            .annotate(n=Count("entry", distinct=True))
        )
    )


def _minus(kept, scheduled: Counter, key: str):
    """`kept` (an expression) minus the scheduled count of the row's `key`, as SQL."""
    if not scheduled:
        return kept
    return kept - Case(
        *(When(**{key: pk}, then=Value(n)) for pk, n in scheduled.items()),
        default=Value(0),
        output_field=IntegerField(),
    )


def live_tag_facets(*, limit: int = 10) -> list[dict]:
    """`tag_facets` of the unfiltered list, from the trigger-kept counts: two small queries."""
    return _live_top(PublishedTagCount.objects.all(), _scheduled_per_tag(), "tag", limit=limit)


def live_publisher_facets(*, limit: int = 10) -> list[dict]:
    """`publisher_facets` of the unfiltered list, from the trigger-kept counts: two queries."""
    return _live_top(
        PublisherCount.objects.all(), _scheduled_per_publisher(), "publisher", limit=limit
    )


def _top_tags(entries: QuerySet[Entry], *, limit: int, exclude: Tag | None = None) -> list[dict]:
    """The tags most common among (a sample of) `entries`: rows {"slug", "name", "count"}.

    Aggregates over at most COUNT_CAP + 1 entries; exact when there are no more than COUNT_CAP.
    """
    links = TaggedEntry.objects.filter(content_object__in=_sample_ids(entries))
    if exclude is not None:
        links = links.exclude(tag=exclude)
    rows = (
        links.values("tag__slug", "tag__name")
        .annotate(count=Count("content_object", distinct=True))
        .order_by("-count", "tag__name")[:limit]
    )
    return _rows(rows, "tag")


def tag_facets(entries: QuerySet[Entry], *, limit: int = 10) -> list[dict]:
    """The tags most common among `entries`, each with how many of them carry it.

    One grouped query; each row is {"slug", "name", "count"}: the number of results that adding
    this tag to an "all of" filter would leave. Counted over at most COUNT_CAP + 1 of the
    entries: when there are more (`capped_count` says so), the counts are lower bounds.
    """
    return _top_tags(entries, limit=limit)


def publisher_facets(entries: QuerySet[Entry], *, limit: int = 10) -> list[dict]:
    """The publishers most cited by `entries`, each with how many of them cite it.

    One grouped query over the kept (entry, publisher) pairs (`sources.PublisherEntry`, one row
    per entry citing the publisher however many of its sources it cites), read by entry through
    its primary key; rows are {"slug", "name", "count"}. Counted over at most COUNT_CAP + 1 of
    the entries, like `tag_facets`.
    """
    slug, name = "publisher__slug", "publisher__name"
    rows = (
        PublisherEntry.objects.filter(entry__in=_sample_ids(entries), publisher__slug__isnull=False)
        .values(slug, name)
        .annotate(count=Count("entry"))
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


def live_days() -> QuerySet:
    """The event dates that have live entries, newest first (a values_list of dates).

    From the trigger-kept per-day counts minus the scheduled entries' days: one row per day,
    never a scan of every entry.
    """
    scheduled = Counter(
        dict(Entry.objects.scheduled().order_by().values_list("event_date").annotate(n=Count("pk")))
    )
    count = _minus(F("entries"), scheduled, "event_date")
    return (
        PublishedDayCount.objects.annotate(count=count)
        .filter(count__gt=0)
        .order_by("-event_date")
        .values_list("event_date", flat=True)
    )


def tags_by_use() -> QuerySet:
    """Tags on published entries, most used first: rows of {"slug", "name", "count"}.

    From the trigger-kept counts (one row per tag) minus the scheduled entries' tags: one small
    query for those, then one over the tags, never over every tag link.
    """
    count = _minus(F("entries"), _scheduled_per_tag(), "tag_id")
    return (
        PublishedTagCount.objects.annotate(count=count)
        .filter(count__gt=0)
        .values("count", slug=F("tag__slug"), name=F("tag__name"))
        .order_by("-count", "name")
    )


class Moved(Exception):
    """The slug is one a tag or publisher had before a rename or merge, or a tag alias: readers
    go to `slug`, the one that answers for it now (301, `reading.views.follow_moved`)."""

    def __init__(self, slug: str):
        super().__init__(slug)
        self.slug = slug


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
    a renamed or merged tag's (`TagRedirect`), or an alias's, raises Moved with the slug of the
    tag that answers for it now, under the same rule; the views turn that into a 301. A known
    tag costs one query, an old slug two.
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
        raise Moved(moved.slug)
    raise Http404("No published entry carries this tag.")


def entries_tagged(tag: Tag) -> QuerySet[Entry]:
    """Published entries carrying `tag`, newest first, with card data (no join duplicates)."""
    return public_entries().carrying(tag)


def co_occurring_tags(tag: Tag, *, limit: int = 10) -> list[dict]:
    """The tags that most often appear on published entries together with `tag`.

    One grouped query; rows are {"slug", "name", "count"}, count = entries carrying both,
    counted over at most COUNT_CAP + 1 of the tag's entries (lower bounds past that).
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
    """The publisher at `slug` if a published entry cites it; Http404 otherwise.

    A slug no publisher has that was a merged publisher's (`PublisherRedirect`) raises Moved
    with the slug of the publisher it became, when that one is public.
    """
    publisher = public_publishers().filter(slug=slug).first()
    if publisher is not None:
        return publisher
    target = merged_publisher(slug)
    if target is not None and public_publishers().filter(pk=target.pk).exists():
        raise Moved(target.slug)
    raise Http404("No published entry cites this publisher.")


def public_publisher_named(text: str) -> Publisher | None:
    """The public publisher whose slug or name (any case) is `text`, or the one a merged
    publisher's old slug now points to; None when no published entry cites such a publisher.
    """
    found = public_publishers().filter(Q(slug=text) | Q(name__iexact=text)).first()
    if found is None and (moved := merged_publisher(text)) is not None:
        found = public_publishers().filter(pk=moved.pk).first()
    return found


def publishers_by_use() -> QuerySet[Publisher]:
    """Public publishers, most cited first, annotated with `entry_count` (live entries only).

    From the trigger-kept counts minus the scheduled entries citing each publisher.
    """
    kept = Subquery(
        PublisherCount.objects.filter(publisher=OuterRef("pk")).values("entries"),
        output_field=IntegerField(),
    )
    return (
        Publisher.objects.annotate(entry_count=_minus(kept, _scheduled_per_publisher(), "pk"))
        .filter(entry_count__gt=0)
        .order_by("-entry_count", "name")
    )


def entries_citing(publisher: Publisher) -> QuerySet[Entry]:
    """Published entries that cite at least one of `publisher`'s sources, newest first.

    Read from the kept list of the publisher's entries (`sources.PublisherEntry`, the pairs
    `cites_publisher` finds, kept by triggers): its index is walked newest first and each entry
    joined and checked against `published()`, so a page reads its fifty rows and the ones
    before it, never every citation of the publisher.
    """
    return (
        public_entries()
        .filter(publisher_rows__publisher=publisher)
        .order_by("-publisher_rows__event_date", "-publisher_rows__entry_id")
    )


def citation_count(publisher: Publisher) -> int:
    """How many times live entries cite `publisher`'s sources: its trigger-kept citation count
    minus the citations of the (few) scheduled entries (one query, whatever its size)."""
    scheduled = (
        Citation.objects.filter(
            entry__in=Entry.objects.scheduled().values("pk"), source__publisher=publisher
        )
        .order_by()
        .values(n=Func(F("pk"), function="COUNT"))
    )
    row = (
        PublisherCitationCount.objects.filter(publisher=publisher)
        .values_list(F("citations") - Subquery(scheduled, output_field=IntegerField()), flat=True)
        .first()
    )
    return row or 0


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
