"""Compressed public pages: each stored copy compressed once, sent in the coding a reader accepts.

On the real Redis (a fresh key prefix per test), through the page cache as readers reach it.
Brotli cases need the `brotli` package (a project dependency) and say so when it is missing.
"""

import datetime
import gzip

import pytest
from django.core.cache import cache
from django.db import connection
from django.test import Client, RequestFactory
from django.test.utils import CaptureQueriesContext

from reading import compression, pagecache
from tests.desk_support import move_to_draft
from tests.factories import EntryFactory, redis_page_cache

try:
    import brotli
except ImportError:
    brotli = None

needs_brotli = pytest.mark.skipif(brotli is None, reason="the brotli package is not installed")

pytestmark = pytest.mark.django_db(transaction=True)

PAGES = ["/", "/events/", "/feeds/rss/", "/2014/03/01/harbour/"]


@pytest.fixture(autouse=True)
def shared_cache(settings):
    with redis_page_cache(settings, "compression"):
        settings.PAGE_CACHE_SECONDS = 300
        settings.PAGE_INVALIDATION_CHECK_SECONDS = 3600
        yield


@pytest.fixture
def story():
    return EntryFactory(
        headline="Harbour reopens", slug="harbour", event_date=datetime.date(2014, 3, 1)
    )


def get(client, url: str, coding: str | None = None, **headers):
    """(response, queries it ran): a page served from the cache runs none."""
    if coding is not None:
        headers["HTTP_ACCEPT_ENCODING"] = coding
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url, **headers)
    return response, len(queries)


def stored(url: str) -> dict:
    return cache.get(pagecache.page_key(RequestFactory().get(url)))


def test_a_hit_for_a_gzip_reader_sends_the_stored_gzip_copy_of_exactly_the_plain_page(
    client, story, monkeypatch
):
    for url in PAGES:
        plain, queries = get(client, url)
        assert queries > 0 and "Content-Encoding" not in plain, url
    # A hit compresses nothing: it sends the bytes kept with the copy.
    monkeypatch.setattr(compression, "compress", None)
    for url in PAGES:
        plain = stored(url)["content"]
        response, queries = get(client, url, "gzip, deflate")
        assert queries == 0, url
        assert response["Content-Encoding"] == "gzip", url
        assert response.content == stored(url)["compressed"]["gzip"], url
        assert gzip.decompress(response.content) == plain, url
        assert int(response["Content-Length"]) == len(response.content) < len(plain), url
        assert "Accept-Encoding" in response["Vary"] and "Cookie" in response["Vary"], url


def test_a_reader_who_accepts_no_coding_gets_the_plain_page_which_still_varies(client, story):
    first, _ = get(client, "/events/", "gzip")  # stored by a gzip reader
    for accepted in (None, "identity", "gzip;q=0", "compress"):
        response, queries = get(client, "/events/", accepted)
        assert queries == 0, accepted
        assert "Content-Encoding" not in response, accepted
        assert response.content == gzip.decompress(first.content), accepted
        assert int(response["Content-Length"]) == len(response.content), accepted
        assert "Accept-Encoding" in response["Vary"], accepted


@needs_brotli
@pytest.mark.parametrize(
    "accepted, coding",
    [
        ("gzip, deflate, br", "br"),
        ("br", "br"),
        ("*", "br"),
        ("gzip, br;q=0", "gzip"),
        ("gzip;q=1.0, br;q=0.5", "gzip"),
        ("br;q=0, gzip;q=0", None),
    ],
)
def test_brotli_is_preferred_over_gzip_unless_the_reader_ranks_it_lower(
    client, story, accepted, coding
):
    for hit in (False, True):
        response, queries = get(client, "/", accepted)
        assert (queries == 0) is hit
        assert response.get("Content-Encoding") == coding
        body = stored("/")["content"]
        if coding == "br":
            assert brotli.decompress(response.content) == body
        elif coding == "gzip":
            assert gzip.decompress(response.content) == body
        else:
            assert response.content == body


def test_each_coding_has_its_own_etag_and_304_on_a_hit_and_after_a_purge(client, story):
    plain, _ = get(client, "/events/")
    packed, _ = get(client, "/events/", "gzip")
    assert plain["ETag"] != packed["ETag"]
    assert packed["ETag"] == plain["ETag"][:-1] + '-gzip"'
    for purged in (False, True):
        if purged:
            pagecache.bump_page_version()  # the next request renders again: same bytes
        response, _ = get(client, "/events/", "gzip", HTTP_IF_NONE_MATCH=packed["ETag"])
        assert response.status_code == 304, purged
        assert response["ETag"] == packed["ETag"] and "Accept-Encoding" in response["Vary"]
        # The gzip copy's ETag is not the plain copy's, nor the other way round.
        response, _ = get(client, "/events/", HTTP_IF_NONE_MATCH=packed["ETag"])
        assert response.status_code == 200 and response.content == plain.content, purged
        response, _ = get(client, "/events/", "gzip", HTTP_IF_NONE_MATCH=plain["ETag"])
        assert response.status_code == 200 and response["Content-Encoding"] == "gzip", purged
        response, _ = get(client, "/events/", HTTP_IF_NONE_MATCH=plain["ETag"])
        assert response.status_code == 304 and response["ETag"] == plain["ETag"], purged


def test_a_write_purges_the_compressed_copies_with_the_plain_one(client, story, editor):
    for url in ("/", "/events/"):
        assert b"Harbour reopens" in gzip.decompress(get(client, url, "gzip")[0].content)
        assert get(client, url, "gzip")[1] == 0, url
    move_to_draft(editor, story)
    for url in ("/", "/events/"):
        response, queries = get(client, url, "gzip")
        assert queries > 0, url
        assert b"Harbour reopens" not in gzip.decompress(response.content), url
        assert b"Harbour reopens" not in stored(url)["content"], url
        assert gzip.decompress(stored(url)["compressed"]["gzip"]) == stored(url)["content"]


def test_pages_with_a_secret_beside_reflected_input_are_never_compressed(client, story, editor):
    """BREACH: the desk, a signed-in reader's page and a page with a CSRF token stay plain."""
    staff = Client()
    staff.force_login(editor)
    for url in ("/admin/events/entry/?q=reflected", "/events/?q=reflected", "/"):
        response = staff.get(url, HTTP_ACCEPT_ENCODING="gzip, br")
        assert response.status_code == 200, url
        assert "Content-Encoding" not in response, url
    # A reader's own flash message may sit beside reflected input: their page stays plain.
    reader = Client()
    reader.cookies["messages"] = "x"
    response = reader.get(story.get_absolute_url(), HTTP_ACCEPT_ENCODING="gzip, br")
    assert response.status_code == 200
    assert "Content-Encoding" not in response
    # The sign-in form's CSRF token: never compressed.
    login = client.get("/admin/login/", HTTP_ACCEPT_ENCODING="gzip, br")
    assert b"csrfmiddlewaretoken" in login.content
    assert "Content-Encoding" not in login
