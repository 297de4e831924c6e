"""The count triggers' guard on PostgreSQL (not a migration: its name starts with _).

`guard_operation(prefixes)` re-creates each count trigger whose name starts with one of
`prefixes` (TRUNCATE's excepted) with a WHEN condition, from its own definition as the
database prints it, so the trigger runs unless the transaction has set
`newsroom.counts_stand_aside` (events.counts.recounted_after). SQLite needs no change: there
the triggers stand aside by being dropped inside the importing transaction.
"""

import re

from django.db import migrations

SETTING = "newsroom.counts_stand_aside"
GUARD = " WHEN (current_setting('newsroom.counts_stand_aside', true) IS DISTINCT FROM 'on')"
EXECUTE = " EXECUTE FUNCTION "


def _definitions(schema_editor, prefixes: tuple[str, ...]) -> list[tuple[str, str, str]]:
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(
            "SELECT t.tgname, c.relname, pg_get_triggerdef(t.oid) FROM pg_trigger t"
            " JOIN pg_class c ON c.oid = t.tgrelid WHERE NOT t.tgisinternal ORDER BY t.tgname"
        )
        return [
            row
            for row in cursor.fetchall()
            if row[0].startswith(prefixes) and not row[0].endswith("_truncate")
        ]


def guard_operation(prefixes: tuple[str, ...]) -> migrations.RunPython:
    def rewrite(schema_editor, change) -> None:
        if schema_editor.connection.vendor != "postgresql":
            return
        for name, table, definition in _definitions(schema_editor, prefixes):
            schema_editor.execute(f'DROP TRIGGER "{name}" ON "{table}"', params=None)
            schema_editor.execute(change(definition), params=None)

    def guard(apps, schema_editor):
        rewrite(schema_editor, lambda d: d if SETTING in d else d.replace(EXECUTE, GUARD + EXECUTE))

    def unguard(apps, schema_editor):
        # The database prints the condition back in its own words (with casts): cut it out whole.
        rewrite(schema_editor, lambda d: re.sub(r" WHEN \(.*" + re.escape(SETTING) + r".*?\)(?= EXECUTE FUNCTION )", "", d))

    return migrations.RunPython(guard, unguard)
