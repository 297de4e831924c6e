"""The related-stories ranking: one SQL query and its per-database spellings.

N and df(t) come from count tables that database triggers keep exact (`EntryCount`,
`TagCount`, migration 0004), so the query counts nothing and needs no cache for them.
"""

import json
import re
from datetime import date
from typing import Any

from django.db import connections, router
from django.db.models.expressions import RawSQL

from ..models import Entry

DEFAULT_LIMIT = 10
# Tuning of the first pass (see the query's comments); any values give the same ranking.
# Tag links (postings) read from the rarest tags before the first pass stops widening ...
FIRST_PASS_POSTINGS = 6000
# ... but it reads the next rarest tag while fewer than this many postings were read ...
FIRST_PASS_FLOOR = 30
# ... and scores exactly this many of its best candidates to set the bar.
FIRST_PASS_EXACT = 100
# Slack when comparing a score bound with the bar, so float noise can only widen the search.
_EPSILON = 1e-6

# The few spellings that differ between the two databases we run on.
_VENDOR_SQL = {
    "postgresql": {
        "round": "ROUND(CAST({} AS NUMERIC), 6)",
        "days_apart": "ABS(e.event_date - CAST({event_date} AS DATE))",
        "pairs": "JSON_AGG(JSON_BUILD_ARRAY(k.w, t.name))",
    },
    "sqlite": {
        "round": "ROUND({}, 6)",
        "days_apart": "ABS(JULIANDAY(e.event_date) - JULIANDAY({event_date}))",
        "pairs": "JSON_GROUP_ARRAY(JSON_ARRAY(k.w, t.name))",
    },
}

