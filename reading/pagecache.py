"""A shared page cache for anonymous readers, never stale, with conditional GET.

With PAGE_CACHE on (the default when REDIS_URL is set), a GET of a public page or feed by a
request carrying no session and no flash-message cookie is answered from Django's cache when a
copy made under the current *page version* is there. Every write that can change what a page
shows bumps that one version in the shared cache, so every app server stops serving every old
copy at once. Nothing fires when a scheduled entry's publish time passes, so the cache also holds
that time (`NEXT_PUBLISH_KEY`, read in the same round trip): the first request after it bumps the
page version and the related-stories version, exactly as a write would, and no copy is stored
past it either. Writes forget the time, and the next request looks it up again (one query).

The bump is never lost. The receivers in `reading/signals.py` call `record_page_change`, which
writes a `PageInvalidation` row in the write's own transaction and, after the commit, applies
it (`apply_page_invalidations`: bump the page and related-stories versions, delete the rows the
bump covered). When the cache does not take the bump (Redis down or hung at that moment, or a
process whose cache is its own memory, such as a command run without REDIS_URL), the row stays,
and every web process applies what is pending at most every PAGE_INVALIDATION_CHECK_SECONDS
(one small query, `check_page_invalidations`). So no copy made before a committed write is
served more than that long after both the commit and the cache answering again.

One cache round trip per hit (`get_many` of the version, the next publish time and the page),
plus one query per process every PAGE_INVALIDATION_CHECK_SECONDS. A hit answers If-None-Match /
If-Modified-Since with 304 without running the view; a miss adds ETag and Last-Modified too, so
conditional GET works on every public page.
"""

import contextlib
import hashlib
import threading
import time

from django.conf import settings
from django.core.cache import cache, caches
from django.core.cache.backends.dummy import DummyCache
from django.core.cache.backends.locmem import LocMemCache
from django.db import DEFAULT_DB_ALIAS, DatabaseError, transaction
from django.http import HttpRequest, HttpResponse
from django.urls import Resolver404, resolve
from django.utils.cache import get_conditional_response
from django.utils.http import http_date

from events.models import Entry
from events.related import bump_related_version

from .models import PageInvalidation

VERSION_KEY = "pages:version"
NEXT_PUBLISH_KEY = "pages:next-publish"
NONE_SCHEDULED = -1.0
# URL namespaces and names of the public pages and feeds (reading's URLs and the sitemap).
PUBLIC_NAMESPACES = {"events", "sources"}
PUBLIC_NAMES = {"sitemap", "sitemap-section", "robots"}
SKIPPED_HEADERS = {"set-cookie", "date"}
# What a 304 repeats of the full response (RFC 9110, 15.4.5).
NOT_MODIFIED_HEADERS = {"etag", "last-modified", "vary", "cache-control", "expires"}


# Invalidation records are written, read and deleted on the primary, where the write commits.
RECORDS_DB = DEFAULT_DB_ALIAS
# Records applied per bump (one SELECT and one DELETE each; SQLite allows 999 parameters).
APPLY_BATCH = 500


class CacheMissedBump(Exception):
    """The shared cache did not take a version bump (down or hung); the records are kept."""


def bump_page_version() -> bool:
    """Make every cached page stale on every app server, and forget the next publish time.

    True when the cache took the bump. The resilient Redis cache answers a failed call with its
    fallback (no counter, no add), which is how a bump lost to an outage shows.
    """
    try:
        cache.incr(VERSION_KEY)
        taken = True
    except ValueError:
        taken = cache.add(VERSION_KEY, 1, timeout=None) or cache.get(VERSION_KEY) is not None
    cache.delete(NEXT_PUBLISH_KEY)
    return taken


def cache_is_shared() -> bool:
    """Whether the default cache is one all processes share (not this process' own memory)."""
    return not isinstance(caches["default"], (LocMemCache, DummyCache))


def record_page_change() -> None:
    """Record, in the current transaction, that public pages changed; apply it after commit.

    One record per transaction: a later write in the same transaction finds the after-commit
    apply still queued (Django drops it, with the record, when a savepoint holding both rolls
    back) and adds nothing.
    """
    connection = transaction.get_connection(RECORDS_DB)
    if connection.in_atomic_block and any(
        queued[1] is apply_after_commit for queued in connection.run_on_commit
    ):
        return
    PageInvalidation.objects.using(RECORDS_DB).create()
    transaction.on_commit(apply_after_commit, using=RECORDS_DB)


