"""What every API response shares, around the views: rate limit, CORS, conditional GET, caching.

Applied by wrapping each URL pattern of the API (api/urls.py), so it covers exactly /api/v1/
and nothing else of the site, with no site-wide middleware.
"""

import hashlib
from collections.abc import Callable
from functools import wraps

from django.conf import settings
from django.core.cache import cache as default_cache
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils.cache import get_conditional_response, patch_cache_control
from django.utils.http import http_date

from newsroom import ratelimit
from newsroom.clients import client_address

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


def seconds_until_allowed(request: HttpRequest) -> int:
    """Count one request from the client's address: 0 within API_RATE_LIMIT, else seconds to wait.

    Counted by the site's one rate-limit counter in the default cache, which fails open: with
    Redis down the read API keeps answering, unlimited, rather than going dark with it.
    """
    return ratelimit.hit(
        "api",
        client_address(request) or "unknown",
        limit=settings.API_RATE_LIMIT,
        window_seconds=settings.API_RATE_WINDOW_SECONDS,
        cache=default_cache,
    )


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
        wait = seconds_until_allowed(request)
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
