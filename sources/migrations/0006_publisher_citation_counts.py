"""How often each publisher is cited, kept exact by database triggers.

`sources_publishercitationcount` holds, per publisher, how many citations of its sources
entries with status "published" make (scheduled ones included; readers subtract those). An
entry citing two of its sources counts twice, so every trigger adds or subtracts one per
citation row: citations added, removed or moved, a source moved to another publisher, an entry
published or unpublished, inserted after its citations or deleted before them, and truncates.
"""

import django.db.models.deletion
from django.db import migrations, models

from events.migrations._stand_aside import guard_operation
from events.migrations._triggers import trigger_operation

# Rows (publisher_id, n) summed into the counts.
SUM = """
        INSERT INTO sources_publishercitationcount AS pc (publisher_id, citations)
        SELECT publisher_id, SUM(n) FROM ({rows}) t WHERE publisher_id IS NOT NULL
        GROUP BY publisher_id HAVING SUM(n) <> 0 ORDER BY publisher_id
        ON CONFLICT (publisher_id) DO UPDATE SET citations = pc.citations + EXCLUDED.citations;"""
# Citation rows of {table} whose entry has status published, each worth {n}.
CITED = """SELECT s.publisher_id, {n} AS n FROM {table} c
        JOIN sources_source s ON s.id = c.source_id
        JOIN events_entry e ON e.id = c.entry_id AND e.status = 'published'"""
# Citations of the sources whose publisher changed, by published entries, for {side} (o or n).
MOVED = """SELECT {side}.publisher_id, {n} AS n FROM old_sources o
        JOIN new_sources n ON n.id = o.id
        JOIN sources_citation c ON c.source_id = n.id
        JOIN events_entry e ON e.id = c.entry_id AND e.status = 'published'
        WHERE o.publisher_id IS DISTINCT FROM n.publisher_id"""
# The citations of entries {entries} (alias x) matching {where}, each worth {n}.
OF_ENTRIES = """SELECT s.publisher_id, {n} AS n FROM {entries}
        JOIN sources_citation c ON c.entry_id = x.id
        JOIN sources_source s ON s.id = c.source_id WHERE {where}"""

POSTGRESQL = [
    f"""
    CREATE FUNCTION sources_publishercitationcount_citations() RETURNS trigger
    LANGUAGE plpgsql AS $$
    BEGIN
        IF TG_OP = 'INSERT' THEN {SUM.format(rows=CITED.format(table="new_citations", n=1))}
        ELSIF TG_OP = 'DELETE' THEN {SUM.format(rows=CITED.format(table="old_citations", n=-1))}
        ELSE {
        SUM.format(
            rows=CITED.format(table="new_citations", n=1)
            + " UNION ALL "
            + CITED.format(table="old_citations", n=-1)
        )
    }
        END IF;
        RETURN NULL;
    END $$
    """,
    f"""
    CREATE FUNCTION sources_publishercitationcount_sources() RETURNS trigger
    LANGUAGE plpgsql AS $$
    BEGIN
        {SUM.format(rows=MOVED.format(side="o", n=-1) + " UNION ALL " + MOVED.format(side="n", n=1))}
        RETURN NULL;
    END $$
    """,
    f"""
    CREATE FUNCTION sources_publishercitationcount_entries() RETURNS trigger
    LANGUAGE plpgsql AS $$
    BEGIN
        IF TG_OP = 'INSERT' THEN {
        SUM.format(
            rows=OF_ENTRIES.format(entries="new_entries x", n=1, where="x.status = 'published'")
        )
    }
        ELSIF TG_OP = 'DELETE' THEN {
        SUM.format(
            rows=OF_ENTRIES.format(entries="old_entries x", n=-1, where="x.status = 'published'")
        )
    }
        ELSE {
        SUM.format(
            rows=OF_ENTRIES.format(
                entries="old_entries o JOIN new_entries x ON x.id = o.id",
                n="CASE WHEN x.status = 'published' THEN 1 ELSE -1 END",
                where="(o.status = 'published') <> (x.status = 'published')",
            )
        )
    }
        END IF;
        RETURN NULL;
    END $$
    """,
    """
    CREATE FUNCTION sources_publishercitationcount_clear() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        DELETE FROM sources_publishercitationcount;
        RETURN NULL;
    END $$
    """,
    """
    CREATE TRIGGER sources_publishercitationcount_insert AFTER INSERT ON sources_citation
    REFERENCING NEW TABLE AS new_citations
    FOR EACH STATEMENT EXECUTE FUNCTION sources_publishercitationcount_citations()
    """,
    """
    CREATE TRIGGER sources_publishercitationcount_delete AFTER DELETE ON sources_citation
    REFERENCING OLD TABLE AS old_citations
    FOR EACH STATEMENT EXECUTE FUNCTION sources_publishercitationcount_citations()
    """,
    """
    CREATE TRIGGER sources_publishercitationcount_update AFTER UPDATE ON sources_citation
    REFERENCING OLD TABLE AS old_citations NEW TABLE AS new_citations
    FOR EACH STATEMENT EXECUTE FUNCTION sources_publishercitationcount_citations()
    """,
    """
    CREATE TRIGGER sources_publishercitationcount_truncate AFTER TRUNCATE ON sources_citation
    FOR EACH STATEMENT EXECUTE FUNCTION sources_publishercitationcount_clear()
    """,
    """
    CREATE TRIGGER sources_publishercitationcount_source AFTER UPDATE ON sources_source
    REFERENCING OLD TABLE AS old_sources NEW TABLE AS new_sources
    FOR EACH STATEMENT EXECUTE FUNCTION sources_publishercitationcount_sources()
    """,
    """
    CREATE TRIGGER sources_publishercitationcount_entry_insert AFTER INSERT ON events_entry
    REFERENCING NEW TABLE AS new_entries
    FOR EACH STATEMENT EXECUTE FUNCTION sources_publishercitationcount_entries()
    """,
    """
    CREATE TRIGGER sources_publishercitationcount_entry_update AFTER UPDATE ON events_entry
    REFERENCING OLD TABLE AS old_entries NEW TABLE AS new_entries
    FOR EACH STATEMENT EXECUTE FUNCTION sources_publishercitationcount_entries()
    """,
    """
    CREATE TRIGGER sources_publishercitationcount_entry_delete AFTER DELETE ON events_entry
    REFERENCING OLD TABLE AS old_entries
    FOR EACH STATEMENT EXECUTE FUNCTION sources_publishercitationcount_entries()
    """,
    """
    CREATE TRIGGER sources_publishercitationcount_entry_truncate AFTER TRUNCATE ON events_entry
    FOR EACH STATEMENT EXECUTE FUNCTION sources_publishercitationcount_clear()
    """,
]

