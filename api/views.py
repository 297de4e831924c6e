"""The read API, /api/v1/: thin django-ninja operations over the API selectors.

Each operation reads its parameters (validated by the schemas in api/schemas.py, and for the
entry list by the same EntryFilter as /events/), calls a selector and returns plain data that
ninja checks against the response schema. Errors are 4xx JSON naming the parameter at fault.
"""

import datetime

from django.http import Http404, HttpRequest, HttpResponsePermanentRedirect
from django.urls import reverse
from ninja import NinjaAPI, Path, Query
from ninja.errors import ValidationError

from events.markdown import render_markdown
from events.related import related_entries
from reading.filters import EntryFilter
from reading.selectors import Moved
from reading.templatetags.reading import absolute_url
from stories.selectors import is_key_event, story_of

from . import changes, keyset, selectors
from .docs import ReferenceDocs
from .schemas import (
    ChangesPage,
    ChangesQuery,
    EntryDetailOut,
    EntryPage,
    EntryQuery,
    ErrorOut,
    PageQuery,
    PublisherDetailOut,
    PublisherPage,
    StoryDetailOut,
    StoryPage,
    StoryQuery,
    TagDetailOut,
    TagPage,
)

api = NinjaAPI(
    title="Newsroom read API",
    version="1",
    description=(
        "Read-only, anonymous JSON over the published archive: entries with the filters of "
        "/events/, tags, publishers, days, and a changes feed from which a mirror stays exact. "
        "Lists are paged by cursor; every 4xx is `{errors: [{parameter, message}]}`."
    ),
    urls_namespace="api-v1",
    docs_url="/docs/",
    docs=ReferenceDocs(),
    openapi_url="/openapi.json",
)

ERRORS = {400: ErrorOut, 404: ErrorOut, 429: ErrorOut}
# A tag's or publisher's old, merged or alias slug: 301, Location the resource at its slug now.
MOVED = {301: None}
MAX_ID = keyset.MAX_INT


class ParameterError(Exception):
    """A 4xx answer naming the parameter at fault."""

    def __init__(self, parameter: str | None, message: str, *, status: int = 400):
        super().__init__(message)
        self.parameter, self.message, self.status = parameter, message, status


def _errors(request, items: list[tuple[str | None, str]], status: int):
    return api.create_response(
        request,
        {"errors": [{"parameter": p, "message": m} for p, m in items]},
        status=status,
    )


@api.exception_handler(ParameterError)
def parameter_error(request, error: ParameterError):
    return _errors(request, [(error.parameter, error.message)], error.status)


@api.exception_handler(ValidationError)
def validation_error(request, error: ValidationError):
    items = []
    for item in error.errors:
        location = [str(part) for part in item.get("loc", ()) if not isinstance(part, int)]
        # ninja puts the source first ("query", "path") and may name the schema argument.
        names = [p for p in location if p not in ("query", "path", "filters", "page", "params")]
        items.append((names[0] if names else None, str(item.get("msg", "Invalid value."))))
    return _errors(request, items or [(None, "Invalid request.")], 400)


@api.exception_handler(Http404)
def not_found(request, error: Http404):
    return _errors(request, [(None, str(error) or "Not found.")], 404)


@api.exception_handler(Moved)
def moved(request, moved: Moved):
    """301 to the same operation under the slug that answers now, as the HTML pages do
    (`reading.views.follow_moved`); the API accepts no query string on these operations."""
    assert request.resolver_match is not None  # only ever routed by a URL pattern
    name = f"{request.resolver_match.namespace}:{request.resolver_match.url_name}"
    return HttpResponsePermanentRedirect(reverse(name, kwargs={"slug": moved.slug}))


def accept_only(request: HttpRequest, *schemas) -> None:
    """Refuse query parameters the operation does not know: a typo should not pass silently."""
    known = set()
    for schema in schemas:
        for name, field in schema.model_fields.items():
            known.add(field.alias or name)
    unknown = sorted(set(request.GET) - known)
    if unknown:
        raise ParameterError(unknown[0], f"Unknown parameter {unknown[0]!r}.")


def _cursor_page(request: HttpRequest, queryset, *, cursor, limit, parameter="cursor") -> dict:
    try:
        page = keyset.paginate(queryset, cursor=cursor, limit=limit)
    except keyset.BadCursor as error:
        raise ParameterError(parameter, f"Not a cursor of this list: {error}.") from None
    following = None
    if page.next_cursor:
        query = request.GET.copy()
        query[parameter] = page.next_cursor
        following = request.build_absolute_uri(f"{request.path}?{query.urlencode()}")
    return {"rows": page.rows, "next_cursor": page.next_cursor, "next": following}


# Serialisation: plain dicts, read from prefetched rows only.


