"""Public entry pages: thin views that read the request, call a selector and render."""

import functools
from typing import TYPE_CHECKING, cast

from django.contrib.sitemaps import views as sitemap_views
from django.db.models import QuerySet
from django.http import (
    HttpRequest,
    HttpResponse,
    HttpResponsePermanentRedirect,
    HttpResponseRedirect,
    JsonResponse,
)
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.views.generic import DetailView, ListView, TemplateView
from django.views.generic.dates import (
    DateDetailView,
    DayArchiveView,
    MonthArchiveView,
    YearArchiveView,
)
from django_filters.views import FilterView

from events.models import Entry
from events.related import related_entries
from events.textdiff import render_segments, word_diff

from . import cards, pagekeys, selectors, story_selectors
from . import sitemaps as sitemaps_module
from .filters import EntryFilter
from .pagination import CountedPaginator
from .querystrings import clean_query, filter_links

if TYPE_CHECKING:  # what the mixin below is always combined with
    from django.views.generic.dates import BaseDateListView as _DateListView
else:
    _DateListView = object


class HomeView(TemplateView):
    """The front page: developing stories with their latest update, today's entries by
    category and story, the ongoing stories beside them, then the previous days."""

    template_name = "events/home.html"
    days = 5

    def get_context_data(self, **kwargs):
        return super().get_context_data(**story_selectors.front_page(days=self.days), **kwargs)


class EntryDetailView(DateDetailView):
    """One entry at /YYYY/MM/DD/slug/; a draft is a 404 for readers, visible to staff."""

    template_name = "events/entry_detail.html"
    context_object_name = "entry"
    # Named, so the date lookup does not build the page's queryset a second time to find it.
    model = Entry
    date_field = "event_date"
    month_format = "%m"
    day_format = "%d"
    allow_future = True

    def get_queryset(self):
        return selectors.entry_for_page(self.request.user)

    def get_context_data(self, **kwargs):
        entry = self.object
        pagekeys.add_page_keys(
            [pagekeys.entry_key(entry.pk), pagekeys.comments_key(entry.pk)]
            + [pagekeys.tag_name_key(tag.slug) for tag in entry.card_tags]
            + [pagekeys.related_key(tag.slug) for tag in entry.card_tags]
        )
        return super().get_context_data(card=cards.card(self.object, cards.Links()), **kwargs)

    def render_to_response(self, context, **response_kwargs):
        response = super().render_to_response(context, **response_kwargs)
        if not self.object.is_live:
            # A staff preview of a draft, an entry in review or a scheduled one: never stored
            # by a shared cache, never reused without asking.
            response["Cache-Control"] = "private, no-cache"
        return response


# Public reading: the filterable list, date archives and tag pages.


class EntryListView(FilterView):
    """/events/: every published entry, narrowed by the EntryFilter, with facet counts beside.

    Unfiltered, the count and facets come from trigger-kept counts; narrowed, they are counted
    over at most COUNT_CAP + 1 matches and shown as "1,000+" past that (pages stop there too).
    """

    filterset_class = EntryFilter
    template_name = "events/entry_list.html"
    context_object_name = "entries"
    paginate_by = 50
    NARROWING = ("q", "tag", "publisher", "from", "to")

    def get(self, request, *args, **kwargs):
        """A submitted form's empty and default fields are dropped by one redirect."""
        pairs = [(k, v) for k, values in request.GET.lists() for v in values]
        query = clean_query(pairs)
        if query is not None:
            return HttpResponseRedirect(f"{request.path}?{query}" if query else request.path)
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        return selectors.public_entries()

    def narrowed(self) -> bool:
        data = getattr(self.filterset.form, "cleaned_data", {})
        return any(data.get(name) for name in self.NARROWING)

    def get_paginator(self, queryset, per_page, orphans=0, allow_empty_first_page=True, **kwargs):
        if self.filterset.is_bound and not self.filterset.is_valid():
            return super().get_paginator(
                queryset, per_page, orphans, allow_empty_first_page, **kwargs
            )
        if not self.narrowed():
            return CountedPaginator(queryset, per_page, count=selectors.live_entry_count())
        count = selectors.capped_count(queryset)
        capped = count > selectors.COUNT_CAP
        return CountedPaginator(
            queryset, per_page, count=min(count, selectors.COUNT_CAP), capped=capped
        )

    def facets(self, paginator) -> tuple[list[dict], list[dict]]:
        if not self.narrowed():
            return selectors.live_tag_facets(), selectors.live_publisher_facets()
        capped = getattr(paginator, "capped", False)
        return (
            [{**row, "capped": capped} for row in selectors.tag_facets(self.object_list)],
            [{**row, "capped": capped} for row in selectors.publisher_facets(self.object_list)],
        )

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        filters = filter_links(self.filterset)
        tag_facets, publisher_facets = self.facets(context["paginator"])
        context.update(
            query_string=filters.query_string,
            active_filters=filters.active,
            tag_facets=[
                {**row, "url": filters.adding("tag", row["slug"])}
                for row in tag_facets
                if ("tag", row["slug"]) not in filters.params
            ],
            publisher_facets=[
                {**row, "url": filters.replacing("publisher", row["slug"])}
                for row in publisher_facets
                if ("publisher", row["slug"]) not in filters.params
            ],
            searching=bool(getattr(self.filterset.form, "cleaned_data", {}).get("q")),
        )
        if context["searching"]:
            # Which entries match, and their snippets, follow their text: any edit purges it.
            pagekeys.add_page_keys([pagekeys.EDITS])
        return context


