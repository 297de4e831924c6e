"""The read API /api/v1/: what it serves, to whom, in what order, and how it refuses."""

import datetime

import pytest
from django.utils import timezone

from events.models import Entry
from tests.factories import CitationFactory, EntryFactory
from tests.hardening_support import require_redis
from tests.reading_corpus import build_corpus

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("api_settings")]


def ids(response) -> list[int]:
    return [row["id"] for row in response.json()["results"]]


def walk(client, url: str) -> list[int]:
    """Every id of a cursor-paged list, following `next`."""
    seen: list[int] = []
    while url:
        assert len(seen) < 1000, "the cursor does not advance"
        response = client.get(url)
        assert response.status_code == 200, response.content
        seen += ids(response)
        url = response.json()["next"]
    return seen


# --- only what published() returns, ever ------------------------------------------------------


def test_drafts_and_scheduled_entries_are_in_no_list_and_no_detail(client):
    live = EntryFactory(tags=["Shown"])
    draft = EntryFactory(draft=True, tags=["Hidden draft tag"])
    scheduled = EntryFactory(scheduled=True, tags=["Hidden scheduled tag"])
    assert ids(client.get("/api/v1/entries/")) == [live.pk]
    assert ids(client.get(f"/api/v1/days/{live.event_date}/")) == [live.pk]
    for entry in (draft, scheduled):
        assert client.get(f"/api/v1/entries/{entry.pk}/").status_code == 404
    assert [t["slug"] for t in client.get("/api/v1/tags/").json()["results"]] == ["shown"]
    assert client.get("/api/v1/tags/hidden-draft-tag/").status_code == 404
    assert client.get("/api/v1/tags/hidden-scheduled-tag/").status_code == 404


def test_publisher_cited_only_by_a_draft_is_a_404(client):
    citation = CitationFactory(entry=EntryFactory(draft=True))
    slug = citation.source.publisher.slug
    assert client.get(f"/api/v1/publishers/{slug}/").status_code == 404
    assert client.get("/api/v1/publishers/").json()["results"] == []


def test_entry_carries_its_date_tags_sources_times_and_canonical_url(client):
    citation = CitationFactory(entry=EntryFactory(body="Some *words*.", tags=["Beta", "Alpha"]))
    entry = citation.entry
    data = client.get(f"/api/v1/entries/{entry.pk}/").json()
    assert data["date"] == "2014-02-19"
    assert data["headline"] == entry.headline
    assert data["body_markdown"] == "Some *words*."
    assert data["body_html"] == "<p>Some <em>words</em>.</p>"
    assert [t["name"] for t in data["tags"]] == ["Alpha", "Beta"]
    assert data["sources"] == [
        {
            "url": citation.source.url,
            "title": citation.source.title,
            "publisher": {
                "name": citation.source.publisher.name,
                "slug": citation.source.publisher.slug,
            },
            "byline": "A. Reporter",
            "published_on": "2014-02-19",
        }
    ]
    assert data["url"] == f"http://testserver{entry.get_absolute_url()}"
    assert data["published_at"] and data["modified_at"]
    assert data["related"] == []


def test_entry_detail_lists_related_stories_with_score_and_shared_tags(client):
    entry = EntryFactory(tags=["Kiev", "Protests"])
    other = EntryFactory(tags=["Kiev", "Protests", "Weather"])
    EntryFactory(draft=True, tags=["Kiev", "Protests"])
    related = client.get(f"/api/v1/entries/{entry.pk}/").json()["related"]
    assert [r["id"] for r in related] == [other.pk]
    assert related[0]["score"] > 0
    assert sorted(related[0]["shared_tags"]) == ["Kiev", "Protests"]


# --- the filters of /events/ -------------------------------------------------------------------


def test_entry_filters_match_the_html_list(client):
    build_corpus(12, tags_per_entry=2, sources_per_entry=2)
    for query in (
        "",
        "tag=tag-1&tag=tag-2&mode=any",
        "tag=tag-1&tag=tag-2",
        "publisher=publisher-1&from=2014-02-03&to=2014-02-09",
        "q=ceasefire&sort=oldest",
    ):
        html = client.get(f"/events/?{query}").context["entries"]
        assert ids(client.get(f"/api/v1/entries/?{query}&limit=100")) == [e.pk for e in html]


def test_search_by_relevance_pages_through_every_match_once(client):
    build_corpus(7)
    EntryFactory(headline="Ceasefire signed", body="ceasefire ceasefire")
    every = ids(client.get("/api/v1/entries/?q=ceasefire&limit=100"))
    assert walk(client, "/api/v1/entries/?q=ceasefire&limit=3") == every
    assert len(every) == 8