def entry_data(request: HttpRequest, entry) -> dict:
    context = {"request": request}
    return {
        "id": entry.pk,
        "date": entry.event_date,
        "headline": entry.headline,
        "slug": entry.slug,
        "body_markdown": entry.body,
        "body_html": str(render_markdown(entry.body)) if entry.body else "",
        "tags": [
            {"id": t.pk, "name": t.name, "slug": t.slug}
            for t in sorted(entry.tags.all(), key=lambda t: (t.name, t.pk))
        ],
        "sources": [
            {
                "url": c.source.url,
                "title": c.source.title,
                "publisher": (
                    {"name": c.source.publisher.name, "slug": c.source.publisher.slug}
                    if c.source.publisher
                    else None
                ),
                "byline": c.source.byline,
                "published_on": c.source.published_on,
            }
            for c in entry.citations.all()
        ],
        "url": absolute_url(context, entry.get_absolute_url()),
        "published_at": entry.publish_at,
        "modified_at": entry.updated,
        "story": _entry_story(context, entry),
    }


def _story_ref(context: dict, story) -> dict:
    return {
        "id": story.pk,
        "name": story.name,
        "slug": story.slug,
        "status": story.status,
        "url": absolute_url(context, story.get_absolute_url()),
    }


def _entry_story(context: dict, entry) -> dict | None:
    story = story_of(entry)
    if story is None:
        return None
    return {**_story_ref(context, story), "key": is_key_event(entry)}


def story_data(request: HttpRequest, story) -> dict:
    return {
        **_story_ref({"request": request}, story),
        "category": story.category,
        "category_name": story.get_category_display() if story.category else "",
        "started": story.started,
        "updated": story.updated,
        "entry_count": story.live_entries,
        "latest_at": story.latest,
    }


def _entry_page(request, queryset, page: PageQuery) -> dict:
    found = _cursor_page(request, queryset, cursor=page.cursor, limit=page.limit)
    return {
        "results": [entry_data(request, entry) for entry in found["rows"]],
        "next_cursor": found["next_cursor"],
        "next": found["next"],
    }


# Operations.


@api.get("/entries/", response={200: EntryPage, **ERRORS}, operation_id="listEntries")
def list_entries(request, filters: Query[EntryQuery]):
    """Published entries with the filters of /events/, newest event first (or by relevance)."""
    accept_only(request, EntryQuery)
    filterset = EntryFilter(data=request.GET, queryset=selectors.api_entries(), request=request)
    if not filterset.is_valid():
        raise_form_errors(filterset.form.errors)
    return _entry_page(request, filterset.qs, filters)


def raise_form_errors(errors) -> None:
    field, messages = next(iter(errors.items()))
    raise ParameterError("from" if field == "__all__" else field, " ".join(messages))


@api.get("/entries/{id}/", response={200: EntryDetailOut, **ERRORS}, operation_id="getEntry")
def get_entry(request, id: int = Path(..., ge=1, le=MAX_ID)):
    """One published entry with its related stories (scores and shared tags)."""
    accept_only(request)
    entry = selectors.live_entries_by_id([id]).get(id)
    if entry is None:
        raise ParameterError("id", f"No published entry has id {id}.", status=404)
    data = entry_data(request, entry)
    data["related"] = [
        {
            "id": item.pk,
            "date": item.event_date,
            "headline": item.headline,
            "url": absolute_url({"request": request}, item.get_absolute_url()),
            "score": item.score,
            "shared_tags": item.shared_tags,
        }
        for item in related_entries(entry)
    ]
    return data


@api.get("/days/{day}/", response={200: EntryPage, **ERRORS}, operation_id="listDay")
def list_day(request, day: Path[datetime.date], page: Query[PageQuery]):
    """The published entries of one event date (YYYY-MM-DD), newest first; empty if none."""
    accept_only(request, PageQuery)
    return _entry_page(request, selectors.api_entries().filter(event_date=day), page)


@api.get("/tags/", response={200: TagPage, **ERRORS}, operation_id="listTags")
def list_tags(request, page: Query[PageQuery]):
    """Tags carried by published entries, by slug, each with its count of live entries."""
    accept_only(request, PageQuery)
    found = _cursor_page(request, selectors.public_tags(), cursor=page.cursor, limit=page.limit)
    return {
        "results": [
            {"id": r["tag_id"], "name": r["name"], "slug": r["slug"], "count": r["count"]}
            for r in found["rows"]
        ],
        "next_cursor": found["next_cursor"],
        "next": found["next"],
    }


@api.get("/tags/{slug}/", response={200: TagDetailOut, **MOVED, **ERRORS}, operation_id="getTag")
def get_tag(request, slug: Path[str]):
    """A tag that a published entry carries, with its count and the tags seen with it.

    A renamed or merged tag's old slug, or an alias's, answers 301 to the tag at its slug now.
    """
    accept_only(request)
    try:
        tag = selectors.public_tag_with_count(slug)
    except Http404:
        raise ParameterError(
            "slug", f"No published entry carries a tag {slug!r}.", status=404
        ) from None
    tag["co_occurring"] = selectors.co_occurring(tag.pop("tag"))
    return tag


