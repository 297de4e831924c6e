"""Page invalidations are never lost: not to a Redis that hangs during the write, not to a process
that writes with a cache of its own.

Every write records its invalidation in its own transaction (`reading.PageInvalidation`); the
bump after the commit applies it, and when the cache did not take that bump each web process
applies what is pending at its next check (PAGE_INVALIDATION_CHECK_SECONDS, 5 s by default). The
promise: no reader gets a copy made before a committed write more than 10 s after both the
commit and Redis answering again.

The hanging Redis is a throwaway redis-server of these tests (SIGSTOP, SIGCONT); the shared Redis
is only used under a key prefix of each test's own.
"""

import datetime
import time
import uuid

import pytest
from django.core.management import call_command
from django.db import connection, transaction
from django.test import Client, override_settings
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from events.models import Entry
from reading import pagecache
from reading.models import PageInvalidation
from tests.factories import EntryFactory
from tests.hardening_support import redis_server, redis_url, require_redis

# The staleness bound the manual states, with PAGE_INVALIDATION_CHECK_SECONDS at its default.
BOUND_SECONDS = 10
LOCAL_CACHES = {
    alias: {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "a-command"}
    for alias in ("default", "counters")
}


def redis_caches(location: str, *, retry_seconds: float = 1.0) -> dict:
    """The production cache configuration (newsroom/settings/base.py) at `location`."""
    config = {
        "BACKEND": "newsroom.cache.ResilientRedisCache",
        "LOCATION": location,
        "KEY_PREFIX": f"test-durable-{uuid.uuid4().hex}",
        "RETRY_SECONDS": retry_seconds,
        "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5},
    }
    return {"default": config, "counters": {**config, "FAIL_CLOSED": True}}


@pytest.fixture
def page_cache(settings):
    """The page cache on, with the default check interval and a fresh check for each test."""
    settings.PAGE_CACHE = True
    settings.PAGE_CACHE_SECONDS = 300
    settings.PAGE_INVALIDATION_CHECK_SECONDS = 5
    pagecache._last_check = -float("inf")
    return settings


def queries_of(client: Client, url: str) -> tuple[int, int]:
    """(status, queries run): a page served from the cache runs none."""
    with CaptureQueriesContext(connection) as queries:
        status = client.get(url).status_code
    return status, len(queries)


def warm(reader: Client, url: str) -> None:
    assert queries_of(reader, url)[0] == 200
    assert queries_of(reader, url) == (200, 0), "the page did not come from the cache"


def answers_for(reader: Client, url: str, seconds: float) -> list[tuple[float, int, str]]:
    """Every (time since the start, status, body) a reader gets, polling for `seconds`."""
    started, seen = time.monotonic(), []
    while (elapsed := time.monotonic() - started) < seconds:
        response = reader.get(url)
        seen.append((elapsed, response.status_code, response.content.decode()))
        time.sleep(0.2)
    return seen


class Boom(Exception):
    pass


@pytest.mark.django_db
def test_a_write_and_its_invalidation_record_commit_or_roll_back_together():
    with pytest.raises(Boom), transaction.atomic():
        EntryFactory(headline="Never committed")
        assert PageInvalidation.objects.count() == 1
        raise Boom
    assert not PageInvalidation.objects.exists()

    with transaction.atomic():
        EntryFactory(headline="One", tags=["Iceland"])
        EntryFactory(headline="Two")
    # One record for the whole transaction, however many rows it wrote.
    assert PageInvalidation.objects.count() == 1