class PublishedArchiveMixin(_DateListView):
    """What every date archive shares: published entries by event date, paged, 404 when empty.

    Empty periods are 404s and the previous/next links skip them (allow_empty = False makes
    Django's date views look for the nearest period that has entries).
    """

    date_field = "event_date"
    month_format = "%m"
    day_format = "%d"
    allow_empty = False
    allow_future = True
    paginate_by = 50
    context_object_name = "entries"

    def get_queryset(self):
        return Entry.objects.published().order_by("-event_date", "-id")

    def get_dated_items(self):
        date_list, entries, extra = super().get_dated_items()
        # Always a QuerySet here; the stubs allow any collection for date list views in general.
        return date_list, selectors.with_card_data(cast(QuerySet[Entry], entries)), extra


class EntryYearArchiveView(PublishedArchiveMixin, YearArchiveView):
    """/2014/: the year's entries grouped by day, with links to its months."""

    template_name = "events/archive_year.html"
    make_object_list = True


class EntryMonthArchiveView(PublishedArchiveMixin, MonthArchiveView):
    """/2014/02/: the month's entries grouped by day, under a calendar of the month."""

    template_name = "events/archive_month.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        month = context["month"]
        context["calendar"] = selectors.month_calendar(month.year, month.month)
        return context


class EntryDayArchiveView(PublishedArchiveMixin, DayArchiveView):
    """/2014/02/19/: the day's entries."""

    template_name = "events/archive_day.html"


def follow_moved(view):
    """Wrap a tag's or publisher's page or feed: an old or alias slug (`selectors.Moved`)
    answers 301.

    The redirect goes to the same kind of page (page, RSS, Atom) of the tag or publisher that
    answers for the slug now, keeping the query string (a page number).
    """

    @functools.wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs):
        try:
            return view(request, *args, **kwargs)
        except selectors.Moved as moved:
            assert request.resolver_match is not None  # only ever routed by a URL pattern
            url = reverse(request.resolver_match.view_name, kwargs={"slug": moved.slug})
            query = request.META.get("QUERY_STRING", "")
            return HttpResponsePermanentRedirect(f"{url}?{query}" if query else url)

    return wrapper


class TagIndexView(ListView):
    """/tags/: tags on published entries, most used first."""

    template_name = "events/tag_index.html"
    context_object_name = "tags"
    paginate_by = 100

    def get_queryset(self):
        return selectors.tags_by_use()


class TagDetailView(ListView):
    """/tags/<slug>/: the tag's published entries by month, its count and its companions.

    A tag with no published entry is a 404 (`selectors.public_tag`), so draft-only tags do not
    leak; its feeds apply the same rule.
    """

    template_name = "events/tag_detail.html"
    context_object_name = "entries"
    paginate_by = 50

    def get_queryset(self):
        self.tag = selectors.public_tag(self.kwargs["slug"])
        return selectors.entries_tagged(self.tag)

    def get_paginator(self, queryset, per_page, orphans=0, allow_empty_first_page=True, **kwargs):
        count = selectors.live_tag_count(self.tag)
        return CountedPaginator(queryset, per_page, orphans, allow_empty_first_page, count=count)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["tag"] = self.tag
        # Counted over at most COUNT_CAP + 1 of the tag's entries: lower bounds past that.
        capped = context["paginator"].count > selectors.COUNT_CAP
        context["co_occurring"] = [
            {**row, "capped": capped} for row in selectors.co_occurring_tags(self.tag)
        ]
        return context


