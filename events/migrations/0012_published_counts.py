"""Facet counts of the public list, kept exact by database triggers.

`events_publishedtagcount` holds, per tag, how many entries with status "published" carry it,
and `events_publishedentrycount` (one row) how many entries have that status. Scheduled entries
(published, publish time still ahead) are counted too: they go live by the clock, with no write
to hook, so readers subtract the few scheduled ones at read time (`Entry.objects.scheduled()`).

Triggers rather than signals because bulk_create(), QuerySet.update()/delete(), cascades and
raw SQL send no signals. Deleting a tag link counts only when its entry still exists and
deleting an entry counts the links it still has, so either order of a cascade is right.
"""

from django.db import migrations, models

from events.migrations._triggers import trigger_operation

PUBLISHED = "'published'"

POSTGRESQL = [
    # Tag links: inserted, deleted or moved; only links of published entries count.
    f"""
    CREATE FUNCTION events_publishedtagcount_links() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        IF TG_OP = 'INSERT' THEN
            INSERT INTO events_publishedtagcount AS c (tag_id, entries)
            SELECT l.tag_id, COUNT(*) FROM new_links l
            JOIN events_entry e ON e.id = l.content_object_id AND e.status = {PUBLISHED}
            GROUP BY l.tag_id ORDER BY l.tag_id
            ON CONFLICT (tag_id) DO UPDATE SET entries = c.entries + EXCLUDED.entries;
        ELSIF TG_OP = 'DELETE' THEN
            UPDATE events_publishedtagcount AS c SET entries = c.entries - o.n
            FROM (SELECT l.tag_id, COUNT(*) AS n FROM old_links l
                  JOIN events_entry e ON e.id = l.content_object_id AND e.status = {PUBLISHED}
                  GROUP BY l.tag_id) o
            WHERE c.tag_id = o.tag_id;
        END IF;
        RETURN NULL;
    END $$
    """,
    f"""
    CREATE FUNCTION events_publishedtagcount_move() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        INSERT INTO events_publishedtagcount AS c (tag_id, entries)
        SELECT tag_id, SUM(n) FROM (
            SELECT l.tag_id, 1 AS n FROM new_links l
            JOIN events_entry e ON e.id = l.content_object_id AND e.status = {PUBLISHED}
            UNION ALL
            SELECT l.tag_id, -1 FROM old_links l
            JOIN events_entry e ON e.id = l.content_object_id AND e.status = {PUBLISHED}
        ) d GROUP BY tag_id HAVING SUM(n) <> 0 ORDER BY tag_id
        ON CONFLICT (tag_id) DO UPDATE SET entries = c.entries + EXCLUDED.entries;
        RETURN NULL;
    END $$
    """,
    # Entries: inserted or deleted (with the links they still have), or status changed.
    f"""
    CREATE FUNCTION events_publishedcount_entries() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        IF TG_OP = 'INSERT' THEN
            INSERT INTO events_publishedentrycount AS c (id, entries)
            SELECT 1, COUNT(*) FROM new_entries WHERE status = {PUBLISHED} HAVING COUNT(*) > 0
            ON CONFLICT (id) DO UPDATE SET entries = c.entries + EXCLUDED.entries;
        ELSIF TG_OP = 'DELETE' THEN
            UPDATE events_publishedentrycount SET entries = entries - o.n
            FROM (SELECT COUNT(*) AS n FROM old_entries WHERE status = {PUBLISHED}) o
            WHERE id = 1 AND o.n > 0;
            UPDATE events_publishedtagcount AS c SET entries = c.entries - o.n
            FROM (SELECT l.tag_id, COUNT(*) AS n FROM old_entries e
                  JOIN events_taggedentry l ON l.content_object_id = e.id
                  WHERE e.status = {PUBLISHED} GROUP BY l.tag_id) o
            WHERE c.tag_id = o.tag_id;
        ELSE
            INSERT INTO events_publishedentrycount AS c (id, entries)
            SELECT 1, SUM(CASE WHEN n.status = {PUBLISHED} THEN 1 ELSE -1 END)
            FROM old_entries o JOIN new_entries n ON n.id = o.id
            WHERE (o.status = {PUBLISHED}) <> (n.status = {PUBLISHED})
            HAVING COUNT(*) > 0
            ON CONFLICT (id) DO UPDATE SET entries = c.entries + EXCLUDED.entries;
            INSERT INTO events_publishedtagcount AS c (tag_id, entries)
            SELECT l.tag_id, SUM(CASE WHEN n.status = {PUBLISHED} THEN 1 ELSE -1 END)
            FROM old_entries o JOIN new_entries n ON n.id = o.id
            JOIN events_taggedentry l ON l.content_object_id = n.id
            WHERE (o.status = {PUBLISHED}) <> (n.status = {PUBLISHED})
            GROUP BY l.tag_id ORDER BY l.tag_id
            ON CONFLICT (tag_id) DO UPDATE SET entries = c.entries + EXCLUDED.entries;
        END IF;
        RETURN NULL;
    END $$
    """,
    """
    CREATE FUNCTION events_publishedcount_clear() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        IF TG_TABLE_NAME = 'events_entry' THEN
            DELETE FROM events_publishedentrycount;
        END IF;
        DELETE FROM events_publishedtagcount;
        RETURN NULL;
    END $$
    """,
    """
    CREATE TRIGGER events_publishedtagcount_insert AFTER INSERT ON events_taggedentry
    REFERENCING NEW TABLE AS new_links
    FOR EACH STATEMENT EXECUTE FUNCTION events_publishedtagcount_links()
    """,
    """
    CREATE TRIGGER events_publishedtagcount_delete AFTER DELETE ON events_taggedentry
    REFERENCING OLD TABLE AS old_links
    FOR EACH STATEMENT EXECUTE FUNCTION events_publishedtagcount_links()
    """,
    """
    CREATE TRIGGER events_publishedtagcount_update AFTER UPDATE ON events_taggedentry
    REFERENCING OLD TABLE AS old_links NEW TABLE AS new_links
    FOR EACH STATEMENT EXECUTE FUNCTION events_publishedtagcount_move()
    """,
    """
    CREATE TRIGGER events_publishedtagcount_truncate AFTER TRUNCATE ON events_taggedentry
    FOR EACH STATEMENT EXECUTE FUNCTION events_publishedcount_clear()
    """,
    """
    CREATE TRIGGER events_publishedcount_insert AFTER INSERT ON events_entry
    REFERENCING NEW TABLE AS new_entries
    FOR EACH STATEMENT EXECUTE FUNCTION events_publishedcount_entries()
    """,
    """
    CREATE TRIGGER events_publishedcount_delete AFTER DELETE ON events_entry
    REFERENCING OLD TABLE AS old_entries
    FOR EACH STATEMENT EXECUTE FUNCTION events_publishedcount_entries()
    """,
    """
    CREATE TRIGGER events_publishedcount_update AFTER UPDATE ON events_entry
    REFERENCING OLD TABLE AS old_entries NEW TABLE AS new_entries
    FOR EACH STATEMENT EXECUTE FUNCTION events_publishedcount_entries()
    """,
    """
    CREATE TRIGGER events_publishedcount_truncate AFTER TRUNCATE ON events_entry
    FOR EACH STATEMENT EXECUTE FUNCTION events_publishedcount_clear()
    """,
]

