"""What every API response shares, around the views: rate limit, CORS, conditional GET, caching.

Applied by wrapping each URL pattern of the API (api/urls.py), so it covers exactly /api/v1/
and nothing else of the site, with no site-wide middleware.
"""

import hashlib
import math
import time
from collections.abc import Callable
from functools import wraps

from django.conf import settings
from django.core.cache import cache as default_cache
from django.http import HttpResponse, JsonResponse
from django.utils.cache import get_conditional_response, patch_cache_control
from django.utils.http import http_date

from . import changes

SAFE_METHODS = ("GET", "HEAD")
CORS_HEADERS = {
    # Anonymous, read-only data without cookies: any origin may read it, credentials never.
    "Access-Control-Allow-Origin": "*",
    "Access-Control-Expose-Headers": "ETag, Last-Modified, Retry-After",
}
PREFLIGHT_HEADERS = {
    "Access-Control-Allow-Methods": "GET, HEAD, OPTIONS",
    "Access-Control-Allow-Headers": "If-None-Match, If-Modified-Since",
    "Access-Control-Max-Age": "86400",
}


def client_address(request) -> str:
    """The client's address, from the header that the comment rate limit trusts too."""
    raw = request.META.get(settings.COMMENTS_IP_HEADER, "") or ""
    return raw.split(",")[0].strip()[:64] or "unknown"


def seconds_until_allowed(address: str, *, cache=None, now: float | None = None) -> int:
    """Count one request from `address`; 0 if within API_RATE_LIMIT, else seconds to wait.

    A fixed window of API_RATE_WINDOW_SECONDS counted in the cache with add + incr, both atomic
    in Redis, so with REDIS_URL set the limit holds across every worker and server sharing it.
    API_RATE_LIMIT = 0 turns the limit off.
    """
    limit, window = settings.API_RATE_LIMIT, settings.API_RATE_WINDOW_SECONDS
    if limit <= 0:
        return 0
    cache = cache or default_cache
    now = time.time() if now is None else now
    slot = int(now // window)
    key = f"api:rate:{address}:{slot}"
    cache.add(key, 0, timeout=window + 1)
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.add(key, 1, timeout=window + 1)
        count = 1
    if count <= limit:
        return 0
    return max(1, math.ceil((slot + 1) * window - now))


def error_response(status: int, message: str, parameter: str | None = None) -> JsonResponse:
    return JsonResponse({"errors": [{"parameter": parameter, "message": message}]}, status=status)


def _validators(request, shape: str) -> tuple[str, float | None]:
    """The ETag and Last-Modified of whatever this URL serves now, without rendering it.

    Everything the API serves changes only with a change-log row, or with a release that
    changes the responses' shape (`shape`, a digest of the OpenAPI document), so together they
    identify the content.
    """
    latest = changes.latest_change()
    version = f"{latest.pk}.{latest.effective_at.timestamp()}" if latest else "0"
    raw = f"{shape}|{request.get_full_path()}|{version}"
    etag = '"' + hashlib.sha256(raw.encode()).hexdigest()[:32] + '"'
    return etag, (latest.effective_at.timestamp() if latest else None)


def api_view(view, *, shape: Callable[[], str]):
    """Wrap an API view with the rate limit, CORS, conditional GET and Cache-Control.

    `shape` returns a digest of the API's schema, part of every ETag.
    """

    @wraps(view)
    def wrapped(request, *args, **kwargs):
        if request.method == "OPTIONS":
            response = HttpResponse(status=204)
            for name, value in {**CORS_HEADERS, **PREFLIGHT_HEADERS}.items():
                response[name] = value
            return response
        wait = seconds_until_allowed(client_address(request))
        if wait:
            response = error_response(429, f"Too many requests; retry in {wait} seconds.")
            response["Retry-After"] = str(wait)
            patch_cache_control(response, no_store=True)
        elif request.method not in SAFE_METHODS:
            response = error_response(405, "The API is read-only.")
            response["Allow"] = "GET, HEAD, OPTIONS"
        else:
            etag, last_modified = _validators(request, shape())
            conditional = get_conditional_response(
                request, etag=etag, last_modified=int(last_modified) if last_modified else None
            )
            response = conditional if conditional is not None else view(request, *args, **kwargs)
            if response.status_code in (200, 304, 404):
                response["ETag"] = etag
                if last_modified is not None:
                    response["Last-Modified"] = http_date(last_modified)
                patch_cache_control(response, public=True, max_age=settings.API_CACHE_SECONDS)
        for name, value in CORS_HEADERS.items():
            response[name] = value
        return response

    return wrapped
