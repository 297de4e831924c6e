"""Probes for load balancers: /healthz (the process answers) and /readyz (it can serve)."""

import uuid

from django.db import connection
from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from .cache import REDIS_ERRORS, CacheUnavailable, strict_cache
from .outages import DATABASE_ERRORS

# Each probe writes and reads back a key of its own (this prefix and a random token), so
# parallel probes never read each other's value.
READY_KEY_PREFIX = "newsroom:readyz:"


@never_cache
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    """200 while the process answers; touches neither the database nor the cache."""
    return JsonResponse({"status": "ok"})


@never_cache
@require_GET
def readyz(request: HttpRequest) -> JsonResponse:
    """200 when the database answers `SELECT 1` and the cache a write and a read; else 503.

    The body names each check and, when one fails, its error class, never connection details.
    """
    checks = {"database": _check_database(), "cache": _check_cache()}
    ready = all(value == "ok" for value in checks.values())
    return JsonResponse(
        {"status": "ok" if ready else "unavailable", "checks": checks},
        status=200 if ready else 503,
    )


def _check_database() -> str:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DATABASE_ERRORS as error:
        return f"error: {type(error).__name__}"
    return "ok"


def _check_cache() -> str:
    token = uuid.uuid4().hex
    key = READY_KEY_PREFIX + token
    cache = strict_cache()
    try:
        cache.set(key, token, timeout=10)
        if cache.get(key) != token:
            return "error: the value read back differs"
        cache.delete(key)
    except (CacheUnavailable, *REDIS_ERRORS) as error:
        return f"error: {type(error).__name__}"
    return "ok"
