"""Publisher facet counts of the public list, kept exact by database triggers.

`sources_publishercount` holds, per publisher, how many entries with status "published"
(scheduled ones included; readers subtract those) cite at least one of its sources. An entry
citing two sources of one publisher counts once, so each trigger asks, for every (entry,
publisher) pair a write touches, whether the pair existed before and after the write. Moving a
source to another publisher (rare, an editor's correction) recounts the two publishers.
"""

from django.db import migrations, models

from events.migrations._triggers import trigger_operation

# (entry, publisher) pairs of a set of citation rows {rows}, for published entries only.
PAIRS = """
    SELECT DISTINCT t.entry_id, s.publisher_id FROM ({rows}) t
    JOIN sources_source s ON s.id = t.source_id
    JOIN events_entry e ON e.id = t.entry_id AND e.status = 'published'
    WHERE s.publisher_id IS NOT NULL
"""
# Does the pair p have a citation in the table now (after the statement)?
AFTER = """EXISTS (SELECT 1 FROM sources_citation c JOIN sources_source s ON s.id = c.source_id
    WHERE c.entry_id = p.entry_id AND s.publisher_id = p.publisher_id)"""
# Did it before: rows now minus the new ones, plus the old ones.
BEFORE = """EXISTS (SELECT 1 FROM (
        SELECT c.source_id FROM sources_citation c
        WHERE c.entry_id = p.entry_id AND c.id NOT IN (SELECT id FROM ({new}) n)
        UNION ALL SELECT o.source_id FROM ({old}) o WHERE o.entry_id = p.entry_id
    ) c JOIN sources_source s ON s.id = c.source_id WHERE s.publisher_id = p.publisher_id)"""
NONE = "SELECT NULL::bigint AS id, NULL::bigint AS entry_id, NULL::bigint AS source_id WHERE false"
NEW = "SELECT id, entry_id, source_id FROM new_citations"
OLD = "SELECT id, entry_id, source_id FROM old_citations"


def citation_function(name: str, *, new: str, old: str) -> str:
    rows = f"{new} UNION ALL {old}"
    return f"""
    CREATE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        INSERT INTO sources_publishercount AS pc (publisher_id, entries)
        SELECT publisher_id, SUM(delta) FROM (
            SELECT p.publisher_id,
                   ({AFTER})::int - ({BEFORE.format(new=new, old=old)})::int AS delta
            FROM ({PAIRS.format(rows=rows)}) p
        ) d GROUP BY publisher_id HAVING SUM(delta) <> 0 ORDER BY publisher_id
        ON CONFLICT (publisher_id) DO UPDATE SET entries = pc.entries + EXCLUDED.entries;
        RETURN NULL;
    END $$
    """