# Every parameter is written where it is used ({entry}, {live:alias}, ...) and bound in
# order by _build_sql, so the text reads as one query.
_SQL = """
WITH
corpus AS (
    -- N, kept exact by triggers (migration 0004): one row, no counting.
    SELECT COALESCE((SELECT entries FROM events_entrycount WHERE id = 1), 0) AS n
),
ranked AS (
    -- E's tags, rarest first, with df(t) from the trigger-kept counts. `reach` is the highest
    -- score of a candidate whose rarest shared tag is this one: its weight plus the weights
    -- of all commoner tags.
    SELECT tag_id, df, w,
           SUM(df) OVER (ORDER BY df, tag_id ROWS UNBOUNDED PRECEDING) AS cum_df,
           SUM(w) OVER (ORDER BY df, tag_id ROWS BETWEEN CURRENT ROW AND UNBOUNDED FOLLOWING)
               AS reach
    FROM (
        SELECT s.tag_id, c.entries AS df,
               LN(1 + CAST(corpus.n AS DOUBLE PRECISION) / c.entries) AS w
        FROM events_taggedentry s
        JOIN events_tagcount c ON c.tag_id = s.tag_id
        CROSS JOIN corpus
        WHERE s.content_object_id = {entry}
    ) weighted
),
scan_tags AS (
    -- First pass: the rarest tags, while their postings stay within the budget, and always
    -- enough of them to give a few candidates.
    SELECT tag_id, w FROM ranked
    WHERE cum_df - df < {floor} OR cum_df <= {budget}
),
probe_tags AS (
    SELECT tag_id, w, reach FROM ranked
    WHERE NOT (cum_df - df < {floor} OR cum_df <= {budget})
),
unscanned AS (
    SELECT COALESCE(SUM(w), 0) AS w FROM probe_tags
),
partial AS (
    -- Every candidate of the scanned tags with its partial score, one hash GROUP BY over
    -- their postings read from the (tag, entry) index.
    SELECT p.content_object_id AS id, SUM(k.w) AS ps
    FROM scan_tags k CROSS JOIN events_taggedentry p
    WHERE p.tag_id = k.tag_id AND p.content_object_id <> {entry}
    GROUP BY p.content_object_id
),
top AS (
    SELECT id, ps FROM partial ORDER BY ps DESC, id LIMIT {top}
),
top_scored AS (
    -- Exact scores of the best partial scores: each candidate's tags read once from the
    -- (entry, tag) index and matched with the unscanned tags.
    SELECT t.id, MAX(t.ps) + COALESCE(SUM(k.w), 0) AS score
    FROM top t
    LEFT JOIN events_taggedentry q ON q.content_object_id = t.id
    LEFT JOIN probe_tags k ON k.tag_id = q.tag_id
    GROUP BY t.id
),
bar AS (
    -- The score to beat: the limit-th best live exact score found so far, a lower bound of
    -- the final limit-th best. No bar while fewer candidates than the limit are known.
    SELECT score FROM top_scored c
    WHERE EXISTS ({live:c.id})
    ORDER BY score DESC LIMIT 1 OFFSET {offset}
),
more AS (
    -- Other scanned candidates whose partial score plus every unscanned weight can still
    -- reach the bar.
    SELECT p.id, p.ps FROM partial p CROSS JOIN unscanned u
    WHERE p.ps + u.w + {epsilon} >= COALESCE((SELECT score FROM bar), 0)
      AND p.id NOT IN (SELECT id FROM top)
),
more_scored AS (
    SELECT m.id, m.ps AS score FROM more m CROSS JOIN unscanned u WHERE u.w = 0
    UNION ALL
    SELECT m.id, MAX(m.ps) + COALESCE(SUM(k.w), 0) AS score
    FROM more m
    CROSS JOIN unscanned u
    LEFT JOIN events_taggedentry q ON q.content_object_id = m.id
    LEFT JOIN probe_tags k ON k.tag_id = q.tag_id
    WHERE u.w > 0
    GROUP BY m.id
),
near_scored AS (
    SELECT id, score FROM top_scored
    UNION ALL
    SELECT id, score FROM more_scored
),
far_bar AS (
    -- The bar again, now from every exactly scored candidate of the first pass. The outer
    -- ORDER BY is needed: SQL keeps no subquery's order, and a plan that checks liveness with
    -- a hash join instead of probing in order picked a wrong (too high) bar.
    SELECT score FROM (
        SELECT id, score FROM near_scored ORDER BY score DESC LIMIT 1000000000
    ) ordered
    WHERE EXISTS ({live:ordered.id})
    ORDER BY score DESC
    LIMIT 1 OFFSET {offset}
),
far AS (
    -- Candidates sharing only unscanned tags, read only from the tags whose reach meets the
    -- bar: usually none, so the commonest tags' long posting lists are never read.
    SELECT DISTINCT p.content_object_id AS id
    FROM probe_tags f CROSS JOIN events_taggedentry p
    WHERE f.reach + {epsilon} >= COALESCE((SELECT score FROM far_bar), 0)
      AND p.tag_id = f.tag_id
      AND p.content_object_id <> {entry}
      AND p.content_object_id NOT IN (SELECT id FROM partial)
),
far_scored AS (
    SELECT c.id, SUM(k.w) AS score
    FROM far c
    LEFT JOIN events_taggedentry q ON q.content_object_id = c.id
    LEFT JOIN ranked k ON k.tag_id = q.tag_id
    GROUP BY c.id
),
scored AS (
    SELECT id, score FROM near_scored
    UNION ALL
    SELECT id, score FROM far_scored
),
cutoff AS (
    -- The limit-th best live rounded score (ordered again outside: see far_bar).
    SELECT score FROM (
        SELECT s.id, {round_score} AS score FROM scored s
        ORDER BY s.score DESC LIMIT 1000000000
    ) ordered
    WHERE EXISTS ({live:ordered.id})
    ORDER BY score DESC
    LIMIT 1 OFFSET {offset}
),
best AS (
    SELECT e.id, {round_score} AS score, {days_apart} AS apart, e.event_date
    FROM scored s
    JOIN events_entry e ON e.id = s.id
    WHERE {round_score} >= COALESCE((SELECT score FROM cutoff), -1)
      AND EXISTS ({live:s.id})
    ORDER BY score DESC, apart ASC, e.event_date DESC, e.id ASC
    LIMIT {limit}
)
SELECT e.*, best.score AS related_score,
       (SELECT {pairs}
        FROM events_taggedentry q
        JOIN ranked k ON k.tag_id = q.tag_id
        JOIN taggit_tag t ON t.id = q.tag_id
        WHERE q.content_object_id = e.id) AS related_pairs
FROM best JOIN events_entry e ON e.id = best.id
ORDER BY best.score DESC, best.apart ASC, best.event_date DESC, best.id ASC
"""


