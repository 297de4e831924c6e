"""Every count trigger the migrations install is in the migrated database, and no other.

The kept counts (TagCount, EntryCount, PublishedTagCount, PublishedEntryCount,
PublishedDayCount, PublisherCount, PublisherCitationCount) and the publishers' kept list of
entries (PublisherEntry) are written only by database triggers. SQLite adds a NOT
NULL column, and makes most other column changes, by rebuilding the table, which silently
drops that table's triggers: the counts then stop following writes and nothing fails until a
reader sees a wrong number. So after migrating, the triggers present are compared with those
the migrations' own statements create on this database (`expected_triggers`), never with a
typed list that could drift from them.

That each kept count moves with the writes it follows is tested, on both databases, by
tests/test_related.py (TagCount and EntryCount: bulk inserts, updates, cascades, raw SQL),
tests/test_published_counts.py (the published counts and PublisherCount: entries inserted,
deleted, published and unpublished, tag links, citations and sources added, moved, removed) and
tests/test_publisher_entries.py (PublisherEntry and PublisherCitationCount).
"""

import inspect
import re
from pathlib import Path

import pytest
from django.db import connection, migrations
from django.db.migrations.executor import MigrationExecutor

from events.migrations._triggers import trigger_operation

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parent.parent
CREATE = re.compile(
    r"\bCREATE\s+TRIGGER\s+(?:IF\s+NOT\s+EXISTS\s+)?(\w+)\b.*?\bON\s+(\w+)", re.I | re.S
)
DROP = re.compile(r"\bDROP\s+TRIGGER\s+(?:IF\s+EXISTS\s+)?(\w+)", re.I)


def forward_statements(vendor: str) -> list[str]:
    """The trigger-related SQL that migrating runs on `vendor`, in migration order.

    The statements each `trigger_operation` runs forwards (read from the operation itself, the
    lists it was given), and every RunSQL's SQL.
    """
    executor = MigrationExecutor(connection)
    plan = executor.migration_plan(executor.loader.graph.leaf_nodes(), clean_start=True)
    statements: list[str] = []
    for migration, _ in plan:
        for operation in migration.operations:
            if isinstance(operation, migrations.RunSQL):
                sql = operation.sql
                for item in [sql] if isinstance(sql, str) else sql:
                    statements.append(item if isinstance(item, str) else item[0])
            elif (
                isinstance(operation, migrations.RunPython)
                and operation.code.__module__ == trigger_operation.__module__
            ):
                statements += inspect.getclosurevars(operation.code).nonlocals[vendor]
    return statements


def expected_triggers(vendor: str) -> dict[str, str]:
    """Name → table of every trigger the migrations leave installed on `vendor`."""
    triggers: dict[str, str] = {}
    for statement in forward_statements(vendor):
        for name in DROP.findall(statement):
            triggers.pop(name, None)
        triggers.update(CREATE.findall(statement))
    return triggers


def installed_triggers() -> set[str]:
    """The triggers present in the test database (constraint triggers excluded)."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT tgname FROM pg_trigger WHERE NOT tgisinternal")
        else:
            cursor.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'")
        return {name for (name,) in cursor.fetchall()}


def trigger_drift() -> dict[str, list[str]]:
    """Triggers the migrations create but the database lacks, and the other way round."""
    expected, installed = set(expected_triggers(connection.vendor)), installed_triggers()
    return {"missing": sorted(expected - installed), "unexpected": sorted(installed - expected)}


def test_every_trigger_the_migrations_create_is_installed_and_no_other():
    assert trigger_drift() == {"missing": [], "unexpected": []}


def test_the_expected_triggers_cover_every_trigger_named_in_a_migration():
    # Guards the derivation: a trigger created some other way (a RunPython of its own) would
    # be missing from both vendors' expected sets and show up here.
    named = {
        name
        for path in ROOT.glob("*/migrations/*.py")
        for name, _ in CREATE.findall(path.read_text())
    }
    expected = set(expected_triggers("postgresql")) | set(expected_triggers("sqlite"))
    assert named and named == expected
    assert {"events_entry", "events_taggedentry", "sources_citation", "sources_source"} <= set(
        expected_triggers("postgresql").values()
    )


# A trigger no migration creates, on a table the counts follow.
STRAY = {
    "postgresql": "CREATE TRIGGER stray_trigger AFTER TRUNCATE ON events_tagcount "
    "FOR EACH STATEMENT EXECUTE FUNCTION events_tagcount_clear()",
    "sqlite": "CREATE TRIGGER stray_trigger AFTER DELETE ON events_tagcount BEGIN SELECT 1; END",
}


def test_a_dropped_trigger_is_reported_missing_and_a_stray_one_unexpected():
    # What SQLite's table rebuild does, done by hand (the test's transaction restores it).
    name, table = sorted(expected_triggers(connection.vendor).items())[0]
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(f"DROP TRIGGER {name} ON {table}")
        else:
            cursor.execute(f"DROP TRIGGER {name}")
        cursor.execute(STRAY[connection.vendor])
    assert trigger_drift() == {"missing": [name], "unexpected": ["stray_trigger"]}