# --- cursor pagination ---------------------------------------------------------------------


def test_cursor_pages_are_stable_when_entries_are_inserted_meanwhile(client):
    build_corpus(10)
    first = client.get("/api/v1/entries/?limit=4").json()
    # A newer entry and one in the middle arrive between two page requests.
    EntryFactory(event_date=datetime.date(2014, 3, 1))
    EntryFactory(event_date=datetime.date(2014, 2, 5))
    rest = walk(client, first["next"])
    before = [row["id"] for row in first["results"]]
    assert not set(before) & set(rest)
    original = list(Entry.objects.filter(slug__startswith="c-").values_list("pk", flat=True))
    assert set(original) <= set(before + rest)


def test_tags_and_publishers_page_by_cursor(client):
    build_corpus(4, tags_per_entry=3, sources_per_entry=3)
    tags = walk(client, "/api/v1/tags/?limit=2")
    assert len(tags) == len(set(tags)) == 6
    response = client.get("/api/v1/publishers/?limit=2")
    assert len(response.json()["results"]) == 2
    assert client.get(response.json()["next"]).json()["next"] is None


# --- bad input: 4xx JSON naming the parameter, never a 500 ---------------------------------


@pytest.mark.parametrize(
    ("url", "status", "parameter"),
    [
        ("/api/v1/entries/?cursor=not-a-cursor", 400, "cursor"),
        ("/api/v1/entries/?cursor=W1siLWlkIl0sWzFdXQ", 400, "cursor"),  # another sort's
        ("/api/v1/changes/?after=%%%", 400, "after"),
        ("/api/v1/changes/?after=MTIzLmFiYw", 400, "after"),
        ("/api/v1/entries/99999/", 404, "id"),
        ("/api/v1/entries/99999999999999999999/", 400, "id"),  # found by the fuzzer: was a 500
        (
            "/api/v1/entries/?cursor=W1siLWV2ZW50X2RhdGUiLCItaWQiXSxbIjIwMTQtMDItMTkiLDEwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDBdXQ",
            400,
            "cursor",
        ),
        ("/api/v1/tags/no-such-tag/", 404, "slug"),
        ("/api/v1/publishers/no-such-publisher/", 404, "slug"),
        ("/api/v1/entries/?tag=no-such-tag", 400, "tag"),
        ("/api/v1/entries/?publisher=no-such-publisher", 400, "publisher"),
        ("/api/v1/days/2014-02-30/", 400, "day"),
        ("/api/v1/entries/?from=2014-02-30", 400, "from"),
        ("/api/v1/entries/?to=2014-13-01", 400, "to"),
        ("/api/v1/entries/?from=2014-03-01&to=2014-02-01", 400, "from"),
        ("/api/v1/entries/?limit=101", 400, "limit"),
        ("/api/v1/changes/?limit=100000", 400, "limit"),
        ("/api/v1/entries/?limit=0", 400, "limit"),
        ("/api/v1/entries/?limit=ten", 400, "limit"),
        ("/api/v1/entries/?sort=sideways", 400, "sort"),
        ("/api/v1/entries/?colour=blue", 400, "colour"),
        ("/api/v1/tags/?page=2", 400, "page"),
        ("/api/v1/entries/?q=%00", 400, "q"),
    ],
)
def test_bad_input_is_a_json_4xx_naming_the_parameter(client, url, status, parameter):
    EntryFactory(tags=["Kiev"])
    response = client.get(url)
    assert response.status_code == status, response.content
    assert response["Content-Type"].startswith("application/json")
    assert parameter in [error["parameter"] for error in response.json()["errors"]]


def test_writes_are_refused(client):
    assert client.post("/api/v1/entries/").status_code == 405
    assert client.delete("/api/v1/entries/1/").status_code == 405


# --- documents -----------------------------------------------------------------------------


def test_openapi_document_and_docs_page(client):
    document = client.get("/api/v1/openapi.json").json()
    assert document["openapi"].startswith("3.")
    assert {
        "/api/v1/entries/",
        "/api/v1/entries/{id}/",
        "/api/v1/tags/",
        "/api/v1/tags/{slug}/",
        "/api/v1/publishers/",
        "/api/v1/publishers/{slug}/",
        "/api/v1/days/{day}/",
        "/api/v1/changes/",
    } <= set(document["paths"])
    page = client.get("/api/v1/docs/")
    assert page.status_code == 200
    assert b"/api/v1/openapi.json" in page.content


