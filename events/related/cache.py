"""The related-stories cache: lists kept under a global version that any change bumps.

Signal receivers (events/signals.py) bump the version whenever an entry, a tag or a tag link
changes, so a cached list never outlives a change that could alter it.
"""

from django.conf import settings
from django.core.cache import cache
from django.utils import timezone

from ..models import Entry
from .query import DEFAULT_LIMIT, query_related_entries

VERSION_KEY = "related:version"


def _version() -> int:
    version = cache.get(VERSION_KEY)
    if version is None:
        version = 1
        cache.add(VERSION_KEY, version, timeout=None)
    return version


def bump_related_version() -> None:
    """Make every cached related list stale at once.

    Scores depend on N and on every tag's df, so one entry's change can reorder any list:
    a global version is the simplest invalidation that is always right.
    """
    try:
        cache.incr(VERSION_KEY)
    except ValueError:
        cache.set(VERSION_KEY, 2, timeout=None)


def list_cache_key(entry_pk: int, limit: int = DEFAULT_LIMIT) -> str:
    """Where the related list of one entry is cached (under the current version)."""
    return f"related:v{_version()}:{entry_pk}:{limit}"


def related_entries(entry: Entry, *, limit: int = DEFAULT_LIMIT) -> list[Entry]:
    """The related entries of `entry` (see `query_related_entries`), from the cache if fresh.

    Cold: two SQL queries (the list; the next scheduled publish time). Warm: none. A cached
    list lives RELATED_CACHE_SECONDS at most and never past the next scheduled publish time (no
    signal fires then), so a cached entry page re-rendered at that time shows the new entry;
    every other change that matters bumps the version and empties the cache at once.
    """
    key = list_cache_key(entry.pk, limit)
    results = cache.get(key)
    if results is None:
        results = query_related_entries(entry, limit=limit)
        timeout = _until_next_publish(settings.RELATED_CACHE_SECONDS)
        if timeout >= 1:
            cache.set(key, results, timeout=timeout)
    return results


def _until_next_publish(timeout: int) -> int:
    """`timeout`, shortened so a list never outlives the next scheduled publish time."""
    upcoming = (
        Entry.objects.scheduled().order_by("publish_at").values_list("publish_at", flat=True)
    ).first()
    if upcoming is None:
        return timeout
    return min(timeout, int((upcoming - timezone.now()).total_seconds()))
