"""A shared page cache for anonymous readers, purged by what each page shows, with conditional GET.

With PAGE_CACHE on (the default when REDIS_URL is set), a GET of a public page or feed by a
request carrying no session and no flash-message cookie is answered from Django's cache when
the copy there is younger than the last purge of every key it shows (`reading/pagekeys.py`:
its entry, tags, publisher, date archive, the site lists, and `all`). A purge of a key is the
time it happened, kept in the shared cache (`bump:<key>`); a copy is served only when it began
rendering after the last purge of each of its keys, so a write that commits while a page renders
still purges it. Nothing fires when a scheduled entry's publish time passes, so the cache also
holds that time (`NEXT_PUBLISH_KEY`, read in the same round trip): the first request after it
purges `all` and the related-stories version, and no copy is stored past it either. Writes
forget the time, and the next request looks it up again (one query).

The purge is never lost. The receivers in `reading/signals.py` call `record_page_change` with
the keys the write touches, which writes them in a `PageInvalidation` row in the write's own
transaction and, after the commit, applies it (`apply_page_invalidations`: purge those keys in
the shared cache and at the edge cache, `reading/edge.py`, then delete the rows). When the
cache or the edge does not take the purge (Redis down or hung at that moment, or a process whose
cache is its own memory, such as a command run without REDIS_URL), the row stays, and every web
process applies what is pending at most every PAGE_INVALIDATION_CHECK_SECONDS (one small query,
`check_page_invalidations`). So no copy made before a committed write is served more than that
long after both the commit and the cache answering again.

One cache round trip per hit: a `get_many` of the `all` purge, the next publish time, the page
and the purges of the keys this process last saw on that page (remembered per page key, at
most KNOWN_PAGES_LIMIT of them); a copy showing keys not read there costs a second `get_many`
for those. Plus one query per process every PAGE_INVALIDATION_CHECK_SECONDS. A hit answers
If-None-Match / If-Modified-Since with 304 without running the view; a miss adds ETag and
Last-Modified too, so conditional GET works on every public page. A copy is kept with its gzip
and Brotli bodies, compressed once when stored (`reading/compression.py`): a hit sends the one
the reader accepts, with its own ETag, and no copy is compressed per request. Every public page
also tells shared caches what they may keep (`Cache-Control` with s-maxage) and which keys it
shows (EDGE_KEYS_HEADER).
"""

import contextlib
import hashlib
import threading
import time
from collections.abc import Iterable

from django.conf import settings
from django.core.cache import cache, caches
from django.core.cache.backends.dummy import DummyCache
from django.core.cache.backends.locmem import LocMemCache
from django.db import DEFAULT_DB_ALIAS, DatabaseError, transaction
from django.http import HttpRequest, HttpResponse
from django.urls import Resolver404, resolve
from django.utils.cache import get_conditional_response, patch_cache_control
from django.utils.http import http_date

from events.models import Entry
from events.related import bump_related_version

from . import compression, edge, pagekeys
from .models import PageInvalidation

# The time of the last purge of `all` (every page); always present while the cache answers.
VERSION_KEY = "pages:bump:all"
NEXT_PUBLISH_KEY = "pages:next-publish"
NONE_SCHEDULED = -1.0
# URL namespaces and names of the public pages and feeds (reading's URLs and the sitemap).
PUBLIC_NAMESPACES = {"events", "sources"}
PUBLIC_NAMES = {"sitemap", "sitemap-section", "sitemap-news", "robots"}
SKIPPED_HEADERS = {"set-cookie", "date"}
# Per process: the purge-time keys of the copy last seen at each page key, read with the page in
# the same round trip. Only a guess: a hit checks the copy's own keys, and reads any it lacks.
_known_bump_keys: dict[str, tuple[str, ...]] = {}
KNOWN_PAGES_LIMIT = 20_000
# What a 304 repeats of the full response (RFC 9110, 15.4.5).
NOT_MODIFIED_HEADERS = {"etag", "last-modified", "vary", "cache-control", "expires"}


# Invalidation records are written, read and deleted on the primary, where the write commits.
RECORDS_DB = DEFAULT_DB_ALIAS
# Records applied per purge (one SELECT and one DELETE each; SQLite allows 999 parameters).
APPLY_BATCH = 500


class CacheMissedBump(Exception):
    """The shared cache (or the edge cache) did not take a purge; the records are kept."""


