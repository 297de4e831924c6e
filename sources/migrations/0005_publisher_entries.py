"""Each publisher's citing entries with their event dates, kept exact by database triggers.

`sources_publisherentry` holds one row per (entry, publisher) pair where the entry cites at
least one of the publisher's sources, whatever the entry's status, with the entry's event date.
A publisher's page walks its rows newest first (`publisherentry_newest_idx`) and joins each
entry, instead of reading all the publisher's citations and sorting their entries.

An entry citing two sources of one publisher is one row: a row is added when a citation makes
the pair and removed when no citation of the entry makes it any more, so the triggers ask,
for each entry a removal touches, which of its rows no citation still backs. A source moved to
another publisher, an entry's new event date, a deleted entry and a truncate follow too.
Citations written before their entry (raw SQL with deferred constraints) are picked up when
the entry arrives.
"""

import django.db.models.deletion
from django.db import migrations, models

from events.migrations._stand_aside import guard_operation
from events.migrations._triggers import trigger_operation

# Rows of `sources_publisherentry` (alias p) that no citation backs any more.
UNBACKED = """NOT EXISTS (SELECT 1 FROM sources_citation c
        JOIN sources_source s ON s.id = c.source_id
        WHERE c.entry_id = p.entry_id AND s.publisher_id = p.publisher_id)"""
# The pairs a set of citation rows {rows} makes, with their entry's event date.
ADD = """
        INSERT INTO sources_publisherentry (entry_id, publisher_id, event_date)
        SELECT DISTINCT e.id, s.publisher_id, e.event_date FROM ({rows}) t
        JOIN sources_source s ON s.id = t.source_id
        JOIN events_entry e ON e.id = t.entry_id
        WHERE s.publisher_id IS NOT NULL
        ON CONFLICT (entry_id, publisher_id) DO NOTHING;"""
# The rows of the entries of a set of citation rows {rows} that no citation backs any more.
REMOVE = f"""
        DELETE FROM sources_publisherentry p USING (SELECT DISTINCT entry_id FROM ({{rows}}) t) o
        WHERE p.entry_id = o.entry_id AND {UNBACKED};"""
NEW = "SELECT entry_id, source_id FROM new_citations"
OLD = "SELECT entry_id, source_id FROM old_citations"
# Citations of entries just inserted (written first, under deferred constraints).
ARRIVED = (
    "SELECT c.entry_id, c.source_id FROM new_entries n JOIN sources_citation c ON c.entry_id = n.id"
)
# Citations of the sources whose publisher changed, with the old publisher (ADD joins the new).
MOVED = """SELECT c.entry_id, c.source_id, o.publisher_id AS old_publisher_id
        FROM old_sources o JOIN new_sources n ON n.id = o.id
        JOIN sources_citation c ON c.source_id = n.id
        WHERE o.publisher_id IS DISTINCT FROM n.publisher_id"""

POSTGRESQL = [
    f"""
    CREATE FUNCTION sources_publisherentry_citations() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        IF TG_OP = 'INSERT' THEN {ADD.format(rows=NEW)}
        ELSIF TG_OP = 'DELETE' THEN {REMOVE.format(rows=OLD)}
        ELSE {REMOVE.format(rows=OLD)} {ADD.format(rows=NEW)}
        END IF;
        RETURN NULL;
    END $$
    """,
    # A source moved to another publisher: its entries' rows of the old publisher that no other
    # citation backs go, rows of the new one come.
    f"""
    CREATE FUNCTION sources_publisherentry_sources() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        DELETE FROM sources_publisherentry p USING (
            SELECT DISTINCT entry_id, old_publisher_id FROM ({MOVED}) m) o
        WHERE p.entry_id = o.entry_id AND p.publisher_id = o.old_publisher_id AND {UNBACKED};
        {ADD.format(rows=MOVED)}
        RETURN NULL;
    END $$
    """,
    # Entries: a new event date, deleted, or inserted after citations written before them.
    f"""
    CREATE FUNCTION sources_publisherentry_entries() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        IF TG_OP = 'DELETE' THEN
            DELETE FROM sources_publisherentry p USING old_entries o WHERE p.entry_id = o.id;
        ELSIF TG_OP = 'UPDATE' THEN
            UPDATE sources_publisherentry p SET event_date = n.event_date
            FROM old_entries o JOIN new_entries n ON n.id = o.id
            WHERE p.entry_id = n.id AND o.event_date <> n.event_date;
        ELSE {ADD.format(rows=ARRIVED)}
        END IF;
        RETURN NULL;
    END $$
    """,
    """
    CREATE FUNCTION sources_publisherentry_clear() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        DELETE FROM sources_publisherentry;
        RETURN NULL;
    END $$
    """,
    """
    CREATE TRIGGER sources_publisherentry_insert AFTER INSERT ON sources_citation
    REFERENCING NEW TABLE AS new_citations
    FOR EACH STATEMENT EXECUTE FUNCTION sources_publisherentry_citations()
    """,
    """
    CREATE TRIGGER sources_publisherentry_delete AFTER DELETE ON sources_citation
    REFERENCING OLD TABLE AS old_citations
    FOR EACH STATEMENT EXECUTE FUNCTION sources_publisherentry_citations()
    """,
    """
    CREATE TRIGGER sources_publisherentry_update AFTER UPDATE ON sources_citation
    REFERENCING OLD TABLE AS old_citations NEW TABLE AS new_citations
    FOR EACH STATEMENT EXECUTE FUNCTION sources_publisherentry_citations()
    """,
    """
    CREATE TRIGGER sources_publisherentry_truncate AFTER TRUNCATE ON sources_citation
    FOR EACH STATEMENT EXECUTE FUNCTION sources_publisherentry_clear()
    """,
    """
    CREATE TRIGGER sources_publisherentry_source AFTER UPDATE ON sources_source
    REFERENCING OLD TABLE AS old_sources NEW TABLE AS new_sources
    FOR EACH STATEMENT EXECUTE FUNCTION sources_publisherentry_sources()
    """,
    """
    CREATE TRIGGER sources_publisherentry_entry_insert AFTER INSERT ON events_entry
    REFERENCING NEW TABLE AS new_entries
    FOR EACH STATEMENT EXECUTE FUNCTION sources_publisherentry_entries()
    """,
    """
    CREATE TRIGGER sources_publisherentry_entry_update AFTER UPDATE ON events_entry
    REFERENCING OLD TABLE AS old_entries NEW TABLE AS new_entries
    FOR EACH STATEMENT EXECUTE FUNCTION sources_publisherentry_entries()
    """,
    """
    CREATE TRIGGER sources_publisherentry_entry_delete AFTER DELETE ON events_entry
    REFERENCING OLD TABLE AS old_entries
    FOR EACH STATEMENT EXECUTE FUNCTION sources_publisherentry_entries()
    """,
    """
    CREATE TRIGGER sources_publisherentry_entry_truncate AFTER TRUNCATE ON events_entry
    FOR EACH STATEMENT EXECUTE FUNCTION sources_publisherentry_clear()
    """,
]

