"""Related stories: other live entries ranked by the tags they share with an entry.

The ranking is one SQL query (`query_related_entries`), cached by `related_entries`. The cache
holds a global version number that signal handlers bump whenever an entry or a tag link changes
(see `bump_related_version`), so a cached list never outlives a change that could alter it.
"""

import json
from datetime import date

from django.conf import settings
from django.core.cache import cache
from django.db import connections, router
from django.db.models.expressions import RawSQL
from django.db.models.signals import m2m_changed, post_delete, post_save
from django.dispatch import receiver
from taggit.models import Tag

from .models import Entry, TaggedEntry

VERSION_KEY = "related:version"
DEFAULT_LIMIT = 10
# Tag links (postings) read from the rarest tags before the first scoring pass stops widening;
# see the query's comments. Any value gives the same ranking; this one keeps the pass small.
FIRST_PASS_POSTINGS = 100
# Slack when comparing a score bound with the bar, so float noise can only widen the search.
_EPSILON = 1e-6

# The few spellings that differ between the two databases we run on.
_VENDOR_SQL = {
    "postgresql": {
        "round": "ROUND(CAST({} AS NUMERIC), 6)",
        "days_apart": "ABS(e.event_date - CAST(%s AS DATE))",
        "pairs": "JSON_AGG(JSON_BUILD_ARRAY(k.w, t.name))",
    },
    "sqlite": {
        "round": "ROUND({}, 6)",
        "days_apart": "ABS(JULIANDAY(e.event_date) - JULIANDAY(%s))",
        "pairs": "JSON_GROUP_ARRAY(JSON_ARRAY(k.w, t.name))",
    },
}

# CROSS JOIN makes SQLite walk the few tags first and read their postings from the (tag, entry)
# index; PostgreSQL plans it like any inner join.
# Parameters, in order: N when known, E's pk twice, the live rule's own parameters, E's pk
# again, the live rule's parameters again, E's event date.
_SQL = """
WITH
corpus AS (
    -- N: counted here, or passed in when the cache already holds it (see related_entries).
    SELECT {corpus_size} AS n
),
etags AS (
    -- df(t) for each tag of E, counted in the (tag, entry) index; drafts count.
    SELECT s.tag_id, COUNT(*) AS df
    FROM events_taggedentry s CROSS JOIN events_taggedentry d
    WHERE s.content_object_id = %s AND d.tag_id = s.tag_id
    GROUP BY s.tag_id
),
ranked AS (
    -- Rarest tag first. `reach` is the highest score a candidate can have when this is the
    -- rarest tag it shares with E: its own weight plus the weights of all commoner tags.
    SELECT tag_id, df, w,
           ROW_NUMBER() OVER (ORDER BY df, tag_id) AS r,
           SUM(df) OVER (ORDER BY df, tag_id ROWS UNBOUNDED PRECEDING) AS cum_df,
           SUM(w) OVER (ORDER BY df, tag_id ROWS BETWEEN CURRENT ROW AND UNBOUNDED FOLLOWING)
               AS reach
    FROM (
        SELECT etags.tag_id, etags.df,
               LN(1 + CAST(corpus.n AS DOUBLE PRECISION) / etags.df) AS w
        FROM etags CROSS JOIN corpus
    ) weighted
),
first_tags AS (
    -- First pass: the rarest tag, plus the next rarest while their postings stay few.
    SELECT tag_id FROM ranked WHERE r = 1 OR cum_df <= {first_pass}
),
first_ids AS (
    SELECT DISTINCT p.content_object_id AS id
    FROM first_tags f CROSS JOIN events_taggedentry p
    WHERE p.tag_id = f.tag_id
      AND p.content_object_id <> %s
      AND EXISTS ({published})
),
first_scored AS (
    -- Scored one candidate at a time from the (entry, tag) index: a few probes each, instead
    -- of reading the common tags' whole posting lists.
    SELECT c.id,
           (SELECT SUM(k.w)
            FROM ranked k CROSS JOIN events_taggedentry q
            WHERE q.content_object_id = c.id AND q.tag_id = k.tag_id) AS score
    FROM first_ids c
),
bar AS (
    -- The score to beat: the limit-th best score of the first pass (a lower bound of the final
    -- limit-th best). No bar when the first pass found fewer candidates than the limit.
    SELECT score FROM first_scored ORDER BY score DESC LIMIT 1 OFFSET {offset}
),
rest_tags AS (
    -- A candidate missed by the first pass shares only commoner tags; it can make the list only
    -- if the reach of its rarest shared tag meets the bar. Usually none does, and the common
    -- tags' long posting lists are never read.
    SELECT tag_id FROM ranked
    WHERE tag_id NOT IN (SELECT tag_id FROM first_tags)
      AND reach + {epsilon} >= COALESCE((SELECT score FROM bar), 0)
),
rest_ids AS (
    SELECT DISTINCT p.content_object_id AS id
    FROM rest_tags f CROSS JOIN events_taggedentry p
    WHERE p.tag_id = f.tag_id
      AND p.content_object_id <> %s
      AND EXISTS ({published})
      AND p.content_object_id NOT IN (SELECT id FROM first_ids)
),
rest_scored AS (
    SELECT c.id,
           (SELECT SUM(k.w)
            FROM ranked k CROSS JOIN events_taggedentry q
            WHERE q.content_object_id = c.id AND q.tag_id = k.tag_id) AS score
    FROM rest_ids c
),
scored AS (
    SELECT id, score FROM first_scored
    UNION ALL
    SELECT id, score FROM rest_scored
),
cutoff AS (
    -- Only candidates scoring at least the limit-th best (ties included) need their dates.
    SELECT {round_score} AS score FROM scored s ORDER BY s.score DESC LIMIT 1 OFFSET {offset}
),
best AS (
    SELECT e.id, {round_score} AS score, {days_apart} AS apart, e.event_date
    FROM scored s
    JOIN events_entry e ON e.id = s.id
    WHERE {round_score} >= COALESCE((SELECT score FROM cutoff), -1)
    ORDER BY score DESC, apart ASC, e.event_date DESC, e.id ASC
    LIMIT {limit}
)
SELECT e.*, best.score AS related_score, (SELECT n FROM corpus) AS related_corpus_size,
       (SELECT {pairs}
        FROM events_taggedentry q
        JOIN ranked k ON k.tag_id = q.tag_id
        JOIN taggit_tag t ON t.id = q.tag_id
        WHERE q.content_object_id = e.id) AS related_pairs
FROM best JOIN events_entry e ON e.id = best.id
ORDER BY best.score DESC, best.apart ASC, best.event_date DESC, best.id ASC
"""