POSTGRESQL_REVERSE = [
    "DROP TRIGGER IF EXISTS sources_publishercitationcount_insert ON sources_citation",
    "DROP TRIGGER IF EXISTS sources_publishercitationcount_delete ON sources_citation",
    "DROP TRIGGER IF EXISTS sources_publishercitationcount_update ON sources_citation",
    "DROP TRIGGER IF EXISTS sources_publishercitationcount_truncate ON sources_citation",
    "DROP TRIGGER IF EXISTS sources_publishercitationcount_source ON sources_source",
    "DROP TRIGGER IF EXISTS sources_publishercitationcount_entry_insert ON events_entry",
    "DROP TRIGGER IF EXISTS sources_publishercitationcount_entry_update ON events_entry",
    "DROP TRIGGER IF EXISTS sources_publishercitationcount_entry_delete ON events_entry",
    "DROP TRIGGER IF EXISTS sources_publishercitationcount_entry_truncate ON events_entry",
    "DROP FUNCTION IF EXISTS sources_publishercitationcount_citations()",
    "DROP FUNCTION IF EXISTS sources_publishercitationcount_sources()",
    "DROP FUNCTION IF EXISTS sources_publishercitationcount_entries()",
    "DROP FUNCTION IF EXISTS sources_publishercitationcount_clear()",
]

# SQLite: row-level, one citation or one entry at a time.
UPSERT = "ON CONFLICT (publisher_id) DO UPDATE SET citations = citations + excluded.citations;"
SQLITE_ONE = f"""
        INSERT INTO sources_publishercitationcount (publisher_id, citations)
        SELECT s.publisher_id, {{n}} FROM sources_source s, events_entry e
        WHERE s.id = {{source}} AND e.id = {{entry}} AND e.status = 'published'
            AND s.publisher_id IS NOT NULL
        {UPSERT}"""
# The citations of one entry {entry}, per publisher, each worth {sign}.
SQLITE_ENTRY = f"""
        INSERT INTO sources_publishercitationcount (publisher_id, citations)
        SELECT s.publisher_id, {{sign}} * COUNT(*) FROM sources_citation c
        JOIN sources_source s ON s.id = c.source_id
        WHERE c.entry_id = {{entry}} AND s.publisher_id IS NOT NULL GROUP BY s.publisher_id
        {UPSERT}"""