def bump_key(key: str) -> str:
    """Where the shared cache keeps the time `key` was last purged."""
    return VERSION_KEY if key == pagekeys.ALL else f"pages:bump:{key}"


def purge_keys(keys: Iterable[str]) -> bool:
    """Make every cached copy showing one of `keys` stale on every app server.

    True when the cache took the purge. A key's purge time outlives every copy made before it
    (PAGE_CACHE_SECONDS); `all`'s never expires. Purging `all` forgets the next publish time.
    """
    now = time.time()
    keys = set(keys)
    everything = pagekeys.ALL in keys
    keys.discard(pagekeys.ALL)
    failed: list = []
    if keys:
        timeout = settings.PAGE_CACHE_SECONDS + 60
        failed += cache.set_many({bump_key(key): now for key in keys}, timeout=timeout) or []
    if everything:
        failed += cache.set_many({VERSION_KEY: now}, timeout=None) or []
        cache.delete(NEXT_PUBLISH_KEY)
    return not failed


def bump_page_version() -> bool:
    """Make every cached page stale on every app server, and forget the next publish time."""
    return purge_keys([pagekeys.ALL])


def cache_is_shared() -> bool:
    """Whether the default cache is one all processes share (not this process' own memory)."""
    return not isinstance(caches["default"], (LocMemCache, DummyCache))


class _ApplyAfterCommit:
    """The after-commit apply of one transaction, holding the record it writes its keys to.

    `entries`: the entries whose every page key (`reading.signals.keys_of_entries`, related
    widgets included) the record holds, so later writes to them in the transaction add only
    their own keys.
    """

    def __init__(self, record_id: int, keys: set[str], savepoints: tuple, entries: set[int]):
        self.record_id, self.keys, self.savepoints = record_id, keys, savepoints
        self.entries = entries

    def __call__(self) -> None:
        apply_after_commit()


def _pending_change(connection) -> _ApplyAfterCommit | None:
    """The current transaction's queued apply, if a write in it recorded keys already."""
    if not connection.in_atomic_block:
        return None
    for queued in connection.run_on_commit:
        if isinstance(queued[1], _ApplyAfterCommit):
            return queued[1]
    return None


def recorded_entries() -> frozenset[int]:
    """The entries whose every page key this transaction has recorded already (see `entries`).

    Gone with the record when a savepoint holding it rolls back (Django drops the queued apply).
    """
    pending = _pending_change(transaction.get_connection(RECORDS_DB))
    return frozenset(pending.entries) if pending is not None else frozenset()


def record_page_change(
    keys: Iterable[str] = (pagekeys.ALL,), *, entries: Iterable[int] = ()
) -> None:
    """Record, in the current transaction, that the pages showing `keys` changed.

    One record per transaction: a later write in the same transaction adds its keys to it (one
    UPDATE when it brings new keys). Django drops the queued apply, with the record, when a
    savepoint holding both rolls back. With no keys, nothing changed that a page shows.
    `entries`: entries whose every page key is in `keys` (`recorded_entries` returns them).
    """
    keys = set(keys)
    if not keys:
        return
    connection = transaction.get_connection(RECORDS_DB)
    records = PageInvalidation.objects.using(RECORDS_DB)
    pending = _pending_change(connection)
    if pending is not None:
        pending.entries.update(entries)
        savepoints = tuple(connection.savepoint_ids)
        if keys <= pending.keys and savepoints == pending.savepoints:
            return
        # After a rolled-back savepoint the record may lack keys held here: write all.
        pending.keys |= keys
        pending.savepoints = savepoints
        records.filter(id=pending.record_id).update(keys=sorted(pending.keys))
        return
    record = records.create(keys=sorted(keys))
    transaction.on_commit(
        _ApplyAfterCommit(record.id, keys, tuple(connection.savepoint_ids), set(entries)),
        using=RECORDS_DB,
    )