def _published_sql(using: str, column: str) -> tuple[str, list]:
    """`Entry.objects.published()` narrowed to the candidate id `column`, as SQL.

    The query checks candidates with EXISTS (this subquery) so that "live" stays defined in
    one place; it is compiled at call time, so the publish-time cut-off is the current time.
    A correlated EXISTS probes the primary key once per candidate checked, and the query
    checks only the few candidates that can make the list.
    """
    queryset = (Entry.objects.published().filter(pk=RawSQL(column, ())).order_by()).values("pk")
    sql, params = queryset.query.get_compiler(using=using).as_sql()
    return sql, list(params)


# Stands for the candidate's id column in the compiled live rule, replaced where it is used.
_CANDIDATE = "related_candidate_id"
_TOKEN = re.compile(r"\{(\w+)(?::([\w.]+))?\}")


def _build_sql(using: str, entry: Entry, limit: int) -> tuple[str, list]:
    """The query's text for `entry` on database `using`, with its parameters in order."""
    vendor_sql = _VENDOR_SQL[connections[using].vendor]
    event_date: date | str = entry.event_date
    if isinstance(event_date, date):
        event_date = event_date.isoformat()
    literals = {
        "floor": int(FIRST_PASS_FLOOR),
        "budget": int(FIRST_PASS_POSTINGS),
        "top": int(FIRST_PASS_EXACT),
        "offset": limit - 1,
        "limit": limit,
        "epsilon": repr(_EPSILON),
    }
    text = (
        _SQL.replace("{round_score}", vendor_sql["round"].format("s.score"))
        .replace("{days_apart}", vendor_sql["days_apart"])
        .replace("{pairs}", vendor_sql["pairs"])
    )
    live_sql, live_params = _published_sql(using, _CANDIDATE)
    params: list = []

    def substitute(match: re.Match) -> str:
        name, argument = match.groups()
        if name == "entry":
            params.append(entry.pk)
            return "%s"
        if name == "event_date":
            params.append(event_date)
            return "%s"
        if name == "live":
            params.extend(live_params)
            return live_sql.replace(_CANDIDATE, argument)
        return str(literals[name])

    return _TOKEN.sub(substitute, text), params


def _weight_order(pair: list) -> tuple:
    weight, name = pair
    return (-round(weight, 6), name.casefold(), name)


def query_related_entries(entry: Entry, *, limit: int = DEFAULT_LIMIT) -> list[Entry]:
    """Rank the live entries that share tags with `entry`; exactly one SQL query, no cache.

    For a tag t, w(t) = ln(1 + N / df(t)), where N is the number of entries (drafts included)
    and df(t) the number of entries tagged t (drafts included); both are read from counts
    that database triggers keep exact (`EntryCount`, `TagCount`). A candidate C's score is
    the sum of w(t) over the tags C shares with `entry`, rounded to 6 decimals so float noise
    cannot break a tie. Candidates are the other entries of `Entry.objects.published()`
    sharing at least one tag; `entry` itself never appears.

    Order: score descending, then absolute days between the two event dates ascending, then
    the newer event first, then the lower primary key. Each returned entry carries `score`
    (float) and `shared_tags` (names of the shared tags, by weight descending, then name).

    The query first scores the candidates reached through the entry's rarest tags, then reads
    the commoner tags' postings only if a candidate reached that way alone could still make
    the list, so the result is exact and common tags rarely cost anything.
    """
    if not isinstance(limit, int) or isinstance(limit, bool) or limit < 1:
        raise ValueError(f"limit must be a positive whole number, not {limit!r}")
    if entry.pk is None:
        return []
    using = router.db_for_read(Entry)
    sql, params = _build_sql(using, entry, limit)
    # Raw rows also carry the query's related_pairs and related_score columns.
    results: list[Any] = list(Entry.objects.db_manager(using).raw(sql, params))
    for related in results:
        pairs = related.related_pairs
        if isinstance(pairs, str):
            pairs = json.loads(pairs)
        related.score = float(related.related_score)
        related.shared_tags = [name for _, name in sorted(pairs, key=_weight_order)]
        del related.related_pairs, related.related_score
    return results