POSTGRESQL = [
    citation_function("sources_publishercount_insert", new=NEW, old=NONE),
    citation_function("sources_publishercount_delete", new=NONE, old=OLD),
    citation_function("sources_publishercount_update", new=NEW, old=OLD),
    # A source moved to another publisher: recount both publishers from scratch.
    """
    CREATE FUNCTION sources_publishercount_source() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        INSERT INTO sources_publishercount AS pc (publisher_id, entries)
        SELECT m.publisher_id, (
            SELECT COUNT(DISTINCT c.entry_id) FROM sources_citation c
            JOIN sources_source s ON s.id = c.source_id
            JOIN events_entry e ON e.id = c.entry_id AND e.status = 'published'
            WHERE s.publisher_id = m.publisher_id)
        FROM (
            SELECT o.publisher_id FROM old_sources o JOIN new_sources n ON n.id = o.id
            WHERE o.publisher_id IS DISTINCT FROM n.publisher_id
            UNION
            SELECT n.publisher_id FROM old_sources o JOIN new_sources n ON n.id = o.id
            WHERE o.publisher_id IS DISTINCT FROM n.publisher_id
        ) m WHERE m.publisher_id IS NOT NULL ORDER BY m.publisher_id
        ON CONFLICT (publisher_id) DO UPDATE SET entries = EXCLUDED.entries;
        RETURN NULL;
    END $$
    """,
    # Entries: status changed, or deleted while still citing (raw SQL order of a cascade).
    """
    CREATE FUNCTION sources_publishercount_entries() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        IF TG_OP = 'DELETE' THEN
            UPDATE sources_publishercount AS pc SET entries = pc.entries - d.n
            FROM (SELECT publisher_id, COUNT(*) AS n FROM (
                    SELECT DISTINCT e.id, s.publisher_id FROM old_entries e
                    JOIN sources_citation c ON c.entry_id = e.id
                    JOIN sources_source s ON s.id = c.source_id
                    WHERE e.status = 'published' AND s.publisher_id IS NOT NULL) x
                  GROUP BY publisher_id) d
            WHERE pc.publisher_id = d.publisher_id;
        ELSE
            INSERT INTO sources_publishercount AS pc (publisher_id, entries)
            SELECT publisher_id, SUM(sign) FROM (
                SELECT DISTINCT n.id, s.publisher_id,
                       CASE WHEN n.status = 'published' THEN 1 ELSE -1 END AS sign
                FROM old_entries o JOIN new_entries n ON n.id = o.id
                JOIN sources_citation c ON c.entry_id = n.id
                JOIN sources_source s ON s.id = c.source_id
                WHERE (o.status = 'published') <> (n.status = 'published')
                  AND s.publisher_id IS NOT NULL
            ) d GROUP BY publisher_id ORDER BY publisher_id
            ON CONFLICT (publisher_id) DO UPDATE SET entries = pc.entries + EXCLUDED.entries;
        END IF;
        RETURN NULL;
    END $$
    """,
    """
    CREATE FUNCTION sources_publishercount_clear() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        DELETE FROM sources_publishercount;
        RETURN NULL;
    END $$
    """,
    """
    CREATE TRIGGER sources_publishercount_insert AFTER INSERT ON sources_citation
    REFERENCING NEW TABLE AS new_citations
    FOR EACH STATEMENT EXECUTE FUNCTION sources_publishercount_insert()
    """,
    """
    CREATE TRIGGER sources_publishercount_delete AFTER DELETE ON sources_citation
    REFERENCING OLD TABLE AS old_citations
    FOR EACH STATEMENT EXECUTE FUNCTION sources_publishercount_delete()
    """,
    """
    CREATE TRIGGER sources_publishercount_update AFTER UPDATE ON sources_citation
    REFERENCING OLD TABLE AS old_citations NEW TABLE AS new_citations
    FOR EACH STATEMENT EXECUTE FUNCTION sources_publishercount_update()
    """,
    """
    CREATE TRIGGER sources_publishercount_truncate AFTER TRUNCATE ON sources_citation
    FOR EACH STATEMENT EXECUTE FUNCTION sources_publishercount_clear()
    """,
    """
    CREATE TRIGGER sources_publishercount_source AFTER UPDATE ON sources_source
    REFERENCING OLD TABLE AS old_sources NEW TABLE AS new_sources
    FOR EACH STATEMENT EXECUTE FUNCTION sources_publishercount_source()
    """,
    """
    CREATE TRIGGER sources_publishercount_entry_update AFTER UPDATE ON events_entry
    REFERENCING OLD TABLE AS old_entries NEW TABLE AS new_entries
    FOR EACH STATEMENT EXECUTE FUNCTION sources_publishercount_entries()
    """,
    """
    CREATE TRIGGER sources_publishercount_entry_delete AFTER DELETE ON events_entry
    REFERENCING OLD TABLE AS old_entries
    FOR EACH STATEMENT EXECUTE FUNCTION sources_publishercount_entries()
    """,
    """
    CREATE TRIGGER sources_publishercount_entry_truncate AFTER TRUNCATE ON events_entry
    FOR EACH STATEMENT EXECUTE FUNCTION sources_publishercount_clear()
    """,
]

POSTGRESQL_REVERSE = [
    "DROP TRIGGER IF EXISTS sources_publishercount_insert ON sources_citation",
    "DROP TRIGGER IF EXISTS sources_publishercount_delete ON sources_citation",
    "DROP TRIGGER IF EXISTS sources_publishercount_update ON sources_citation",
    "DROP TRIGGER IF EXISTS sources_publishercount_truncate ON sources_citation",
    "DROP TRIGGER IF EXISTS sources_publishercount_source ON sources_source",
    "DROP TRIGGER IF EXISTS sources_publishercount_entry_update ON events_entry",
    "DROP TRIGGER IF EXISTS sources_publishercount_entry_delete ON events_entry",
    "DROP TRIGGER IF EXISTS sources_publishercount_entry_truncate ON events_entry",
    "DROP FUNCTION IF EXISTS sources_publishercount_insert()",
    "DROP FUNCTION IF EXISTS sources_publishercount_delete()",
    "DROP FUNCTION IF EXISTS sources_publishercount_update()",
    "DROP FUNCTION IF EXISTS sources_publishercount_source()",
    "DROP FUNCTION IF EXISTS sources_publishercount_entries()",
    "DROP FUNCTION IF EXISTS sources_publishercount_clear()",
]

# SQLite: row-level. {pub} is the publisher of a source id, {has} whether an entry cites it.
PUB = "(SELECT publisher_id FROM sources_source WHERE id = {source})"
LIVE = "(SELECT status FROM events_entry WHERE id = {entry}) = 'published'"
HAS = """EXISTS (SELECT 1 FROM sources_citation c JOIN sources_source s ON s.id = c.source_id
    WHERE c.entry_id = {entry} AND s.publisher_id = {pub} {extra})"""
RECOUNT = """
        DELETE FROM sources_publishercount WHERE publisher_id = {pub};
        INSERT INTO sources_publishercount (publisher_id, entries)
        SELECT s.publisher_id, COUNT(DISTINCT c.entry_id) FROM sources_citation c
        JOIN sources_source s ON s.id = c.source_id
        JOIN events_entry e ON e.id = c.entry_id AND e.status = 'published'
        WHERE s.publisher_id = {pub} GROUP BY s.publisher_id;"""