def apply_page_invalidations() -> int:
    """Apply every committed invalidation record to the caches; how many were applied.

    Purges the records' keys in the shared cache (and the related-stories version), then at
    the edge cache, then deletes exactly the records it read (one committed meanwhile stays for
    the next call). Raises `CacheMissedBump`, keeping the records, when the cache or the edge did
    not take the purge: call again later (a task queue retries it as it is). Does nothing in a
    process whose cache is its own memory: the records wait for a process that shares the cache
    with the web servers.
    """
    if not cache_is_shared():
        return 0
    records = PageInvalidation.objects.using(RECORDS_DB)
    applied = 0
    while rows := list(records.order_by("id").values_list("id", "keys")[:APPLY_BATCH]):
        keys = {key for _, row_keys in rows for key in (row_keys or [pagekeys.ALL])}
        if not (purge_keys(keys) and bump_related_version()):
            raise CacheMissedBump("The shared cache did not take the purge.")
        if not edge.purge(keys):
            raise CacheMissedBump("The edge cache did not take the purge.")
        records.filter(id__in=[row_id for row_id, _ in rows]).delete()
        applied += len(rows)
        if len(rows) < APPLY_BATCH:
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
    """The next scheduled publish time (Unix time, or NONE_SCHEDULED), purging if it passed.

    `known` is the cached value (None when a write made the cache forget it). When it has
    passed, a scheduled entry just went live: every page and related list may show it.
    """
    if known is not None and (known == NONE_SCHEDULED or known > time.time()):
        return known
    if known is not None:
        bump_page_version()
        bump_related_version()
        if settings.EDGE_PURGE:
            # The edge hears of it through a record, retried like a write's purge.
            with transaction.atomic(using=RECORDS_DB):
                record_page_change({pagekeys.ALL})
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


def _public_match(request: HttpRequest) -> bool:
    match = request.resolver_match
    return match is not None and (
        match.namespace in PUBLIC_NAMESPACES or match.url_name in PUBLIC_NAMES
    )


def _public(request: HttpRequest, response: HttpResponse) -> bool:
    """A whole 200 page of the public site, the same for every anonymous reader."""
    if not _public_match(request):
        return False
    user = getattr(request, "user", None)
    return (
        response.status_code == 200
        and not response.streaming
        and not response.cookies
        and "private" not in response.get("Cache-Control", "")
        and not (user is not None and user.is_authenticated)
        and may_use_cache(request)
    )


def _rebuild(page: dict) -> HttpResponse:
    response = HttpResponse(page["content"], status=page["status"])
    for name, value in page["headers"]:
        response[name] = value
    return response


def _own_bump_keys(page: dict) -> tuple[str, ...]:
    return tuple(bump_key(key) for key in page["keys"] if key != pagekeys.ALL)


def _remember_bump_keys(key: str, names: tuple[str, ...]) -> None:
    if len(_known_bump_keys) >= KNOWN_PAGES_LIMIT:
        _known_bump_keys.clear()
    _known_bump_keys[key] = names


def _fresh(page: dict, everything: float, found: dict, fetched: Iterable[str]) -> bool:
    """Whether the copy began rendering after the last purge of each of its keys.

    `found` holds the purge times read with the page (of the keys in `fetched`, absent when
    never purged); the copy's other keys are read now, a second round trip.
    """
    # Purge times are taken after the write committed, render times before the render read
    # anything: with the servers' clocks in step (NTP), a copy that may have read rows from
    # before a write began rendering before that write's purge time.
    newest_valid = page["started"]
    if page["expires"] <= time.time() or everything >= newest_valid:
        return False
    own = _own_bump_keys(page)
    fetched = set(fetched)
    unread = [name for name in own if name not in fetched]
    purged = {**found, **cache.get_many(unread)} if unread else found
    return all(purged.get(name, 0.0) < newest_valid for name in own)


def edge_headers(
    response: HttpResponse, keys: Iterable[str], upcoming: float = NONE_SCHEDULED
) -> None:
    """Tell shared caches how long they may keep this public page and which keys it shows.

    Never past the next scheduled publish time (`upcoming`, when the page cache knows it): the
    entry must appear at its time at the edge too, where no request reaches the app to notice.
    """
    seconds = settings.EDGE_CACHE_SECONDS
    if upcoming != NONE_SCHEDULED:
        seconds = max(0, min(seconds, int(upcoming - time.time())))
    # Always said, even as s-maxage=0: a shared cache's own default lifetime would be wrong.
    patch_cache_control(
        response,
        public=True,
        max_age=0,
        s_maxage=seconds,
        stale_while_revalidate=settings.EDGE_STALE_WHILE_REVALIDATE_SECONDS,
        stale_if_error=settings.EDGE_STALE_IF_ERROR_SECONDS,
    )
    if settings.EDGE_KEYS_HEADER:
        response[settings.EDGE_KEYS_HEADER] = edge.header_value(keys)


