"""The cache may fail; the site may not: Redis down, hung, or back, against real sockets."""

import logging
import time
import uuid

import pytest
from django.core.cache import caches
from django.test import override_settings

from newsroom.cache import CacheUnavailable, ResilientRedisCache, cache_is_down, strict_cache
from tests.hardening_support import (
    REDIS_HOST,
    REDIS_PORT,
    TcpProxy,
    base_settings,
    redis_url,
    refused_port,
    require_redis,
    silent_server,
)

pytestmark = pytest.mark.entry(headline="Redis outage drill", tags=["drills", "caches"])

TIMEOUT = 0.5  # seconds, for both the connect and the socket timeout in these tests


def redis_caches(location: str, *, retry_seconds: float = 30) -> dict:
    return {
        "default": {
            "BACKEND": "newsroom.cache.ResilientRedisCache",
            "LOCATION": location,
            "KEY_PREFIX": f"test-{uuid.uuid4().hex}",
            "RETRY_SECONDS": retry_seconds,
            "OPTIONS": {"socket_connect_timeout": TIMEOUT, "socket_timeout": TIMEOUT},
        }
    }


def cache_log(caplog) -> list[logging.LogRecord]:
    return [r for r in caplog.records if r.name == "newsroom.outages" and "Cache" in r.message]


def public_urls(entry) -> list[str]:
    return [
        "/",
        entry.get_absolute_url(),
        "/events/",
        "/tags/",
        "/2014/02/19/",
        f"/events/{entry.pk}/related.json",
        "/feeds/rss/",
    ]


def test_settings_with_redis_url_use_the_resilient_backend_with_timeouts():
    env = {
        "REDIS_URL": "redis://127.0.0.1:6379/0",
        "REDIS_CONNECT_TIMEOUT": "0.25",
        "REDIS_SOCKET_TIMEOUT": "0.75",
        "CACHE_RETRY_SECONDS": "7",
    }
    with base_settings(**env) as base:
        config = base.CACHES["default"]
    assert config["BACKEND"] == "newsroom.cache.ResilientRedisCache"
    assert config["OPTIONS"] == {"socket_connect_timeout": 0.25, "socket_timeout": 0.75}
    assert config["RETRY_SECONDS"] == 7


def test_real_redis_works_through_the_resilient_backend():
    require_redis()
    with override_settings(CACHES=redis_caches(redis_url())):
        cache = caches["default"]
        assert isinstance(cache, ResilientRedisCache)
        cache.set("k", {"a": 1})
        assert cache.get("k") == {"a": 1}
        assert cache.add("n", 1) and cache.incr("n") == 2
        assert strict_cache().incr("n") == 3
        assert not cache_is_down()


def test_cache_calls_share_one_redis_client_and_its_pool():
    # Django builds a redis.Redis per call; ours is built once per pool and then reused.
    require_redis()
    with override_settings(CACHES=redis_caches(redis_url())):
        cache = caches["default"]
        assert isinstance(cache, ResilientRedisCache)
        client = cache._cache  # type: ignore[attr-defined]  # RedisCache's, not in the stubs
        cache.set("k", 1)
        first = client.get_client(write=True)
        assert cache.get("k") == 1 and cache.incr("k") == 2
        assert client.get_client() is first and client.get_client(write=True) is first
        assert first.connection_pool is client._get_connection_pool(False)


@pytest.mark.django_db
def test_every_public_page_serves_while_redis_refuses_connections(client, entry, caplog):
    with refused_port() as port, override_settings(CACHES=redis_caches(redis_url(port))):
        for url in public_urls(entry) * 3:
            assert client.get(url).status_code == 200, url
        assert cache_is_down()
    # One line for the whole outage, not one per request or per cache call.
    assert len(cache_log(caplog)) == 1
    assert "Cache (Redis) unavailable: ConnectionError" in cache_log(caplog)[0].message


@pytest.mark.django_db
def test_a_hung_redis_costs_one_timeout_then_pages_skip_it(client, entry, caplog):
    with silent_server() as port, override_settings(CACHES=redis_caches(redis_url(port))):
        started = time.monotonic()
        assert client.get(entry.get_absolute_url()).status_code == 200
        first = time.monotonic() - started
        waits = {}
        for url in public_urls(entry):
            started = time.monotonic()
            assert client.get(url).status_code == 200, url
            waits[url] = time.monotonic() - started
    # The first request waits for the socket timeout once; no later one waits for it. (Each
    # later request is timed alone, so a busy machine's rendering time, summed over the pages,
    # cannot pass for a timeout.)
    assert TIMEOUT * 0.9 <= first < TIMEOUT * 4, first
    assert all(wait < TIMEOUT * 0.9 for wait in waits.values()), waits
    assert len(cache_log(caplog)) == 1
    assert "TimeoutError" in cache_log(caplog)[0].message


@pytest.mark.parametrize("down", ["refused", "hung"])
def test_strict_cache_raises_cache_unavailable_within_the_timeout(down):
    server = refused_port() if down == "refused" else silent_server()
    with server as port, override_settings(CACHES=redis_caches(redis_url(port))):
        started = time.monotonic()
        with pytest.raises(CacheUnavailable):
            strict_cache().incr("comments:rate:ip:x")
        assert time.monotonic() - started < TIMEOUT * 4
        # Inside the retry window it answers at once, without waiting for Redis again.
        started = time.monotonic()
        with pytest.raises(CacheUnavailable):
            strict_cache().add("k", 0)
        assert time.monotonic() - started < 0.05
        # The forgiving cache degrades instead: a miss, a no-op, the "missing key" of incr.
        cache = caches["default"]
        assert cache.get("k", "default") == "default"
        cache.set("k", 1)  # a no-op, not an error
        assert cache.add("k", 1) is False
        assert cache.get_many(["a", "b"]) == {} and cache.set_many({"a": 1}) == ["a"]
        with pytest.raises(ValueError):
            cache.incr("k")


def test_redis_coming_back_is_used_again_and_logged_once(caplog):
    require_redis()
    proxy = TcpProxy((REDIS_HOST, REDIS_PORT))
    proxy.start()
    try:
        with override_settings(CACHES=redis_caches(redis_url(proxy.port), retry_seconds=0.2)):
            cache = caches["default"]
            cache.set("k", "before")
            assert cache.get("k") == "before"

            proxy.stop()  # Redis killed: connections dropped, the port refuses
            for _ in range(20):
                assert cache.get("k") is None
            assert cache_is_down()

            proxy.start()  # Redis back on the same port
            time.sleep(0.25)  # the retry window
            assert cache.get("k") == "before"
            assert not cache_is_down()
    finally:
        proxy.stop()
    messages = [r.message for r in cache_log(caplog)]
    assert len(messages) == 2, messages
    assert messages[0].startswith("Cache (Redis) unavailable")
    assert messages[1].startswith("Cache (Redis) back after")


def test_strict_cache_is_the_plain_cache_without_redis():
    """Development and tests use a per-process memory cache, which cannot be down."""
    assert strict_cache() is caches["default"]
    assert not cache_is_down()