POSTGRESQL_REVERSE = [
    "DROP TRIGGER IF EXISTS events_publishedtagcount_insert ON events_taggedentry",
    "DROP TRIGGER IF EXISTS events_publishedtagcount_delete ON events_taggedentry",
    "DROP TRIGGER IF EXISTS events_publishedtagcount_update ON events_taggedentry",
    "DROP TRIGGER IF EXISTS events_publishedtagcount_truncate ON events_taggedentry",
    "DROP TRIGGER IF EXISTS events_publishedcount_insert ON events_entry",
    "DROP TRIGGER IF EXISTS events_publishedcount_delete ON events_entry",
    "DROP TRIGGER IF EXISTS events_publishedcount_update ON events_entry",
    "DROP TRIGGER IF EXISTS events_publishedcount_truncate ON events_entry",
    "DROP FUNCTION IF EXISTS events_publishedtagcount_links()",
    "DROP FUNCTION IF EXISTS events_publishedtagcount_move()",
    "DROP FUNCTION IF EXISTS events_publishedcount_entries()",
    "DROP FUNCTION IF EXISTS events_publishedcount_clear()",
]

# SQLite has row-level triggers only.
IS_PUBLISHED = "(SELECT status FROM events_entry WHERE id = {row}.content_object_id) = 'published'"
SQLITE = [
    f"""
    CREATE TRIGGER events_publishedtagcount_insert AFTER INSERT ON events_taggedentry
    WHEN {IS_PUBLISHED.format(row="NEW")} BEGIN
        INSERT INTO events_publishedtagcount (tag_id, entries) VALUES (NEW.tag_id, 1)
        ON CONFLICT (tag_id) DO UPDATE SET entries = entries + 1;
    END
    """,
    f"""
    CREATE TRIGGER events_publishedtagcount_delete AFTER DELETE ON events_taggedentry
    WHEN {IS_PUBLISHED.format(row="OLD")} BEGIN
        UPDATE events_publishedtagcount SET entries = entries - 1 WHERE tag_id = OLD.tag_id;
    END
    """,
    f"""
    CREATE TRIGGER events_publishedtagcount_update AFTER UPDATE ON events_taggedentry
    WHEN OLD.tag_id <> NEW.tag_id OR OLD.content_object_id <> NEW.content_object_id BEGIN
        UPDATE events_publishedtagcount SET entries = entries - 1
        WHERE tag_id = OLD.tag_id AND {IS_PUBLISHED.format(row="OLD")};
        INSERT INTO events_publishedtagcount (tag_id, entries)
        SELECT NEW.tag_id, 1 WHERE {IS_PUBLISHED.format(row="NEW")}
        ON CONFLICT (tag_id) DO UPDATE SET entries = entries + 1;
    END
    """,
    """
    CREATE TRIGGER events_publishedcount_insert AFTER INSERT ON events_entry
    WHEN NEW.status = 'published' BEGIN
        INSERT INTO events_publishedentrycount (id, entries) VALUES (1, 1)
        ON CONFLICT (id) DO UPDATE SET entries = entries + 1;
    END
    """,
    """
    CREATE TRIGGER events_publishedcount_delete AFTER DELETE ON events_entry
    WHEN OLD.status = 'published' BEGIN
        UPDATE events_publishedentrycount SET entries = entries - 1 WHERE id = 1;
        UPDATE events_publishedtagcount SET entries = entries - 1
        WHERE tag_id IN (SELECT tag_id FROM events_taggedentry WHERE content_object_id = OLD.id);
    END
    """,
    """
    CREATE TRIGGER events_publishedcount_update AFTER UPDATE OF status ON events_entry
    WHEN (OLD.status = 'published') <> (NEW.status = 'published') BEGIN
        INSERT INTO events_publishedentrycount (id, entries)
        VALUES (1, CASE WHEN NEW.status = 'published' THEN 1 ELSE -1 END)
        ON CONFLICT (id) DO UPDATE SET entries = entries + excluded.entries;
        INSERT INTO events_publishedtagcount (tag_id, entries)
        SELECT tag_id, CASE WHEN NEW.status = 'published' THEN 1 ELSE -1 END
        FROM events_taggedentry WHERE content_object_id = NEW.id AND true
        ON CONFLICT (tag_id) DO UPDATE SET entries = entries + excluded.entries;
    END
    """,
]