def related_json(request: HttpRequest, pk: int) -> JsonResponse:
    """The "Related" widget of a live entry as JSON, for other pages; 404 unless live."""
    entry = get_object_or_404(Entry.objects.published(), pk=pk)
    return JsonResponse(
        {
            "entry": entry.pk,
            "related": [
                {
                    "id": item.pk,
                    "date": item.event_date.isoformat(),
                    "headline": item.headline,
                    "url": item.get_absolute_url(),
                    "score": item.score,
                    "context": item.shared_tags,
                }
                for item in related_entries(entry)
            ],
        }
    )


class PublisherIndexView(ListView):
    """/sources/: publishers cited by published entries, most cited first."""

    template_name = "sources/publisher_index.html"
    context_object_name = "publishers"
    paginate_by = 100

    def get_queryset(self):
        return selectors.publishers_by_use()


class PublisherDetailView(ListView):
    """/sources/<slug>/: the published entries citing this publisher, newest first.

    A publisher no published entry cites is a 404 (`selectors.public_publisher`).
    """

    template_name = "sources/publisher_detail.html"
    context_object_name = "entries"
    paginate_by = 50

    def get(self, request, *args, **kwargs):
        self.publisher = selectors.public_publisher(kwargs["slug"])
        self.count = selectors.live_publisher_count(self.publisher)
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        return selectors.entries_citing(self.publisher)

    def get_paginator(self, queryset, per_page, orphans=0, allow_empty_first_page=True, **kwargs):
        return CountedPaginator(
            queryset, per_page, orphans, allow_empty_first_page, count=self.count
        )

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["publisher"] = self.publisher
        context["citation_count"] = selectors.citation_count(self.publisher)
        return context


class CorrectionListView(ListView):
    """/corrections/: every correction, clarification and update on live entries, newest first."""

    template_name = "events/correction_list.html"
    context_object_name = "corrections"
    paginate_by = 50

    def get_queryset(self):
        return selectors.public_corrections()


class CorrectionDetailView(DetailView):
    """/corrections/<id>/: what one note changed, the published text before against after.

    Both texts are the ones readers saw (kept on the note when it was added), never a draft.
    """

    template_name = "events/correction_detail.html"
    context_object_name = "correction"

    def get_object(self, queryset=None):
        return selectors.public_correction(self.kwargs["pk"])

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        correction = self.object
        context["headline_diff"] = render_segments(
            word_diff(correction.headline_before, correction.headline_after)
        )
        context["body_diff"] = render_segments(
            word_diff(correction.body_before, correction.body_after)
        )
        return context


def sitemap_section(request: HttpRequest, sitemaps: dict, section: str) -> HttpResponse:
    """Django's sitemap view for one section, its XML written by `sitemaps.urlset_xml`.

    Django's view pages the section, answers 404 for a page out of range or not a number, and
    sets the headers (X-Robots-Tag, Last-Modified when every URL has a date); only the
    rendering of its template is replaced, by the same text built in Python.
    """
    response = sitemap_views.sitemap(request, sitemaps, section=section)
    context = response.context_data
    assert context is not None  # a TemplateResponse, not rendered yet
    fast = HttpResponse(sitemaps_module.urlset_xml(context["urlset"]), status=response.status_code)
    for header, value in response.items():
        fast[header] = value
    return fast


def sitemap_index(request: HttpRequest, sitemaps: dict, **kwargs) -> HttpResponse:
    """Django's sitemap index, without the entry section's pages that hold no live entry."""
    response = sitemap_views.index(request, sitemaps, **kwargs)
    section = next(
        (name for name, site in sitemaps.items() if site is sitemaps_module.EntrySitemap), None
    )
    if section is None:
        return response
    live = sitemaps_module.EntrySitemap().live_pages()
    first = f"/sitemap-{section}.xml"

    def empty(location: str) -> bool:
        if location.endswith(first):
            return 1 not in live
        head, _, page = location.rpartition("?p=")
        return head.endswith(first) and page.isdigit() and int(page) not in live

    context = response.context_data
    assert context is not None  # a TemplateResponse, not rendered yet
    context["sitemaps"] = [item for item in context["sitemaps"] if not empty(item.location)]
    return response