# The published citations of the moved source NEW.id, for publisher {pub}, each worth {sign}.
SQLITE_MOVED = f"""
        INSERT INTO sources_publishercitationcount (publisher_id, citations)
        SELECT {{pub}}, {{sign}} * COUNT(*) FROM sources_citation c
        JOIN events_entry e ON e.id = c.entry_id
        WHERE c.source_id = NEW.id AND e.status = 'published' AND {{pub}} IS NOT NULL
        GROUP BY c.source_id
        {UPSERT}"""

SQLITE = [
    f"""
    CREATE TRIGGER sources_publishercitationcount_insert AFTER INSERT ON sources_citation BEGIN
        {SQLITE_ONE.format(n=1, entry="NEW.entry_id", source="NEW.source_id")}
    END
    """,
    f"""
    CREATE TRIGGER sources_publishercitationcount_delete AFTER DELETE ON sources_citation BEGIN
        {SQLITE_ONE.format(n=-1, entry="OLD.entry_id", source="OLD.source_id")}
    END
    """,
    f"""
    CREATE TRIGGER sources_publishercitationcount_update AFTER UPDATE ON sources_citation
    WHEN OLD.entry_id <> NEW.entry_id OR OLD.source_id <> NEW.source_id BEGIN
        {SQLITE_ONE.format(n=-1, entry="OLD.entry_id", source="OLD.source_id")}
        {SQLITE_ONE.format(n=1, entry="NEW.entry_id", source="NEW.source_id")}
    END
    """,
    f"""
    CREATE TRIGGER sources_publishercitationcount_source
    AFTER UPDATE OF publisher_id ON sources_source
    WHEN OLD.publisher_id IS NOT NEW.publisher_id BEGIN
        {SQLITE_MOVED.format(pub="OLD.publisher_id", sign=-1)}
        {SQLITE_MOVED.format(pub="NEW.publisher_id", sign=1)}
    END
    """,
    f"""
    CREATE TRIGGER sources_publishercitationcount_entry_insert AFTER INSERT ON events_entry
    WHEN NEW.status = 'published' BEGIN
        {SQLITE_ENTRY.format(entry="NEW.id", sign=1)}
    END
    """,
    f"""
    CREATE TRIGGER sources_publishercitationcount_entry_update AFTER UPDATE OF status ON events_entry
    WHEN (OLD.status = 'published') <> (NEW.status = 'published') BEGIN
        {SQLITE_ENTRY.format(entry="NEW.id", sign="(CASE WHEN NEW.status = 'published' THEN 1 ELSE -1 END)")}
    END
    """,
    f"""
    CREATE TRIGGER sources_publishercitationcount_entry_delete AFTER DELETE ON events_entry
    WHEN OLD.status = 'published' BEGIN
        {SQLITE_ENTRY.format(entry="OLD.id", sign=-1)}
    END
    """,
]

SQLITE_REVERSE = [
    "DROP TRIGGER IF EXISTS sources_publishercitationcount_insert",
    "DROP TRIGGER IF EXISTS sources_publishercitationcount_delete",
    "DROP TRIGGER IF EXISTS sources_publishercitationcount_update",
    "DROP TRIGGER IF EXISTS sources_publishercitationcount_source",
    "DROP TRIGGER IF EXISTS sources_publishercitationcount_entry_insert",
    "DROP TRIGGER IF EXISTS sources_publishercitationcount_entry_update",
    "DROP TRIGGER IF EXISTS sources_publishercitationcount_entry_delete",
]

FILL = [
    "DELETE FROM sources_publishercitationcount",
    "INSERT INTO sources_publishercitationcount (publisher_id, citations)"
    " SELECT s.publisher_id, COUNT(*) FROM sources_citation c"
    " JOIN sources_source s ON s.id = c.source_id"
    " JOIN events_entry e ON e.id = c.entry_id"
    " WHERE e.status = 'published' AND s.publisher_id IS NOT NULL GROUP BY s.publisher_id",
]


class Migration(migrations.Migration):
    dependencies = [
        ("sources", "0005_publisher_entries"),
    ]

    operations = [
        migrations.CreateModel(
            name="PublisherCitationCount",
            fields=[
                (
                    "publisher",
                    models.OneToOneField(
                        db_constraint=False,
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        primary_key=True,
                        related_name="+",
                        serialize=False,
                        to="sources.publisher",
                    ),
                ),
                ("citations", models.BigIntegerField()),
            ],
            options={
                "verbose_name": "publisher citation count",
            },
        ),
        trigger_operation(
            what="publisher citation counts",
            postgresql=POSTGRESQL,
            sqlite=SQLITE,
            postgresql_reverse=POSTGRESQL_REVERSE,
            sqlite_reverse=SQLITE_REVERSE,
            fill=FILL,
        ),
        guard_operation(("sources_publishercitationcount_",)),
    ]