class PageCacheMiddleware:
    """Serve anonymous public pages from the shared cache; store them with their keys.

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
            # The purge times of the keys this process last saw on the page come in the same
            # round trip, so a hit on a page whose keys have not changed costs one.
            guessed = _known_bump_keys.get(key, ())
            found = cache.get_many([VERSION_KEY, NEXT_PUBLISH_KEY, key, *guessed])
            upcoming = _next_publish(found.get(NEXT_PUBLISH_KEY))
            everything = found.get(VERSION_KEY)
            if everything is None or upcoming != found.get(NEXT_PUBLISH_KEY):
                cache.add(VERSION_KEY, 0.0, timeout=None)
                everything = cache.get(VERSION_KEY)
            page = found.get(key)
            if page and everything is not None and _fresh(page, everything, found, guessed):
                _remember_bump_keys(key, _own_bump_keys(page))
                return self._answer(request, page)
            # A miss renders from the primary: a copy stored for every reader must not be made
            # of a lagging replica's rows (newsroom/routers.py).
            request.renders_for_shared_cache = True  # type: ignore[attr-defined]
        started = time.time()
        token = pagekeys.start_collecting()
        try:
            response = self.get_response(request)
        finally:
            shown = pagekeys.stop_collecting(token)
        if request.method != "GET" or not _public_match(request):
            return response
        if not _public(request, response):
            if "Cache-Control" not in response:
                # A staff view, a flash message, a reader's own form: never in a shared cache.
                patch_cache_control(response, private=True)
            return response
        assert request.resolver_match is not None
        keys = pagekeys.url_page_keys(request.resolver_match) | shown
        edge_headers(response, keys, upcoming if shared else NONE_SCHEDULED)
        compression.vary_on_coding(response)
        etag = f'"{hashlib.md5(response.content, usedforsecurity=False).hexdigest()}"'
        response["ETag"] = etag
        if shared and everything is not None:
            copies = self._store(response, key, started, keys, etag, upcoming)
        else:
            # Not kept: compressed for this reader alone, in the one coding they get.
            wanted = compression.accepted_coding(request)
            copies = compression.compressed_copies(response.content, [wanted] if wanted else [])
        coding = compression.accepted_coding(request, copies)
        if coding is not None:
            compression.send_compressed(response, coding, copies[coding], etag)
        return (
            get_conditional_response(
                request, etag=compression.coding_etag(etag, coding), response=response
            )
            or response
        )

    def _answer(self, request: HttpRequest, page: dict) -> HttpResponse:
        """The stored copy in the coding this reader accepts, or 304 when they hold it."""
        copies = page.get("compressed", {})  # a copy kept before codings were kept has none
        coding = compression.accepted_coding(request, copies)
        etag = compression.coding_etag(page["etag"], coding)
        not_modified = get_conditional_response(
            request, etag=etag, last_modified=int(page["last_modified"])
        )
        if not_modified is not None:
            for name, value in page["headers"]:
                if name.lower() in NOT_MODIFIED_HEADERS:
                    not_modified[name] = value
            not_modified["ETag"] = etag
            return not_modified
        response = _rebuild(page)
        if coding is not None:
            compression.send_compressed(response, coding, copies[coding], page["etag"])
        return response

    def _store(
        self, response, key: str, started: float, keys: set[str], etag: str, upcoming: float
    ) -> dict[str, bytes]:
        """Keep the plain copy and its compressed ones; the compressed ones, by coding.

        Compressed once here, not on each hit: a public page holds no secret (BREACH, see
        `reading/compression.py`). Not kept when the copy would expire within a second.
        """
        now = time.time()
        timeout = float(settings.PAGE_CACHE_SECONDS)
        if upcoming != NONE_SCHEDULED:
            timeout = min(timeout, upcoming - now)
        copies = compression.compressed_copies(response.content)
        if timeout < 1:
            return copies
        response["Last-Modified"] = http_date(now)
        headers = [(k, v) for k, v in response.items() if k.lower() not in SKIPPED_HEADERS]
        page = {
            "started": started,
            "keys": sorted(keys),
            "expires": now + timeout,
            "status": response.status_code,
            "content": response.content,
            # One key with the plain copy: a purge or expiry drops every coding with it.
            "compressed": copies,
            "headers": headers,
            "etag": etag,
            "last_modified": now,
        }
        cache.set(key, page, timeout=int(timeout))
        _remember_bump_keys(key, _own_bump_keys(page))
        return copies