def _add(entry: str, source: str, *, extra: str, sign: int, guard: str = "") -> str:
    """Count (entry, publisher of source) when no other citation already makes that pair."""
    pub = PUB.format(source=source)
    has = HAS.format(entry=entry, pub=pub, extra=extra)
    return f"""
        INSERT INTO sources_publishercount (publisher_id, entries)
        SELECT {pub}, {sign} WHERE {pub} IS NOT NULL AND {LIVE.format(entry=entry)}
            AND NOT {has} {guard}
        ON CONFLICT (publisher_id) DO UPDATE SET entries = entries + excluded.entries;"""


SAME_PAIR = (
    f"AND NOT (NEW.entry_id = OLD.entry_id AND "
    f"{PUB.format(source='NEW.source_id')} IS {PUB.format(source='OLD.source_id')})"
)
SQLITE = [
    f"""
    CREATE TRIGGER sources_publishercount_insert AFTER INSERT ON sources_citation BEGIN
        {_add("NEW.entry_id", "NEW.source_id", extra="AND c.id <> NEW.id", sign=1)}
    END
    """,
    f"""
    CREATE TRIGGER sources_publishercount_delete AFTER DELETE ON sources_citation BEGIN
        {_add("OLD.entry_id", "OLD.source_id", extra="", sign=-1)}
    END
    """,
    f"""
    CREATE TRIGGER sources_publishercount_update AFTER UPDATE ON sources_citation
    WHEN OLD.entry_id <> NEW.entry_id OR OLD.source_id <> NEW.source_id BEGIN
        {_add("OLD.entry_id", "OLD.source_id", extra="", sign=-1, guard=SAME_PAIR)}
        {_add("NEW.entry_id", "NEW.source_id", extra="AND c.id <> NEW.id", sign=1, guard=SAME_PAIR)}
    END
    """,
    f"""
    CREATE TRIGGER sources_publishercount_source AFTER UPDATE OF publisher_id ON sources_source
    WHEN OLD.publisher_id IS NOT NEW.publisher_id BEGIN
        {RECOUNT.format(pub="OLD.publisher_id")}
        {RECOUNT.format(pub="NEW.publisher_id")}
    END
    """,
    """
    CREATE TRIGGER sources_publishercount_entry_update AFTER UPDATE OF status ON events_entry
    WHEN (OLD.status = 'published') <> (NEW.status = 'published') BEGIN
        INSERT INTO sources_publishercount (publisher_id, entries)
        SELECT DISTINCT s.publisher_id, CASE WHEN NEW.status = 'published' THEN 1 ELSE -1 END
        FROM sources_citation c JOIN sources_source s ON s.id = c.source_id
        WHERE c.entry_id = NEW.id AND s.publisher_id IS NOT NULL
        ON CONFLICT (publisher_id) DO UPDATE SET entries = entries + excluded.entries;
    END
    """,
    """
    CREATE TRIGGER sources_publishercount_entry_delete AFTER DELETE ON events_entry
    WHEN OLD.status = 'published' BEGIN
        UPDATE sources_publishercount SET entries = entries - 1 WHERE publisher_id IN (
            SELECT s.publisher_id FROM sources_citation c JOIN sources_source s
            ON s.id = c.source_id WHERE c.entry_id = OLD.id);
    END
    """,
]

SQLITE_REVERSE = [
    "DROP TRIGGER IF EXISTS sources_publishercount_insert",
    "DROP TRIGGER IF EXISTS sources_publishercount_delete",
    "DROP TRIGGER IF EXISTS sources_publishercount_update",
    "DROP TRIGGER IF EXISTS sources_publishercount_source",
    "DROP TRIGGER IF EXISTS sources_publishercount_entry_update",
    "DROP TRIGGER IF EXISTS sources_publishercount_entry_delete",
]

FILL = [
    "DELETE FROM sources_publishercount",
    "INSERT INTO sources_publishercount (publisher_id, entries)"
    " SELECT s.publisher_id, COUNT(DISTINCT c.entry_id) FROM sources_citation c"
    " JOIN sources_source s ON s.id = c.source_id"
    " JOIN events_entry e ON e.id = c.entry_id"
    " WHERE e.status = 'published' AND s.publisher_id IS NOT NULL GROUP BY s.publisher_id",
]


class Migration(migrations.Migration):
    dependencies = [
        ("sources", "0002_publisher_domains_merges"),
        ("events", "0012_published_counts"),
    ]

    operations = [
        migrations.CreateModel(
            name="PublisherCount",
            fields=[
                (
                    "publisher",
                    models.OneToOneField(
                        db_constraint=False,
                        on_delete=models.DO_NOTHING,
                        primary_key=True,
                        related_name="+",
                        serialize=False,
                        to="sources.publisher",
                    ),
                ),
                ("entries", models.BigIntegerField()),
            ],
            options={"verbose_name": "publisher count"},
        ),
        trigger_operation(
            what="publisher counts",
            postgresql=POSTGRESQL,
            sqlite=SQLITE,
            postgresql_reverse=POSTGRESQL_REVERSE,
            sqlite_reverse=SQLITE_REVERSE,
            fill=FILL,
        ),
    ]
