"""A per-IP and per-email comment rate limit kept in Django's cache.

Fixed windows of COMMENTS_RATE_WINDOW_MINUTES: each accepted post increments one counter per key
(`cache.incr` is atomic on Redis and memcached, so the limit holds across gunicorn workers when a
shared cache is configured). A burst straddling a window boundary can reach twice the limit; that
is the price of one cache round-trip per key.
"""

import hashlib
import time

from django.conf import settings
from django.core.cache import caches

from .models import normalize_email


def _key(kind: str, value: str, window: int) -> str:
    digest = hashlib.sha256(value.encode()).hexdigest()[:32]
    return f"comments:rate:{kind}:{digest}:{window}"


def allow(*, ip_address: str | None, email: str) -> bool:
    """Count one post for this IP and this email; False when either is over the limit.

    The post is counted even when refused, so a sender who keeps trying stays refused until the
    window ends.
    """
    window_seconds = settings.COMMENTS_RATE_WINDOW_MINUTES * 60
    window = int(time.time() // window_seconds)
    keys = [_key("email", normalize_email(email), window)]
    if ip_address:
        keys.append(_key("ip", ip_address, window))
    # The "counters" cache fails closed: when it is down, this raises and the site answers 503.
    cache = caches["counters"]
    allowed = True
    for key in keys:
        # add() is a no-op when the key exists, so concurrent first posts do not reset it.
        cache.add(key, 0, timeout=window_seconds + 60)
        try:
            count = cache.incr(key)
        except ValueError:  # evicted between add and incr
            cache.set(key, 1, timeout=window_seconds + 60)
            count = 1
        if count > settings.COMMENTS_RATE_LIMIT:
            allowed = False
    return allowed