POSTGRESQL_REVERSE = [
    "DROP TRIGGER IF EXISTS sources_publisherentry_insert ON sources_citation",
    "DROP TRIGGER IF EXISTS sources_publisherentry_delete ON sources_citation",
    "DROP TRIGGER IF EXISTS sources_publisherentry_update ON sources_citation",
    "DROP TRIGGER IF EXISTS sources_publisherentry_truncate ON sources_citation",
    "DROP TRIGGER IF EXISTS sources_publisherentry_source ON sources_source",
    "DROP TRIGGER IF EXISTS sources_publisherentry_entry_insert ON events_entry",
    "DROP TRIGGER IF EXISTS sources_publisherentry_entry_update ON events_entry",
    "DROP TRIGGER IF EXISTS sources_publisherentry_entry_delete ON events_entry",
    "DROP TRIGGER IF EXISTS sources_publisherentry_entry_truncate ON events_entry",
    "DROP FUNCTION IF EXISTS sources_publisherentry_citations()",
    "DROP FUNCTION IF EXISTS sources_publisherentry_sources()",
    "DROP FUNCTION IF EXISTS sources_publisherentry_entries()",
    "DROP FUNCTION IF EXISTS sources_publisherentry_clear()",
]

# SQLite: row-level. SQLite's DELETE takes no alias: the table's own name stands for p.
SQLITE_UNBACKED = UNBACKED.replace("p.", "sources_publisherentry.")
SQLITE_ADD = """
        INSERT INTO sources_publisherentry (entry_id, publisher_id, event_date)
        SELECT e.id, s.publisher_id, e.event_date FROM sources_source s, events_entry e
        WHERE s.id = {source} AND e.id = {entry} AND s.publisher_id IS NOT NULL
        ON CONFLICT (entry_id, publisher_id) DO NOTHING;"""
SQLITE_REMOVE = f"""
        DELETE FROM sources_publisherentry WHERE entry_id = {{entry}} AND {SQLITE_UNBACKED};"""

