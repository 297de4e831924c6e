"""Full-text search over entries: PostgreSQL's weighted search, a plain match elsewhere.

Headline words weigh most (A), then tag names (B), then the body (C). Tag names are copied into
`Entry.search_tags` whenever an entry's tags change, so the vector is one expression over one row.
On PostgreSQL that vector is stored: the generated column `search_document` (migration
0013_search_document), GIN-indexed, so matching, re-checking and ranking read it instead of
running `to_tsvector` per row. It is not a model field (SQLite has no such column); queries
reach it through `StoredDocument`.
"""

from collections import defaultdict
from collections.abc import Iterable

from django.contrib.postgres.search import (
    SearchHeadline,
    SearchQuery,
    SearchRank,
    SearchVectorField,
)
from django.db import connection
from django.db.models import Case, Expression, F, FloatField, Q, QuerySet, Value, When
from django.db.models.functions import Coalesce, NullIf, Substr

SEARCH_CONFIG = "english"
SNIPPET_START = "\ue000"  # private-use characters: never in real text, escaped text keeps them
SNIPPET_STOP = "\ue001"
SNIPPET_CHARS = 240


class StoredDocument(Expression):
    """The entry's stored `search_document` column, under whatever alias the query gives it.

    Resolved through the entry's primary key so subqueries that relabel the table (U0, ...)
    still point at the right row.
    """

    output_field = SearchVectorField()
    COLUMN = "search_document"

    def __init__(self, pk=None):
        super().__init__()
        self.pk = pk if pk is not None else F("pk")

    def get_source_expressions(self):
        return [self.pk]

    def set_source_expressions(self, exprs):
        (self.pk,) = exprs

    def as_sql(self, compiler, connection):
        # Resolved, `self.pk` is a column reference (Col), which has the table alias.
        alias = self.pk.alias  # type: ignore[union-attr]
        return f"{compiler.quote_name_unless_alias(alias)}.{self.COLUMN}", []


def uses_postgres_search() -> bool:
    return connection.vendor == "postgresql"


def search(entries: QuerySet, text: str) -> QuerySet:
    """`entries` matching `text`, annotated with `rank` (higher is better) and `snippet`.

    PostgreSQL: websearch syntax ("quoted phrases", -excluded, or), stemming, ts_rank over the
    weighted vector and ts_headline snippets. Other databases: every word must appear
    (case-insensitively) in the headline, tag names or body; rank weighs the same way (3/2/1).
    The snippet marks matches with SNIPPET_START/SNIPPET_STOP; the `snippet` template filter turns
    them into <mark> after escaping.
    """
    text = " ".join(text.split())
    if not text:
        return entries
    source = Coalesce(NullIf(F("body"), Value("")), F("headline"))
    if uses_postgres_search():
        query = SearchQuery(text, search_type="websearch", config=SEARCH_CONFIG)
        return (
            entries.alias(search_document=StoredDocument())
            .filter(search_document=query)
            .annotate(
                rank=SearchRank(StoredDocument(), query),
                snippet=SearchHeadline(
                    source,
                    query,
                    config=SEARCH_CONFIG,
                    start_sel=SNIPPET_START,
                    stop_sel=SNIPPET_STOP,
                    max_words=35,
                    min_words=15,
                ),
            )
        )
    words = text.split()[:20]
    matches = Q()
    for word in words:
        matches &= (
            Q(headline__icontains=word) | Q(search_tags__icontains=word) | Q(body__icontains=word)
        )
    first = words[0]
    return entries.filter(matches).annotate(
        rank=Case(
            When(headline__icontains=first, then=Value(3.0)),
            When(search_tags__icontains=first, then=Value(2.0)),
            default=Value(1.0),
            output_field=FloatField(),
        ),
        snippet=Substr(source, 1, SNIPPET_CHARS),
    )


def refresh_search_tags(entry_ids: Iterable[int], *, chunk: int = 2000) -> None:
    """Copy each entry's tag names into `search_tags`: per chunk of ids, one read and one bulk
    update (an import of a million entries is read a chunk at a time)."""
    from .models import Entry, TaggedEntry

    ids = sorted(set(entry_ids))
    for start in range(0, len(ids), chunk):
        part = ids[start : start + chunk]
        names: dict[int, list[str]] = defaultdict(list)
        for entry_id, name in (
            TaggedEntry.objects.filter(content_object_id__in=part)
            .order_by("tag__name")
            .values_list("content_object_id", "tag__name")
        ):
            names[entry_id].append(name)
        entries = list(Entry.objects.filter(pk__in=part).only("pk", "search_tags"))
        for entry in entries:
            entry.search_tags = " ".join(names[entry.pk])
        Entry.objects.bulk_update(entries, ["search_tags"])
