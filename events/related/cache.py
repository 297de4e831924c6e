"""The related-stories cache: lists kept under a global version that any change bumps.

Signal receivers (events/signals.py) bump the version whenever an entry, a tag or a tag link
changes, so a cached list never outlives a change that could alter it.
"""

from django.conf import settings
from django.core.cache import cache

from ..models import Entry
from .query import DEFAULT_LIMIT, query_related_entries

VERSION_KEY = "related:version"


def _version() -> int:
    version = cache.get(VERSION_KEY)
    if version is None:
        version = 1
        cache.add(VERSION_KEY, version, timeout=None)
    return version


def bump_related_version() -> bool:
    """Make every cached related list stale at once; True when the cache took the bump.

    Scores depend on N and on every tag's df, so one entry's change can reorder any list:
    a global version is the simplest invalidation that is always right. A cache that is down
    answers with its fallback (no counter, nothing stored), which is how a lost bump shows.
    """
    try:
        cache.incr(VERSION_KEY)
    except ValueError:
        cache.set(VERSION_KEY, 2, timeout=None)
        return cache.get(VERSION_KEY) is not None
    return True


def list_cache_key(entry_pk: int, limit: int = DEFAULT_LIMIT) -> str:
    """Where the related list of one entry is cached (under the current version)."""
    return f"related:v{_version()}:{entry_pk}:{limit}"


def related_entries(entry: Entry, *, limit: int = DEFAULT_LIMIT) -> list[Entry]:
    """The related entries of `entry` (see `query_related_entries`), from the cache if fresh.

    Cold: one SQL query. Warm: none. A cached list lives RELATED_CACHE_SECONDS at most, which
    bounds how late a scheduled entry appears once its publish time passes (no signal fires
    then); every other change that matters bumps the version and empties the cache at once.
    """
    key = list_cache_key(entry.pk, limit)
    results = cache.get(key)
    if results is None:
        results = query_related_entries(entry, limit=limit)
        cache.set(key, results, timeout=settings.RELATED_CACHE_SECONDS)
    return results