def _published_sql(using: str) -> tuple[str, list]:
    """`Entry.objects.published()` narrowed to the candidate `p.content_object_id`, as SQL.

    The query checks each candidate with EXISTS (this subquery) so that "live" stays defined in
    one place; it is compiled at call time, so the publish-time cut-off is the current time.
    A correlated EXISTS probes the primary key once per candidate, where `IN (all live ids)`
    would read every live entry on SQLite.
    """
    queryset = (
        Entry.objects.published().filter(pk=RawSQL("p.content_object_id", ())).order_by()
    ).values("pk")
    sql, params = queryset.query.get_compiler(using=using).as_sql()
    return sql, list(params)


def _weight_order(pair: list) -> tuple:
    weight, name = pair
    return (-round(weight, 6), name.casefold(), name)


def query_related_entries(entry: Entry, *, limit: int = DEFAULT_LIMIT) -> list[Entry]:
    """Rank the live entries that share tags with `entry`; exactly one SQL query, no cache.

    For a tag t, w(t) = ln(1 + N / df(t)), where N is the number of entries (drafts included)
    and df(t) the number of entries tagged t (drafts included), read from the tag through
    table. A candidate C's score is the sum of w(t) over the tags C shares with `entry`,
    rounded to 6 decimals so float noise cannot break a tie. Candidates are the other entries
    of `Entry.objects.published()` sharing at least one tag; `entry` itself never appears.

    Order: score descending, then absolute days between the two event dates ascending, then
    the newer event first, then the lower primary key. Each returned entry carries `score`
    (float) and `shared_tags` (names of the shared tags, by weight descending, then name).

    The query first scores the candidates reached through the entry's rarest tags, then reads
    the commoner tags' postings only if a candidate reached that way alone could still make
    the list, so the result is exact and common tags rarely cost anything.
    """
    return _run_query(entry, limit=limit, corpus_size=None)[0]


