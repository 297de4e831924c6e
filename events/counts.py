"""The trigger-kept counts standing aside for a bulk write, and recounted once at its end.

Every kept count (TagCount, EntryCount, PublishedTagCount, PublishedEntryCount,
PublishedDayCount; sources' PublisherCount, PublisherCitationCount and the publishers' entries,
PublisherEntry) follows writes through database triggers. A bulk import of a million entries in
one transaction pays for them on every batch, and more with every batch, as their statements
look into ever larger tables. `recounted_after` lets them stand aside for the rest of the
transaction and writes the counts once from the rows at the end, exactly what the triggers
would have left:

- PostgreSQL: the count triggers carry `WHEN (current_setting('newsroom.counts_stand_aside',
  true) IS DISTINCT FROM 'on')` (migration 0018, sources 0004-0006); the import sets that
  setting local to its transaction, so every other transaction's writes keep counting as they come.
  At the end the count tables are locked (EXCLUSIVE: readers go on, writers wait a moment),
  which also waits for any other transaction that has already moved a count to commit, so
  the recount sees its rows and none of its later deltas is lost.
- SQLite: the triggers keep counting (SQLite has no per-transaction setting a trigger could
  read, and dropping them inside the import's transaction is DDL that a second connection
  importing at the same time meets as "database schema is locked"); the recount at the end
  still runs and changes nothing. SQLite is the development database; its imports are small.
"""

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from django.db import connection, transaction

SETTING = "newsroom.counts_stand_aside"


@dataclass(frozen=True)
class KeptCounts:
    """Count tables and the statements that write them from the rows (the same as their
    migration's fill)."""

    tables: tuple[str, ...]
    recount: tuple[str, ...]


EVENTS = KeptCounts(
    tables=(
        "events_tagcount",
        "events_entrycount",
        "events_publishedtagcount",
        "events_publishedentrycount",
        "events_publisheddaycount",
    ),
    recount=(
        "DELETE FROM events_tagcount",
        "INSERT INTO events_tagcount (tag_id, entries)"
        " SELECT tag_id, COUNT(*) FROM events_taggedentry GROUP BY tag_id",
        "DELETE FROM events_entrycount",
        "INSERT INTO events_entrycount (id, entries) SELECT 1, COUNT(*) FROM events_entry",
        "DELETE FROM events_publishedtagcount",
        "INSERT INTO events_publishedtagcount (tag_id, entries)"
        " SELECT l.tag_id, COUNT(*) FROM events_taggedentry l"
        " JOIN events_entry e ON e.id = l.content_object_id"
        " WHERE e.status = 'published' GROUP BY l.tag_id",
        "DELETE FROM events_publishedentrycount",
        "INSERT INTO events_publishedentrycount (id, entries)"
        " SELECT 1, COUNT(*) FROM events_entry WHERE status = 'published'",
        "DELETE FROM events_publisheddaycount",
        "INSERT INTO events_publisheddaycount (event_date, entries)"
        " SELECT event_date, COUNT(*) FROM events_entry WHERE status = 'published'"
        " GROUP BY event_date",
    ),
)


@contextmanager
def recounted_after(*kept: KeptCounts) -> Iterator[None]:
    """Inside a transaction: `kept`'s count triggers stand aside for the block, and their
    tables are recounted from the rows when it ends (not when it raises or marks the
    transaction for rollback: that undoes everything it wrote)."""
    if not connection.in_atomic_block:
        raise RuntimeError("recounted_after() needs a transaction (transaction.atomic)")
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT set_config(%s, 'on', true)", [SETTING])
    yield
    if connection.needs_rollback:  # the block marked the transaction for rollback
        return
    with connection.cursor() as cursor, transaction.atomic():
        if connection.vendor == "postgresql":
            cursor.execute("SELECT set_config(%s, 'off', true)", [SETTING])
            tables = ", ".join(table for counts in kept for table in counts.tables)
            cursor.execute(f"LOCK TABLE {tables} IN EXCLUSIVE MODE")
        for counts in kept:
            for statement in counts.recount:
                cursor.execute(statement)
