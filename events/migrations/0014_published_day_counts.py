"""Days with published entries, kept exact by database triggers (the sitemap's day section).

`events_publisheddaycount` holds, per event date, how many entries with status published fall
on it (scheduled ones included; readers subtract those, as for the kept counts of
0012_published_counts). Listing the days with live entries then reads one row per day instead
of every entry.
"""

from django.db import migrations, models

from events.migrations._triggers import trigger_operation

DELTA = """
        INSERT INTO events_publisheddaycount AS c (event_date, entries)
        SELECT event_date, SUM(n) FROM ({rows}) d
        GROUP BY event_date HAVING SUM(n) <> 0 ORDER BY event_date
        ON CONFLICT (event_date) DO UPDATE SET entries = c.entries + EXCLUDED.entries;"""
NEW = "SELECT event_date, 1 AS n FROM new_entries WHERE status = 'published'"
OLD = "SELECT event_date, -1 AS n FROM old_entries WHERE status = 'published'"

POSTGRESQL = [
    f"""
    CREATE FUNCTION events_publisheddaycount_entries() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        IF TG_OP = 'INSERT' THEN {DELTA.format(rows=NEW)}
        ELSIF TG_OP = 'DELETE' THEN {DELTA.format(rows=OLD)}
        ELSE {DELTA.format(rows=f"{NEW} UNION ALL {OLD}")}
        END IF;
        RETURN NULL;
    END $$
    """,
    """
    CREATE FUNCTION events_publisheddaycount_clear() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        DELETE FROM events_publisheddaycount;
        RETURN NULL;
    END $$
    """,
    """
    CREATE TRIGGER events_publisheddaycount_insert AFTER INSERT ON events_entry
    REFERENCING NEW TABLE AS new_entries
    FOR EACH STATEMENT EXECUTE FUNCTION events_publisheddaycount_entries()
    """,
    """
    CREATE TRIGGER events_publisheddaycount_delete AFTER DELETE ON events_entry
    REFERENCING OLD TABLE AS old_entries
    FOR EACH STATEMENT EXECUTE FUNCTION events_publisheddaycount_entries()
    """,
    """
    CREATE TRIGGER events_publisheddaycount_update AFTER UPDATE ON events_entry
    REFERENCING OLD TABLE AS old_entries NEW TABLE AS new_entries
    FOR EACH STATEMENT EXECUTE FUNCTION events_publisheddaycount_entries()
    """,
    """
    CREATE TRIGGER events_publisheddaycount_truncate AFTER TRUNCATE ON events_entry
    FOR EACH STATEMENT EXECUTE FUNCTION events_publisheddaycount_clear()
    """,
]

POSTGRESQL_REVERSE = [
    "DROP TRIGGER IF EXISTS events_publisheddaycount_insert ON events_entry",
    "DROP TRIGGER IF EXISTS events_publisheddaycount_delete ON events_entry",
    "DROP TRIGGER IF EXISTS events_publisheddaycount_update ON events_entry",
    "DROP TRIGGER IF EXISTS events_publisheddaycount_truncate ON events_entry",
    "DROP FUNCTION IF EXISTS events_publisheddaycount_entries()",
    "DROP FUNCTION IF EXISTS events_publisheddaycount_clear()",
]

ADD = """
        INSERT INTO events_publisheddaycount (event_date, entries) VALUES (NEW.event_date, 1)
        ON CONFLICT (event_date) DO UPDATE SET entries = entries + 1;"""
REMOVE = """
        UPDATE events_publisheddaycount SET entries = entries - 1
        WHERE event_date = OLD.event_date;"""
SQLITE = [
    f"""
    CREATE TRIGGER events_publisheddaycount_insert AFTER INSERT ON events_entry
    WHEN NEW.status = 'published' BEGIN {ADD}
    END
    """,
    f"""
    CREATE TRIGGER events_publisheddaycount_delete AFTER DELETE ON events_entry
    WHEN OLD.status = 'published' BEGIN {REMOVE}
    END
    """,
    f"""
    CREATE TRIGGER events_publisheddaycount_update_old AFTER UPDATE OF status, event_date
    ON events_entry WHEN OLD.status = 'published' BEGIN {REMOVE}
    END
    """,
    f"""
    CREATE TRIGGER events_publisheddaycount_update_new AFTER UPDATE OF status, event_date
    ON events_entry WHEN NEW.status = 'published' BEGIN {ADD}
    END
    """,
]

SQLITE_REVERSE = [
    "DROP TRIGGER IF EXISTS events_publisheddaycount_insert",
    "DROP TRIGGER IF EXISTS events_publisheddaycount_delete",
    "DROP TRIGGER IF EXISTS events_publisheddaycount_update_old",
    "DROP TRIGGER IF EXISTS events_publisheddaycount_update_new",
]

FILL = [
    "DELETE FROM events_publisheddaycount",
    "INSERT INTO events_publisheddaycount (event_date, entries)"
    " SELECT event_date, COUNT(*) FROM events_entry WHERE status = 'published'"
    " GROUP BY event_date",
]


class Migration(migrations.Migration):
    dependencies = [
        ("events", "0013_search_document"),
    ]

    operations = [
        migrations.CreateModel(
            name="PublishedDayCount",
            fields=[
                ("event_date", models.DateField(primary_key=True, serialize=False)),
                ("entries", models.BigIntegerField()),
            ],
            options={"verbose_name": "published day count"},
        ),
        trigger_operation(
            what="day counts",
            postgresql=POSTGRESQL,
            sqlite=SQLITE,
            postgresql_reverse=POSTGRESQL_REVERSE,
            sqlite_reverse=SQLITE_REVERSE,
            fill=FILL,
        ),
    ]
