"""The minimum fill time holds on pages from the shared cache, where the form's token is old.

It counts from the reader's own start (the "started" cookie the stylesheet's pixel sets at
first focus), not from when the shared page was rendered. Through the real page cache, on the
Redis at 127.0.0.1:6379 with a key prefix of its own.
"""

import re
import time
from pathlib import Path

import pytest
import time_machine
from django.conf import settings as django_settings
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from comments.forms import STARTED_COOKIE, make_started_stamp
from comments.models import Comment
from reading import pagecache
from tests.factories import redis_page_cache

pytestmark = pytest.mark.django_db(transaction=True)

MINIMUM = 5
AWAITS = "your comment awaits moderation"
SEND_AGAIN = "Please check your comment and send it again."


@pytest.fixture(autouse=True)
def shared_cache(settings):
    with redis_page_cache(settings, "fill-time"):
        settings.PAGE_CACHE_SECONDS = 3600
        settings.COMMENTS_MIN_SECONDS = MINIMUM
        yield


@pytest.fixture
def clock():
    with time_machine.travel(time.time(), tick=False) as traveller:
        yield traveller


def cached_page(reader, entry) -> str:
    """The entry page as the shared cache serves it (no query ran)."""
    with CaptureQueriesContext(connection) as queries:
        response = reader.get(entry.get_absolute_url())
    assert response.status_code == 200 and len(queries) == 0
    return response.content.decode()


def token_in(html: str) -> str:
    match = re.search(r'name="token" value="([^"]+)"', html)
    assert match
    return match.group(1)


def post(reader, entry, token, **fields):
    data = {"name": "Ann", "email": "ann@example.com", "body": "Seen from Reykjavik."}
    data.update(fields, token=token)
    return reader.post(f"/comments/post/{entry.pk}/", data)


def focus_the_form(reader):
    """What the browser does at first focus: load the stylesheet's pixel."""
    response = reader.get(reverse("comments:started"))
    assert response.status_code == 200 and response["Content-Type"] == "image/gif"


@pytest.fixture
def page_rendered_half_an_hour_ago(clock, entry):
    """The entry page rendered and cached; half an hour later, a reader gets it from the cache."""
    # The entry's invalidation is applied first, and the frozen clock moves on a second: a copy
    # rendered at the very instant of its keys' last purge is never served.
    pagecache.apply_page_invalidations()
    clock.shift(1)
    Client().get(entry.get_absolute_url())  # rendered now, stored in the shared cache
    clock.shift(1800)
    reader = Client()
    return reader, token_in(cached_page(reader, entry))


def test_a_post_sooner_than_the_minimum_after_the_reader_began_is_dropped_on_a_cached_page(
    clock, entry, page_rendered_half_an_hour_ago
):
    reader, token = page_rendered_half_an_hour_ago
    focus_the_form(reader)
    clock.shift(1)
    response = post(reader, entry, token)
    assert response.status_code == 302
    assert AWAITS in reader.get(response["Location"]).content.decode().lower()
    assert not Comment.objects.exists()


def test_a_post_after_the_minimum_from_a_cached_page_is_taken(
    clock, entry, page_rendered_half_an_hour_ago
):
    reader, token = page_rendered_half_an_hour_ago
    focus_the_form(reader)
    clock.shift(MINIMUM + 1)
    assert post(reader, entry, token).status_code == 302
    assert Comment.objects.get().body == "Seen from Reykjavik."


def test_focusing_again_does_not_move_the_readers_start(
    clock, entry, page_rendered_half_an_hour_ago
):
    reader, token = page_rendered_half_an_hour_ago
    focus_the_form(reader)
    started = reader.cookies[STARTED_COOKIE].value
    clock.shift(MINIMUM + 1)
    focus_the_form(reader)
    assert reader.cookies[STARTED_COOKIE].value == started
    assert post(reader, entry, token).status_code == 302
    assert Comment.objects.count() == 1


def test_a_post_without_a_start_gets_the_form_again_and_must_wait_too(
    clock, entry, page_rendered_half_an_hour_ago
):
    """A client that loads no stylesheet or images (or a script posting the cached token)."""
    reader, token = page_rendered_half_an_hour_ago
    again = post(reader, entry, token)
    assert again.status_code == 400
    page = again.content.decode()
    assert SEND_AGAIN in page and "Seen from Reykjavik." in page  # nothing typed is lost
    mine = token_in(page)
    assert mine != token
    # Sent back at once: asked again (never dropped: this reader typed it all).
    assert post(reader, entry, mine).status_code == 400
    assert not Comment.objects.exists()
    clock.shift(MINIMUM)
    assert post(reader, entry, mine).status_code == 302
    assert Comment.objects.count() == 1


def test_a_forged_stale_or_borrowed_start_counts_as_none(
    clock, entry, page_rendered_half_an_hour_ago
):
    reader, token = page_rendered_half_an_hour_ago
    reader.cookies[STARTED_COOKIE] = "forged"
    assert SEND_AGAIN in post(reader, entry, token).content.decode()
    clock.shift(-25 * 3600)
    reader.cookies[STARTED_COOKIE] = make_started_stamp()  # older than a form may stay open
    clock.shift(25 * 3600)
    assert SEND_AGAIN in post(reader, entry, token).content.decode()
    del reader.cookies[STARTED_COOKIE]
    focus_the_form(Client())  # someone else's start is theirs
    assert SEND_AGAIN in post(reader, entry, token).content.decode()
    assert not Comment.objects.exists()


def test_the_pixel_is_never_cached_and_sets_a_cookie_only_for_the_comment_paths():
    reader = Client()
    response = reader.get(reverse("comments:started"))
    assert "no-store" in response["Cache-Control"]
    cookie = response.cookies[STARTED_COOKIE]
    assert cookie["path"] == "/comments/" and cookie["httponly"] and cookie["samesite"] == "Lax"


def test_the_stylesheet_loads_the_pixel_at_first_focus_of_the_form():
    css = (Path(django_settings.BASE_DIR) / "static" / "css" / "site.css").read_text()
    rule = re.search(r"\.comment-form:focus-within\s*\{([^}]*)\}", css)
    assert rule and f'url("{reverse("comments:started")}")' in rule.group(1)