SQLITE_REVERSE = [
    "DROP TRIGGER IF EXISTS events_publishedtagcount_insert",
    "DROP TRIGGER IF EXISTS events_publishedtagcount_delete",
    "DROP TRIGGER IF EXISTS events_publishedtagcount_update",
    "DROP TRIGGER IF EXISTS events_publishedcount_insert",
    "DROP TRIGGER IF EXISTS events_publishedcount_delete",
    "DROP TRIGGER IF EXISTS events_publishedcount_update",
]

FILL = [
    "DELETE FROM events_publishedtagcount",
    "DELETE FROM events_publishedentrycount",
    "INSERT INTO events_publishedtagcount (tag_id, entries)"
    " SELECT l.tag_id, COUNT(*) FROM events_taggedentry l"
    " JOIN events_entry e ON e.id = l.content_object_id"
    " WHERE e.status = 'published' GROUP BY l.tag_id",
    "INSERT INTO events_publishedentrycount (id, entries)"
    " SELECT 1, COUNT(*) FROM events_entry WHERE status = 'published'",
]


class Migration(migrations.Migration):
    dependencies = [
        ("events", "0011_tag_aliases_redirects"),
        ("taggit", "0006_rename_taggeditem_content_type_object_id_taggit_tagg_content_8fc721_idx"),
    ]

    operations = [
        migrations.CreateModel(
            name="PublishedEntryCount",
            fields=[
                ("id", models.SmallIntegerField(primary_key=True, serialize=False)),
                ("entries", models.BigIntegerField()),
            ],
            options={"verbose_name": "published entry count"},
        ),
        migrations.CreateModel(
            name="PublishedTagCount",
            fields=[
                (
                    "tag",
                    models.OneToOneField(
                        db_constraint=False,
                        on_delete=models.DO_NOTHING,
                        primary_key=True,
                        related_name="+",
                        serialize=False,
                        to="taggit.tag",
                    ),
                ),
                ("entries", models.BigIntegerField()),
            ],
            options={"verbose_name": "published tag count"},
        ),
        trigger_operation(
            what="published counts",
            postgresql=POSTGRESQL,
            sqlite=SQLITE,
            postgresql_reverse=POSTGRESQL_REVERSE,
            sqlite_reverse=SQLITE_REVERSE,
            fill=FILL,
        ),
    ]
