"""A Redis cache that may fail without failing the site.

Every page reads the cache for speed, none for correctness, so `ResilientRedisCache` turns
Redis' connection errors and timeouts into a miss (reads) or a no-op (writes). After a failure
it leaves Redis alone for `RETRY_SECONDS` (top-level key of the CACHES entry), so a hung server
costs one timeout per worker per interval rather than one per cache call; the outage is logged
when it starts, once a minute while it lasts, and when it ends.

Code that must not go on without the cache (a rate limit that fails closed) uses
`strict_cache()`: the same operations, raising `CacheUnavailable` instead of degrading.
`newsroom.middleware.OutageMiddleware` answers `CacheUnavailable` with the 503 page.
"""

import functools
import threading

from django.core.cache import caches
from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.redis import RedisCache, RedisCacheClient
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

from .outages import Outage

# Connection refused or reset, DNS failure, socket or connect timeout (all subclasses).
REDIS_ERRORS = (RedisConnectionError, RedisTimeoutError)

# Operations `strict_cache()` offers; the ones callers need for counters and tokens.
STRICT_OPERATIONS = frozenset(
    {"add", "get", "set", "touch", "delete", "get_many", "has_key", "incr", "set_many"}
)

_outages: dict[tuple[str, ...], Outage] = {}
_outages_lock = threading.Lock()


class CacheUnavailable(Exception):
    """The shared cache did not answer; the caller cannot safely go on without it."""


def _missing_key(key):
    # What incr() raises for a key that does not exist: callers already handle it.
    raise ValueError(f"Key '{key}' not found (the cache is unavailable).")


class ReusedClientRedisCacheClient(RedisCacheClient):
    """Django's Redis cache client, keeping one `redis.Redis` per connection pool.

    Django builds a new `redis.Redis` for every cache call; each sets up some 160 response
    callbacks, which measured as a quarter of the time of a page-cache hit. A `redis.Redis`
    over a pool is safe to share, and the pool keeps the connections as before.
    """

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._clients: dict[int, object] = {}

    def get_client(self, key=None, *, write=False):
        # Both are RedisCacheClient's own, missing from django-stubs.
        pool = self._get_connection_pool(write)  # type: ignore[attr-defined]
        client = self._clients.get(id(pool))
        if client is None:
            client = self._clients[id(pool)] = self._client(connection_pool=pool)  # type: ignore[attr-defined]
        return client


class ResilientRedisCache(RedisCache):
    """Django's Redis cache backend, degrading to no cache while Redis is down or hung."""

    def __init__(self, server, params):
        super().__init__(server, params)
        self._class = ReusedClientRedisCacheClient
        retry_seconds = float(params.get("RETRY_SECONDS", 10))
        # A cache alias that must not degrade (rate-limit counters) fails closed instead.
        self.fail_closed = bool(params.get("FAIL_CLOSED", False))
        # Django makes one backend object per thread; the outage is one per process and server.
        key = tuple(self._servers)  # type: ignore[attr-defined]  # RedisCache's, not in stubs
        with _outages_lock:
            if key not in _outages:
                _outages[key] = Outage("Cache (Redis)", retry_seconds=retry_seconds)
            self.outage = _outages[key]
        self.outage.retry_seconds = retry_seconds

    def validate_key(self, key):
        """No check: Redis takes any key, and Django's checks warn only about memcached's
        limits, at a measurable cost on a page-cache hit, which reads one key per card."""

    def _run(self, operation, *args, fallback, strict=False, **kwargs):
        strict = strict or self.fail_closed
        if self.outage.in_retry_window():
            if strict:
                raise CacheUnavailable("The cache is unavailable; retrying shortly.")
            return fallback()
        try:
            result = operation(*args, **kwargs)
        except REDIS_ERRORS as error:
            self.outage.failed(error)
            if strict:
                raise CacheUnavailable(f"The cache is unavailable: {error}") from error
            return fallback()
        self.outage.recovered()
        return result

    def add(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        return self._run(super().add, key, value, timeout, version, fallback=lambda: False)

    def get(self, key, default=None, version=None):
        return self._run(super().get, key, default, version, fallback=lambda: default)

    def set(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        return self._run(super().set, key, value, timeout, version, fallback=lambda: None)

    def touch(self, key, timeout=DEFAULT_TIMEOUT, version=None):
        return self._run(super().touch, key, timeout, version, fallback=lambda: False)

    def delete(self, key, version=None):
        return self._run(super().delete, key, version, fallback=lambda: False)

    def get_many(self, keys, version=None):
        return self._run(super().get_many, keys, version, fallback=dict)

    def has_key(self, key, version=None):
        return self._run(super().has_key, key, version, fallback=lambda: False)

    def incr(self, key, delta=1, version=None):
        return self._run(super().incr, key, delta, version, fallback=lambda: _missing_key(key))

    def set_many(self, data, timeout=DEFAULT_TIMEOUT, version=None):
        # Django's contract: the keys that were not stored.
        return self._run(super().set_many, data, timeout, version, fallback=lambda: list(data))

    def delete_many(self, keys, version=None):
        return self._run(super().delete_many, keys, version, fallback=lambda: None)

    def clear(self):
        return self._run(super().clear, fallback=lambda: False)

    @functools.cached_property
    def strict(self) -> "StrictCache":
        return StrictCache(self)


class StrictCache:
    """The operations of a `ResilientRedisCache` that raise `CacheUnavailable` instead of degrading.

    While the cache is in its retry window after a failure, they raise at once, without waiting
    for a timeout.
    """

    def __init__(self, backend: ResilientRedisCache):
        self._backend = backend

    def __getattr__(self, name):
        if name not in STRICT_OPERATIONS:
            raise AttributeError(name)
        operation = getattr(RedisCache, name).__get__(self._backend)
        return functools.partial(self._backend._run, operation, fallback=None, strict=True)

    def decr(self, key, delta=1, version=None):
        return self.incr(key, -delta, version=version)


def strict_cache(alias: str = "default"):
    """The cache `alias`, raising `CacheUnavailable` when it is a Redis cache that is down.

    Other backends (the per-process memory cache of development and tests) cannot be down and
    are returned as they are.
    """
    backend = caches[alias]
    if isinstance(backend, ResilientRedisCache):
        return backend.strict
    return backend


def cache_is_down(alias: str = "default") -> bool:
    """True while the cache `alias` is in an outage this process has seen (until a success)."""
    backend = caches[alias]
    return isinstance(backend, ResilientRedisCache) and backend.outage.ongoing
