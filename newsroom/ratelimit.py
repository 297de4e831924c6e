"""The one rate-limit counter: fixed windows counted in a cache, shared by every limit of the site.

Each hit adds one to a counter per (scope, key, window) with `add` + `incr`, both atomic in
Redis, so with REDIS_URL set a limit holds across every worker and server sharing it. A burst
straddling a window boundary can reach twice the limit; that is the price of one cache
round-trip per key. Keys are hashed, so any string (an address, an email) can be counted.
"""

import hashlib
import math
import time

from django.core.cache import BaseCache, caches


def hit(
    scope: str,
    key: str,
    *,
    limit: int,
    window_seconds: int,
    cache: BaseCache | None = None,
    now: float | None = None,
) -> int:
    """Count one hit of `key` in `scope`: 0 while within `limit` per window, else seconds to wait.

    Every hit counts, refused or not, so a client who keeps trying stays refused until the
    window ends. `limit` <= 0 turns the limit off (nothing is counted). `cache` defaults to
    the "counters" cache, which fails closed (a Redis outage raises; the site answers 503);
    pass another to fail open.
    """
    if limit <= 0:
        return 0
    cache = caches["counters"] if cache is None else cache
    now = time.time() if now is None else now
    slot = int(now // window_seconds)
    digest = hashlib.sha256(key.encode()).hexdigest()[:32]
    name = f"rate:{scope}:{digest}:{slot}"
    timeout = window_seconds + 60
    cache.add(name, 0, timeout=timeout)  # a no-op when it exists: concurrent first hits add up
    try:
        count = cache.incr(name)
    except ValueError:  # evicted or expired between add and incr
        cache.set(name, 1, timeout=timeout)
        count = 1
    if count <= limit:
        return 0
    return max(1, math.ceil((slot + 1) * window_seconds - now))
