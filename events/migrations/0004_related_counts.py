"""Related stories: N (entries) and df(t) (entries per tag) kept exact by database triggers.

Triggers rather than signals because bulk_create(), QuerySet.update()/delete() cascades and
raw SQL send no signals, and the ranking must stay exact. PostgreSQL uses statement-level
triggers with transition tables (one upsert per statement, tags locked in id order); SQLite
has only row-level triggers. Both tables are filled from the existing rows here.
"""

from django.db import migrations, models

from events.migrations._triggers import trigger_operation

POSTGRESQL = [
    # Tag links: +1 per inserted link, -1 per deleted link, both for a changed tag_id.
    """
    CREATE FUNCTION events_tagcount_add() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        INSERT INTO events_tagcount AS c (tag_id, entries)
        SELECT tag_id, COUNT(*) FROM new_links GROUP BY tag_id ORDER BY tag_id
        ON CONFLICT (tag_id) DO UPDATE SET entries = c.entries + EXCLUDED.entries;
        RETURN NULL;
    END $$
    """,
    """
    CREATE FUNCTION events_tagcount_remove() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        UPDATE events_tagcount AS c SET entries = c.entries - o.n
        FROM (SELECT tag_id, COUNT(*) AS n FROM old_links GROUP BY tag_id) o
        WHERE c.tag_id = o.tag_id;
        DELETE FROM events_tagcount WHERE entries <= 0
            AND tag_id IN (SELECT tag_id FROM old_links);
        RETURN NULL;
    END $$
    """,
    """
    CREATE FUNCTION events_tagcount_move() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        INSERT INTO events_tagcount AS c (tag_id, entries)
        SELECT tag_id, SUM(n) FROM (
            SELECT tag_id, 1 AS n FROM new_links
            UNION ALL
            SELECT tag_id, -1 FROM old_links
        ) d GROUP BY tag_id HAVING SUM(n) <> 0 ORDER BY tag_id
        ON CONFLICT (tag_id) DO UPDATE SET entries = c.entries + EXCLUDED.entries;
        DELETE FROM events_tagcount WHERE entries <= 0
            AND tag_id IN (SELECT tag_id FROM old_links);
        RETURN NULL;
    END $$
    """,
    """
    CREATE FUNCTION events_tagcount_clear() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        DELETE FROM events_tagcount;
        RETURN NULL;
    END $$
    """,
    # Entries: one row holding N.
    """
    CREATE FUNCTION events_entrycount_add() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        INSERT INTO events_entrycount AS c (id, entries)
        SELECT 1, COUNT(*) FROM new_entries HAVING COUNT(*) > 0
        ON CONFLICT (id) DO UPDATE SET entries = c.entries + EXCLUDED.entries;
        RETURN NULL;
    END $$
    """,
    """
    CREATE FUNCTION events_entrycount_remove() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        UPDATE events_entrycount SET entries = entries - o.n
        FROM (SELECT COUNT(*) AS n FROM old_entries) o WHERE id = 1 AND o.n > 0;
        RETURN NULL;
    END $$
    """,
    """
    CREATE FUNCTION events_entrycount_clear() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        DELETE FROM events_entrycount;
        RETURN NULL;
    END $$
    """,
    """
    CREATE TRIGGER events_tagcount_insert AFTER INSERT ON events_taggedentry
    REFERENCING NEW TABLE AS new_links
    FOR EACH STATEMENT EXECUTE FUNCTION events_tagcount_add()
    """,
    """
    CREATE TRIGGER events_tagcount_delete AFTER DELETE ON events_taggedentry
    REFERENCING OLD TABLE AS old_links
    FOR EACH STATEMENT EXECUTE FUNCTION events_tagcount_remove()
    """,
    """
    CREATE TRIGGER events_tagcount_update AFTER UPDATE ON events_taggedentry
    REFERENCING OLD TABLE AS old_links NEW TABLE AS new_links
    FOR EACH STATEMENT EXECUTE FUNCTION events_tagcount_move()
    """,
    """
    CREATE TRIGGER events_tagcount_truncate AFTER TRUNCATE ON events_taggedentry
    FOR EACH STATEMENT EXECUTE FUNCTION events_tagcount_clear()
    """,
    """
    CREATE TRIGGER events_entrycount_insert AFTER INSERT ON events_entry
    REFERENCING NEW TABLE AS new_entries
    FOR EACH STATEMENT EXECUTE FUNCTION events_entrycount_add()
    """,
    """
    CREATE TRIGGER events_entrycount_delete AFTER DELETE ON events_entry
    REFERENCING OLD TABLE AS old_entries
    FOR EACH STATEMENT EXECUTE FUNCTION events_entrycount_remove()
    """,
    """
    CREATE TRIGGER events_entrycount_truncate AFTER TRUNCATE ON events_entry
    FOR EACH STATEMENT EXECUTE FUNCTION events_entrycount_clear()
    """,
]