def _run_query(
    entry: Entry, *, limit: int, corpus_size: int | None
) -> tuple[list[Entry], int | None]:
    """The query behind `query_related_entries`; also returns N when it had to count it.

    `corpus_size` is N if the caller knows it (from the cache); otherwise the query counts it.
    """
    if not isinstance(limit, int) or isinstance(limit, bool) or limit < 1:
        raise ValueError(f"limit must be a positive whole number, not {limit!r}")
    if entry.pk is None:
        return [], None
    using = router.db_for_read(Entry)
    vendor_sql = _VENDOR_SQL[connections[using].vendor]
    published_sql, published_params = _published_sql(using)
    counted = corpus_size is None
    sql = _SQL.format(
        corpus_size="(SELECT COUNT(*) FROM events_entry)" if counted else "CAST(%s AS BIGINT)",
        first_pass=int(FIRST_PASS_POSTINGS),
        offset=limit - 1,
        limit=limit,
        epsilon=repr(_EPSILON),
        published=published_sql,
        round_score=vendor_sql["round"].format("s.score"),
        days_apart=vendor_sql["days_apart"],
        pairs=vendor_sql["pairs"],
    )
    event_date = entry.event_date
    if isinstance(event_date, date):
        event_date = event_date.isoformat()
    params = [
        *([] if counted else [int(corpus_size)]),
        entry.pk,
        entry.pk,
        *published_params,
        entry.pk,
        *published_params,
        event_date,
    ]
    results = list(Entry.objects.db_manager(using).raw(sql, params))
    size = None
    for related in results:
        pairs = related.related_pairs
        if isinstance(pairs, str):
            pairs = json.loads(pairs)
        related.score = float(related.related_score)
        related.shared_tags = [name for _, name in sorted(pairs, key=_weight_order)]
        size = int(related.related_corpus_size)
        del related.related_pairs, related.related_score, related.related_corpus_size
    return results, size if counted else None


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

    Cold: one SQL query. Warm: none. A cached list lives RELATED_CACHE_SECONDS at most, which
    bounds how late a scheduled entry appears once its publish time passes (no signal fires
    then); every other change that matters bumps the version and empties the cache at once.
    N (the number of entries) is cached under the same version and passed to the query, which
    saves counting every entry for each cold list.
    """
    key = list_cache_key(entry.pk, limit)
    size_key = f"related:v{_version()}:corpus-size"
    cached = cache.get_many([key, size_key])
    if key in cached:
        return cached[key]
    results, counted = _run_query(entry, limit=limit, corpus_size=cached.get(size_key))
    timeout = settings.RELATED_CACHE_SECONDS
    if counted is not None:
        cache.set(size_key, counted, timeout=timeout)
    cache.set(key, results, timeout=timeout)
    return results


@receiver(post_save, sender=Entry, dispatch_uid="related_entry_saved")
@receiver(post_delete, sender=Entry, dispatch_uid="related_entry_deleted")
@receiver(post_save, sender=TaggedEntry, dispatch_uid="related_link_saved")
@receiver(post_delete, sender=TaggedEntry, dispatch_uid="related_link_deleted")
@receiver(post_save, sender=Tag, dispatch_uid="related_tag_saved")
@receiver(post_delete, sender=Tag, dispatch_uid="related_tag_deleted")
def _entry_or_tag_changed(sender, **kwargs) -> None:
    # Any save: status, dates, headline and slug all show in (or gate) the widget, and a new
    # entry changes N. Saves are rare next to page views, so precision here buys nothing.
    bump_related_version()


@receiver(m2m_changed, sender=TaggedEntry, dispatch_uid="related_tags_changed")
def _entry_tags_changed(sender, action: str, **kwargs) -> None:
    # taggit's add/remove/clear/set use bulk operations and send m2m_changed, not post_save.
    if action.startswith("post_"):
        bump_related_version()


__all__ = ["bump_related_version", "query_related_entries", "related_entries"]