@pytest.mark.django_db
def test_a_savepoint_rolled_back_takes_its_record_and_the_next_write_records_again():
    with transaction.atomic():
        with pytest.raises(Boom), transaction.atomic():
            EntryFactory(headline="Rolled back")
            raise Boom
        assert not PageInvalidation.objects.exists()
        EntryFactory(headline="Kept")
        assert PageInvalidation.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_apply_keeps_the_records_while_redis_hangs_and_applies_them_once_it_answers(settings):
    with redis_server() as redis:
        settings.CACHES = redis_caches(redis.url, retry_seconds=0.2)
        with override_settings(CACHES=LOCAL_CACHES):
            EntryFactory(headline="Written by a command")  # no shared cache: nothing applied
        assert PageInvalidation.objects.count() == 1
        version = pagecache.cache.get(pagecache.VERSION_KEY)

        redis.pause()
        with pytest.raises(pagecache.CacheMissedBump):
            pagecache.apply_page_invalidations()
        assert PageInvalidation.objects.count() == 1

        redis.resume()
        time.sleep(0.3)  # past the cache's retry window
        assert pagecache.apply_page_invalidations() == 1
        assert not PageInvalidation.objects.exists()
        assert pagecache.cache.get(pagecache.VERSION_KEY) != version
        assert pagecache.apply_page_invalidations() == 0


@pytest.mark.django_db(transaction=True)
def test_an_entry_unpublished_on_the_desk_while_redis_hangs_is_404_within_10_seconds(
    page_cache, editor
):
    entry = EntryFactory(
        headline="Withdrawn for legal reasons", event_date=datetime.date(2014, 2, 19)
    )
    url = entry.get_absolute_url()
    reader, desk = Client(), Client()
    desk.force_login(editor)
    with redis_server() as redis:
        page_cache.CACHES = redis_caches(redis.url)
        warm(reader, url)

        redis.pause()
        response = desk.post(
            reverse("admin:events_entry_changelist"),
            {"action": "move_to_draft", "_selected_action": [entry.pk]},
        )
        assert response.status_code == 302
        assert Entry.objects.get(pk=entry.pk).status == Entry.Status.DRAFT
        assert PageInvalidation.objects.exists()  # the bump after the commit was lost
        redis.resume()

        seen = answers_for(reader, url, BOUND_SECONDS + 1)
    late = [status for elapsed, status, _ in seen if elapsed >= BOUND_SECONDS]
    assert late and set(late) == {404}, [(round(t, 1), status) for t, status, _ in seen]
    assert not PageInvalidation.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_a_correction_by_a_command_without_redis_reaches_redis_readers_within_10_seconds(
    page_cache, editor
):
    require_redis()
    page_cache.CACHES = redis_caches(redis_url())
    entry = EntryFactory(
        headline="Talks resume on Monday", slug="talks", event_date=datetime.date(2014, 2, 19)
    )
    url = entry.get_absolute_url()
    reader = Client()
    warm(reader, url)

    # The command's process: no REDIS_URL, so its cache (and every bump it makes) is its own.
    with override_settings(CACHES=LOCAL_CACHES, PAGE_CACHE=False):
        call_command(
            "correct_entry",
            "2014-02-19/talks",
            "--as",
            editor.username,
            "--note",
            "The talks resumed on Tuesday.",
            "--headline",
            "Talks resume on Tuesday",
        )
    assert PageInvalidation.objects.exists()

    started = time.monotonic()
    while "Talks resume on Tuesday" not in reader.get(url).content.decode():
        assert time.monotonic() - started < BOUND_SECONDS, "readers still get the old headline"
        time.sleep(0.2)
    assert not PageInvalidation.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_a_cache_hit_runs_no_query_between_two_checks(page_cache):
    require_redis()
    page_cache.CACHES = redis_caches(redis_url())
    EntryFactory(headline="Quiet day")
    reader = Client()
    warm(reader, "/")  # the first request of the process also ran the check
    assert [queries_of(reader, "/") for _ in range(20)] == [(200, 0)] * 20
    # Once the interval has passed, one request runs the check: one query, nothing pending.
    pagecache._last_check -= page_cache.PAGE_INVALIDATION_CHECK_SECONDS
    assert queries_of(reader, "/") == (200, 1)
    assert queries_of(reader, "/") == (200, 0)
