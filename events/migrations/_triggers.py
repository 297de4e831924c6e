"""The one way our migrations install database triggers (not a migration: its name starts with _).

Each trigger-kept count table comes with PostgreSQL and SQLite statements, their reverse, and
the statements that fill the table from the rows already there. `trigger_operation` turns them
into one RunPython that refuses any other database with a clear message.
"""

from django.db import migrations


def _run(schema_editor, statements: dict[str, list[str]], what: str) -> None:
    vendor = schema_editor.connection.vendor
    if vendor not in statements:
        raise NotImplementedError(f"{what} need PostgreSQL or SQLite, not {vendor}")
    for statement in statements[vendor]:
        schema_editor.execute(statement, params=None)


def trigger_operation(
    *,
    what: str,
    postgresql: list[str],
    sqlite: list[str],
    postgresql_reverse: list[str],
    sqlite_reverse: list[str],
    fill: list[str],
) -> migrations.RunPython:
    """Create the triggers and fill the table forwards; drop the triggers backwards."""

    def create(apps, schema_editor):
        _run(schema_editor, {"postgresql": postgresql + fill, "sqlite": sqlite + fill}, what)

    def drop(apps, schema_editor):
        _run(schema_editor, {"postgresql": postgresql_reverse, "sqlite": sqlite_reverse}, what)

    return migrations.RunPython(create, drop)