SQLITE = [
    f"""
    CREATE TRIGGER sources_publisherentry_insert AFTER INSERT ON sources_citation BEGIN
        {SQLITE_ADD.format(entry="NEW.entry_id", source="NEW.source_id")}
    END
    """,
    f"""
    CREATE TRIGGER sources_publisherentry_delete AFTER DELETE ON sources_citation BEGIN
        {SQLITE_REMOVE.format(entry="OLD.entry_id")}
    END
    """,
    f"""
    CREATE TRIGGER sources_publisherentry_update AFTER UPDATE ON sources_citation
    WHEN OLD.entry_id <> NEW.entry_id OR OLD.source_id <> NEW.source_id BEGIN
        {SQLITE_REMOVE.format(entry="OLD.entry_id")}
        {SQLITE_ADD.format(entry="NEW.entry_id", source="NEW.source_id")}
    END
    """,
    f"""
    CREATE TRIGGER sources_publisherentry_source AFTER UPDATE OF publisher_id ON sources_source
    WHEN OLD.publisher_id IS NOT NEW.publisher_id BEGIN
        DELETE FROM sources_publisherentry WHERE publisher_id = OLD.publisher_id
            AND entry_id IN (SELECT entry_id FROM sources_citation WHERE source_id = NEW.id)
            AND {SQLITE_UNBACKED};
        INSERT INTO sources_publisherentry (entry_id, publisher_id, event_date)
        SELECT e.id, NEW.publisher_id, e.event_date FROM sources_citation c
        JOIN events_entry e ON e.id = c.entry_id
        WHERE c.source_id = NEW.id AND NEW.publisher_id IS NOT NULL
        ON CONFLICT (entry_id, publisher_id) DO NOTHING;
    END
    """,
    """
    CREATE TRIGGER sources_publisherentry_entry_insert AFTER INSERT ON events_entry BEGIN
        INSERT INTO sources_publisherentry (entry_id, publisher_id, event_date)
        SELECT NEW.id, s.publisher_id, NEW.event_date FROM sources_citation c
        JOIN sources_source s ON s.id = c.source_id
        WHERE c.entry_id = NEW.id AND s.publisher_id IS NOT NULL
        ON CONFLICT (entry_id, publisher_id) DO NOTHING;
    END
    """,
    """
    CREATE TRIGGER sources_publisherentry_entry_update AFTER UPDATE OF event_date ON events_entry
    WHEN OLD.event_date IS NOT NEW.event_date BEGIN
        UPDATE sources_publisherentry SET event_date = NEW.event_date WHERE entry_id = NEW.id;
    END
    """,
    """
    CREATE TRIGGER sources_publisherentry_entry_delete AFTER DELETE ON events_entry BEGIN
        DELETE FROM sources_publisherentry WHERE entry_id = OLD.id;
    END
    """,
]

SQLITE_REVERSE = [
    "DROP TRIGGER IF EXISTS sources_publisherentry_insert",
    "DROP TRIGGER IF EXISTS sources_publisherentry_delete",
    "DROP TRIGGER IF EXISTS sources_publisherentry_update",
    "DROP TRIGGER IF EXISTS sources_publisherentry_source",
    "DROP TRIGGER IF EXISTS sources_publisherentry_entry_insert",
    "DROP TRIGGER IF EXISTS sources_publisherentry_entry_update",
    "DROP TRIGGER IF EXISTS sources_publisherentry_entry_delete",
]

# From the rows, changing only what differs (the same statements as sources.counts).
FILL = [
    "DELETE FROM sources_publisherentry AS p WHERE NOT EXISTS (SELECT 1 FROM sources_citation c"
    " JOIN sources_source s ON s.id = c.source_id"
    " WHERE c.entry_id = p.entry_id AND s.publisher_id = p.publisher_id)",
    "INSERT INTO sources_publisherentry AS p (entry_id, publisher_id, event_date)"
    " SELECT DISTINCT c.entry_id, s.publisher_id, e.event_date FROM sources_citation c"
    " JOIN sources_source s ON s.id = c.source_id JOIN events_entry e ON e.id = c.entry_id"
    " WHERE s.publisher_id IS NOT NULL"
    " ON CONFLICT (entry_id, publisher_id) DO UPDATE SET event_date = excluded.event_date"
    " WHERE p.event_date <> excluded.event_date",
]


class Migration(migrations.Migration):
    dependencies = [
        ("events", "0018_counts_stand_aside"),
        ("sources", "0004_counts_stand_aside"),
    ]

    operations = [
        migrations.CreateModel(
            name="PublisherEntry",
            fields=[
                (
                    "pk",
                    models.CompositePrimaryKey(
                        "entry",
                        "publisher",
                        blank=True,
                        editable=False,
                        primary_key=True,
                        serialize=False,
                    ),
                ),
                ("event_date", models.DateField()),
                (
                    "entry",
                    models.ForeignKey(
                        db_constraint=False,
                        db_index=False,
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        related_name="publisher_rows",
                        to="events.entry",
                    ),
                ),
                (
                    "publisher",
                    models.ForeignKey(
                        db_constraint=False,
                        db_index=False,
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        related_name="+",
                        to="sources.publisher",
                    ),
                ),
            ],
            options={
                "verbose_name": "publisher's entry",
                "verbose_name_plural": "publishers' entries",
            },
        ),
        trigger_operation(
            what="publishers' entries",
            postgresql=POSTGRESQL,
            sqlite=SQLITE,
            postgresql_reverse=POSTGRESQL_REVERSE,
            sqlite_reverse=SQLITE_REVERSE,
            fill=FILL,
        ),
        # Built once over the filled rows rather than row by row while filling.
        migrations.AddIndex(
            model_name="publisherentry",
            index=models.Index(
                fields=["publisher", "-event_date", "-entry"], name="publisherentry_newest_idx"
            ),
        ),
        guard_operation(("sources_publisherentry_",)),
    ]