# --- caching semantics ---------------------------------------------------------------------


def test_etag_and_last_modified_answer_304_until_something_changes(client):
    entry = EntryFactory()
    first = client.get("/api/v1/entries/")
    assert first["Cache-Control"] == f"public, max-age={60}"
    etag, modified = first["ETag"], first["Last-Modified"]
    again = client.get("/api/v1/entries/", HTTP_IF_NONE_MATCH=etag)
    assert again.status_code == 304 and again.content == b""
    assert client.get("/api/v1/entries/", HTTP_IF_MODIFIED_SINCE=modified).status_code == 304
    assert client.get("/api/v1/entries/?limit=5", HTTP_IF_NONE_MATCH=etag).status_code == 200

    entry.headline = "Changed"
    entry.save()
    changed = client.get("/api/v1/entries/", HTTP_IF_NONE_MATCH=etag)
    assert changed.status_code == 200
    assert changed["ETag"] != etag


def test_a_304_runs_one_query_and_renders_nothing(client, django_assert_num_queries):
    EntryFactory()
    etag = client.get("/api/v1/entries/")["ETag"]
    with django_assert_num_queries(1):  # the newest change: nothing else is read
        assert client.get("/api/v1/entries/", HTTP_IF_NONE_MATCH=etag).status_code == 304


def test_scheduled_entry_going_live_changes_the_etag(client):
    import time_machine

    EntryFactory()
    scheduled = EntryFactory(scheduled=True)
    etag = client.get("/api/v1/entries/")["ETag"]
    with time_machine.travel(scheduled.publish_at + datetime.timedelta(seconds=1)):
        response = client.get("/api/v1/entries/", HTTP_IF_NONE_MATCH=etag)
        assert response.status_code == 200
        assert scheduled.pk in ids(response)


# --- CORS --------------------------------------------------------------------------------------


def test_any_origin_may_read_and_preflight(client):
    response = client.get("/api/v1/entries/", HTTP_ORIGIN="https://elsewhere.example")
    assert response["Access-Control-Allow-Origin"] == "*"
    assert "Access-Control-Allow-Credentials" not in response
    preflight = client.options(
        "/api/v1/entries/",
        HTTP_ORIGIN="https://elsewhere.example",
        HTTP_ACCESS_CONTROL_REQUEST_METHOD="GET",
        HTTP_ACCESS_CONTROL_REQUEST_HEADERS="if-none-match",
    )
    assert preflight.status_code == 204
    assert "GET" in preflight["Access-Control-Allow-Methods"]
    assert "POST" not in preflight["Access-Control-Allow-Methods"]
    assert "Access-Control-Allow-Origin" not in client.get("/events/")


# --- rate limit --------------------------------------------------------------------------------


def test_rate_limit_answers_429_with_retry_after_per_address(client, settings):
    settings.API_RATE_LIMIT = 3
    settings.API_RATE_WINDOW_SECONDS = 60
    for _ in range(3):
        assert client.get("/api/v1/tags/").status_code == 200
    refused = client.get("/api/v1/tags/")
    assert refused.status_code == 429
    assert 1 <= int(refused["Retry-After"]) <= 60
    assert refused.json()["errors"][0]["message"].startswith("Too many requests")
    # Another address has its own allowance.
    assert client.get("/api/v1/tags/", REMOTE_ADDR="198.51.100.9").status_code == 200


def test_rate_limit_is_counted_in_a_shared_redis_across_workers(settings):
    """Two cache clients on one Redis, as two gunicorn workers have: one count between them."""
    require_redis()  # fails, never skips, without the real Redis CI has
    from django.core.cache.backends.redis import RedisCache

    from newsroom.ratelimit import hit

    params = {"KEY_PREFIX": f"newsroom-api-test-{timezone.now().timestamp()}"}
    worker_a = RedisCache("redis://127.0.0.1:6379/3", params)
    worker_b = RedisCache("redis://127.0.0.1:6379/3", params)
    now = 1_000_000.0
    try:
        results = [
            hit("api", "203.0.113.1", limit=4, window_seconds=60, cache=worker, now=now)
            for worker in (worker_a, worker_b, worker_a, worker_b, worker_a)
        ]
        assert results[:4] == [0, 0, 0, 0]
        assert results[4] == 20  # the window of 60 s runs from 999,960 to 1,000,020
        again = hit("api", "203.0.113.1", limit=4, window_seconds=60, cache=worker_b, now=now + 20)
        assert again == 0
    finally:
        worker_a.clear()
