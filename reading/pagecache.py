"""A shared page cache for anonymous readers, never stale, with conditional GET.

With PAGE_CACHE on (the default when REDIS_URL is set), a GET of a public page or feed by a
request carrying no session and no flash-message cookie is answered from Django's cache when a
copy made under the current *page version* is there. Every write that can change what a page
shows bumps that one version in the shared cache (`bump_page_version`, connected to the
models' signals in `ReadingConfig.ready()`), so every app server stops serving every old copy at
once. Nothing fires when a scheduled entry's publish time passes, so no copy outlives the next
scheduled publish time.

One cache round trip per hit (`get_many` of the version and the page). A hit answers
If-None-Match / If-Modified-Since with 304 without running the view; a miss adds ETag and
Last-Modified too, so conditional GET works on every public page.
"""

import hashlib
import time

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse
from django.utils.cache import get_conditional_response
from django.utils.http import http_date

from events.models import Entry

VERSION_KEY = "pages:version"
# URL namespaces and names of the public pages and feeds (reading's URLs and the sitemap).
PUBLIC_NAMESPACES = {"events", "sources"}
PUBLIC_NAMES = {"sitemap", "sitemap-section", "robots"}
SKIPPED_HEADERS = {"set-cookie", "date"}
# What a 304 repeats of the full response (RFC 9110, 15.4.5).
NOT_MODIFIED_HEADERS = {"etag", "last-modified", "vary", "cache-control", "expires"}


def bump_page_version(**kwargs) -> None:
    """Make every cached page stale on every app server (a signal receiver)."""
    try:
        cache.incr(VERSION_KEY)
    except ValueError:
        cache.add(VERSION_KEY, 1, timeout=None)


def enabled() -> bool:
    return settings.PAGE_CACHE and settings.PAGE_CACHE_SECONDS > 0


def may_use_cache(request: HttpRequest) -> bool:
    """Anonymous GETs only: a session (signed-in staff, a reader's flash message) never."""
    if request.method != "GET":
        return False
    cookies = request.COOKIES
    return settings.SESSION_COOKIE_NAME not in cookies and "messages" not in cookies


def page_key(request: HttpRequest) -> str:
    """The cache key of the page at this scheme, host and full path."""
    url = f"{request.scheme}://{request.get_host()}{request.get_full_path()}"
    return "pages:page:" + hashlib.sha256(url.encode()).hexdigest()


def next_publish_time() -> float | None:
    """When the next scheduled entry goes live (a Unix time), or None when none is scheduled."""
    upcoming = (
        Entry.objects.scheduled().order_by("publish_at").values_list("publish_at", flat=True)
    ).first()
    return None if upcoming is None else upcoming.timestamp()


def _public(request: HttpRequest, response: HttpResponse) -> bool:
    """A whole 200 page of the public site, the same for every anonymous reader."""
    match = request.resolver_match
    if match is None or not (
        match.namespace in PUBLIC_NAMESPACES or match.url_name in PUBLIC_NAMES
    ):
        return False
    user = getattr(request, "user", None)
    return (
        response.status_code == 200
        and not response.streaming
        and not response.cookies
        and "private" not in response.get("Cache-Control", "")
        and not (user is not None and user.is_authenticated)
    )


def _rebuild(page: dict) -> HttpResponse:
    response = HttpResponse(page["content"], status=page["status"])
    for name, value in page["headers"]:
        response[name] = value
    return response


class PageCacheMiddleware:
    """Serve anonymous public pages from the shared cache; store them under the page version.

    Placed before the session, CSRF and auth middleware, so a hit costs no session lookup;
    the stored copy keeps the headers those added (Vary: Cookie, X-Frame-Options, ...).
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        shared = enabled() and may_use_cache(request)
        if shared:
            key = page_key(request)
            found = cache.get_many([VERSION_KEY, key])
            version = found.get(VERSION_KEY)
            if version is None:
                cache.add(VERSION_KEY, 1, timeout=None)
                version = cache.get(VERSION_KEY)
            page = found.get(key)
            if page and page["version"] == version and page["expires"] > time.time():
                return self._answer(request, page)
        response = self.get_response(request)
        if request.method != "GET" or not _public(request, response):
            return response
        etag = f'"{hashlib.md5(response.content, usedforsecurity=False).hexdigest()}"'
        response["ETag"] = etag
        if shared:
            self._store(response, key, version, etag)
        return get_conditional_response(request, etag=etag, response=response)

    def _answer(self, request: HttpRequest, page: dict) -> HttpResponse:
        etag, last_modified = page["etag"], page["last_modified"]
        not_modified = get_conditional_response(
            request, etag=etag, last_modified=int(last_modified)
        )
        if not_modified is not None:
            for name, value in page["headers"]:
                if name.lower() in NOT_MODIFIED_HEADERS:
                    not_modified[name] = value
            return not_modified
        return _rebuild(page)

    def _store(self, response: HttpResponse, key: str, version: int, etag: str) -> None:
        now = time.time()
        timeout = float(settings.PAGE_CACHE_SECONDS)
        upcoming = next_publish_time()
        if upcoming is not None:
            timeout = min(timeout, upcoming - now)
        if timeout < 1:
            return
        response["Last-Modified"] = http_date(now)
        headers = [(k, v) for k, v in response.items() if k.lower() not in SKIPPED_HEADERS]
        page = {
            "version": version,
            "expires": now + timeout,
            "status": response.status_code,
            "content": response.content,
            "headers": headers,
            "etag": etag,
            "last_modified": now,
        }
        cache.set(key, page, timeout=int(timeout))
