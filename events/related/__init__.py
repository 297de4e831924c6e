"""Related stories: other live entries ranked by the tags they share with an entry.

`query.py` holds the one SQL query and its per-database spellings; `cache.py` the cached lists
and their version. The receivers that bump the version live in `events/signals.py`.
"""

from .cache import bump_related_version, list_cache_key, related_entries
from .query import DEFAULT_LIMIT, query_related_entries

__all__ = [
    "DEFAULT_LIMIT",
    "bump_related_version",
    "list_cache_key",
    "query_related_entries",
    "related_entries",
]