POSTGRESQL_REVERSE = [
    "DROP TRIGGER IF EXISTS events_tagcount_insert ON events_taggedentry",
    "DROP TRIGGER IF EXISTS events_tagcount_delete ON events_taggedentry",
    "DROP TRIGGER IF EXISTS events_tagcount_update ON events_taggedentry",
    "DROP TRIGGER IF EXISTS events_tagcount_truncate ON events_taggedentry",
    "DROP TRIGGER IF EXISTS events_entrycount_insert ON events_entry",
    "DROP TRIGGER IF EXISTS events_entrycount_delete ON events_entry",
    "DROP TRIGGER IF EXISTS events_entrycount_truncate ON events_entry",
    "DROP FUNCTION IF EXISTS events_tagcount_add()",
    "DROP FUNCTION IF EXISTS events_tagcount_remove()",
    "DROP FUNCTION IF EXISTS events_tagcount_move()",
    "DROP FUNCTION IF EXISTS events_tagcount_clear()",
    "DROP FUNCTION IF EXISTS events_entrycount_add()",
    "DROP FUNCTION IF EXISTS events_entrycount_remove()",
    "DROP FUNCTION IF EXISTS events_entrycount_clear()",
]

SQLITE = [
    """
    CREATE TRIGGER events_tagcount_insert AFTER INSERT ON events_taggedentry BEGIN
        INSERT INTO events_tagcount (tag_id, entries) VALUES (NEW.tag_id, 1)
        ON CONFLICT (tag_id) DO UPDATE SET entries = entries + 1;
    END
    """,
    """
    CREATE TRIGGER events_tagcount_delete AFTER DELETE ON events_taggedentry BEGIN
        UPDATE events_tagcount SET entries = entries - 1 WHERE tag_id = OLD.tag_id;
        DELETE FROM events_tagcount WHERE tag_id = OLD.tag_id AND entries <= 0;
    END
    """,
    """
    CREATE TRIGGER events_tagcount_update AFTER UPDATE OF tag_id ON events_taggedentry
    WHEN OLD.tag_id <> NEW.tag_id BEGIN
        INSERT INTO events_tagcount (tag_id, entries) VALUES (NEW.tag_id, 1)
        ON CONFLICT (tag_id) DO UPDATE SET entries = entries + 1;
        UPDATE events_tagcount SET entries = entries - 1 WHERE tag_id = OLD.tag_id;
        DELETE FROM events_tagcount WHERE tag_id = OLD.tag_id AND entries <= 0;
    END
    """,
    """
    CREATE TRIGGER events_entrycount_insert AFTER INSERT ON events_entry BEGIN
        INSERT INTO events_entrycount (id, entries) VALUES (1, 1)
        ON CONFLICT (id) DO UPDATE SET entries = entries + 1;
    END
    """,
    """
    CREATE TRIGGER events_entrycount_delete AFTER DELETE ON events_entry BEGIN
        UPDATE events_entrycount SET entries = entries - 1 WHERE id = 1;
    END
    """,
]

SQLITE_REVERSE = [
    "DROP TRIGGER IF EXISTS events_tagcount_insert",
    "DROP TRIGGER IF EXISTS events_tagcount_delete",
    "DROP TRIGGER IF EXISTS events_tagcount_update",
    "DROP TRIGGER IF EXISTS events_entrycount_insert",
    "DROP TRIGGER IF EXISTS events_entrycount_delete",
]

FILL = [
    "DELETE FROM events_tagcount",
    "DELETE FROM events_entrycount",
    "INSERT INTO events_tagcount (tag_id, entries)"
    " SELECT tag_id, COUNT(*) FROM events_taggedentry GROUP BY tag_id",
    "INSERT INTO events_entrycount (id, entries) SELECT 1, COUNT(*) FROM events_entry",
]


class Migration(migrations.Migration):
    dependencies = [
        ("events", "0003_archive_record"),
    ]

    operations = [
        migrations.CreateModel(
            name="EntryCount",
            fields=[
                ("id", models.SmallIntegerField(primary_key=True, serialize=False)),
                ("entries", models.BigIntegerField()),
            ],
            options={
                "verbose_name": "entry count",
            },
        ),
        migrations.CreateModel(
            name="TagCount",
            fields=[
                ("tag_id", models.IntegerField(primary_key=True, serialize=False)),
                ("entries", models.BigIntegerField()),
            ],
            options={
                "verbose_name": "tag count",
            },
        ),
        trigger_operation(
            what="related counts",
            postgresql=POSTGRESQL,
            sqlite=SQLITE,
            postgresql_reverse=POSTGRESQL_REVERSE,
            sqlite_reverse=SQLITE_REVERSE,
            fill=FILL,
        ),
    ]