@api.get("/publishers/", response={200: PublisherPage, **ERRORS}, operation_id="listPublishers")
def list_publishers(request, page: Query[PageQuery]):
    """Publishers cited by published entries, by slug, with their counts of live entries."""
    accept_only(request, PageQuery)
    found = _cursor_page(
        request, selectors.public_publishers(), cursor=page.cursor, limit=page.limit
    )
    return {
        "results": [
            {"name": p.name, "slug": p.slug, "homepage": p.homepage, "entry_count": p.entry_count}
            for p in found["rows"]
        ],
        "next_cursor": found["next_cursor"],
        "next": found["next"],
    }


@api.get(
    "/publishers/{slug}/",
    response={200: PublisherDetailOut, **MOVED, **ERRORS},
    operation_id="getPublisher",
)
def get_publisher(request, slug: Path[str]):
    """A publisher that published entries cite, with entry and citation counts.

    A merged publisher's old slug answers 301 to the publisher it became.
    """
    accept_only(request)
    try:
        p = selectors.public_publisher_with_counts(slug)
    except Http404:
        raise ParameterError(
            "slug", f"No published entry cites a publisher {slug!r}.", status=404
        ) from None
    return {
        "name": p.name,
        "slug": p.slug,
        "homepage": p.homepage,
        "entry_count": p.entry_count,
        "citation_count": p.citation_count,
    }


@api.get("/stories/", response={200: StoryPage, **ERRORS}, operation_id="listStories")
def list_stories(request, params: Query[StoryQuery]):
    """Stories with a published entry, by slug; narrow by status and category."""
    accept_only(request, StoryQuery)
    found = _cursor_page(
        request,
        selectors.api_stories(status=params.status, category=params.category),
        cursor=params.cursor,
        limit=params.limit,
    )
    return {
        "results": [story_data(request, story) for story in found["rows"]],
        "next_cursor": found["next_cursor"],
        "next": found["next"],
    }


@api.get("/stories/{slug}/", response={200: StoryDetailOut, **ERRORS}, operation_id="getStory")
def get_story(request, slug: Path[str]):
    """A story with a published entry: its summary, key events and newest entries."""
    accept_only(request)
    try:
        story, key_events, latest = selectors.story_with_entries(slug)
    except Http404:
        raise ParameterError(
            "slug", f"No published entry belongs to a story {slug!r}.", status=404
        ) from None
    return {
        **story_data(request, story),
        "summary_markdown": story.summary,
        "summary_html": str(story.summary_html()),
        "key_events": [entry_data(request, e) for e in key_events],
        "latest": [entry_data(request, e) for e in latest],
    }


def _change_story(request: HttpRequest, row) -> dict | None:
    if not row.story_id:
        return None
    url = reverse("events:story", kwargs={"slug": row.data["slug"]})
    return {
        "id": row.story_id,
        "name": row.data["name"],
        "slug": row.data["slug"],
        "status": row.data["status"],
        "url": absolute_url({"request": request}, url),
    }


@api.get("/changes/", response={200: ChangesPage, **ERRORS}, operation_id="listChanges")
def list_changes(request, params: Query[ChangesQuery]):
    """Every change a mirror must apply, in order; start without `after`, then pass next_cursor.

    Apply each entry change by its `entry` field: an object replaces the mirror's copy, null
    removes it. `tag.renamed` renames the tag (by id) in every mirrored entry; `tag.deleted`
    is followed by updates of the entries that carried it. `story.updated` gives a story's
    name, slug and status now (entries name their story by id); `story.deleted` is followed by
    updates of its entries. Changes appear once they are
    API_CHANGES_SETTLE_SECONDS old (scheduled entries: that long after their publish time).
    """
    accept_only(request, ChangesQuery)
    try:
        rows = changes.changes_after(params.after, limit=params.limit + 1)
    except changes.BadCursor:
        raise ParameterError("after", "Not a cursor of the changes feed.") from None
    more = len(rows) > params.limit
    rows = rows[: params.limit]
    entries = selectors.live_entries_by_id({r.entry_id for r in rows if r.entry_id})
    results = []
    for row in rows:
        entry = entries.get(row.entry_id) if row.entry_id else None
        results.append(
            {
                "cursor": changes.encode_cursor(row),
                "kind": row.kind,
                "at": row.effective_at,
                "entry_id": row.entry_id,
                "entry": entry_data(request, entry) if entry else None,
                "tag": (
                    {"id": row.tag_id, "name": row.data["name"], "slug": row.data["slug"]}
                    if row.tag_id
                    else None
                ),
                "story": _change_story(request, row),
            }
        )
    return {
        "results": results,
        "next_cursor": results[-1]["cursor"] if results else params.after,
        "more": more,
    }