def apply_page_invalidations() -> int:
    """Apply every committed invalidation record to the shared cache; how many were applied.

    Bumps the page and related-stories versions once per batch of records, then deletes exactly
    the records it read (one committed meanwhile stays for the next call). Raises
    `CacheMissedBump`, keeping the records, when the cache did not take a bump: call again
    later (a task queue retries it as it is). Does nothing in a process whose cache is its own
    memory: the records wait for a process that shares the cache with the web servers.
    """
    if not cache_is_shared():
        return 0
    records = PageInvalidation.objects.using(RECORDS_DB)
    applied = 0
    while ids := list(records.order_by("id").values_list("id", flat=True)[:APPLY_BATCH]):
        if not (bump_page_version() and bump_related_version()):
            raise CacheMissedBump("The shared cache did not take the page version bump.")
        records.filter(id__in=ids).delete()
        applied += len(ids)
        if len(ids) < APPLY_BATCH:
            break
    return applied


def apply_after_commit() -> None:
    """`apply_page_invalidations` after a write commits; what it cannot apply stays recorded.

    `check_page_invalidations` (or, later, a task queue) applies it once the cache answers.
    """
    with contextlib.suppress(CacheMissedBump, DatabaseError):
        apply_page_invalidations()


_last_check = -float("inf")
_check_lock = threading.Lock()


def check_page_invalidations() -> None:
    """Apply pending invalidation records, at most once per PAGE_INVALIDATION_CHECK_SECONDS.

    Called by the page cache before it reads the cache, so a process serves no copy that a
    committed write made stale more than that long after the cache answers again. A failed
    check (cache or database unavailable) waits for the next interval like a successful one, so
    an outage costs one attempt per interval, not one per request.
    """
    global _last_check
    now = time.monotonic()
    with _check_lock:
        if now - _last_check < settings.PAGE_INVALIDATION_CHECK_SECONDS:
            return
        _last_check = now
    with contextlib.suppress(CacheMissedBump, DatabaseError):
        apply_page_invalidations()


def _next_publish(known: float | None) -> float:
    """The next scheduled publish time (Unix time, or NONE_SCHEDULED), bumping if it passed.

    `known` is the cached value (None when a write made the cache forget it). When it has
    passed, a scheduled entry just went live: every page and related list may show it.
    """
    if known is not None and (known == NONE_SCHEDULED or known > time.time()):
        return known
    if known is not None:
        bump_page_version()
        bump_related_version()
    upcoming = next_publish_time()
    value = NONE_SCHEDULED if upcoming is None else upcoming
    cache.set(NEXT_PUBLISH_KEY, value, timeout=None)
    return value


def enabled() -> bool:
    return settings.PAGE_CACHE and settings.PAGE_CACHE_SECONDS > 0


def may_use_cache(request: HttpRequest) -> bool:
    """Anonymous GETs only: a session (signed-in staff, a reader's flash message) never."""
    if request.method != "GET":
        return False
    cookies = request.COOKIES
    return settings.SESSION_COOKIE_NAME not in cookies and "messages" not in cookies


def public_url(path: str) -> bool:
    """Whether `path` is a public page or feed (resolved before any cache round trip)."""
    try:
        match = resolve(path)
    except Resolver404:
        return False
    return match.namespace in PUBLIC_NAMESPACES or match.url_name in PUBLIC_NAMES


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
        shared = enabled() and may_use_cache(request) and public_url(request.path_info)
        if shared:
            check_page_invalidations()
            key = page_key(request)
            found = cache.get_many([VERSION_KEY, NEXT_PUBLISH_KEY, key])
            upcoming = _next_publish(found.get(NEXT_PUBLISH_KEY))
            version = found.get(VERSION_KEY)
            if version is None or upcoming != found.get(NEXT_PUBLISH_KEY):
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
            self._store(response, key, version, etag, upcoming)
        return get_conditional_response(request, etag=etag, response=response) or response

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

    def _store(self, response, key: str, version: int | None, etag: str, upcoming: float) -> None:
        if version is None:
            return  # the cache did not answer: nothing to store
        now = time.time()
        timeout = float(settings.PAGE_CACHE_SECONDS)
        if upcoming != NONE_SCHEDULED:
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
