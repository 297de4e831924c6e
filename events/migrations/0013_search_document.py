"""Search: on PostgreSQL a stored, generated tsvector column with a GIN index.

Before, every search recomputed `to_tsvector` over headline, tag names and body for each
matching row (to rank and to re-check), four times per page. The column holds the same weighted
vector (headline A, tag names B, body C) and PostgreSQL keeps it current on every write, bulk
ones included. The column is not a model field, so SQLite and the model stay as they were;
`events.search` reads it on PostgreSQL only.
"""

from django.db import migrations


COLUMN = """
    ALTER TABLE events_entry ADD COLUMN search_document tsvector GENERATED ALWAYS AS (
        setweight(to_tsvector('english'::regconfig, COALESCE(headline, '')), 'A')
        || setweight(to_tsvector('english'::regconfig, COALESCE(search_tags, '')), 'B')
        || setweight(to_tsvector('english'::regconfig, COALESCE(body, '')), 'C')
    ) STORED
"""
FORWARD = [
    COLUMN,
    "CREATE INDEX entry_search_document_gin ON events_entry USING gin (search_document)",
    "DROP INDEX IF EXISTS entry_search_gin",
]
REVERSE = [
    "DROP INDEX IF EXISTS entry_search_document_gin",
    "ALTER TABLE events_entry DROP COLUMN IF EXISTS search_document",
    """CREATE INDEX entry_search_gin ON events_entry USING gin ((
        setweight(to_tsvector('english'::regconfig, COALESCE(headline, '')), 'A')
        || setweight(to_tsvector('english'::regconfig, COALESCE(search_tags, '')), 'B')
        || setweight(to_tsvector('english'::regconfig, COALESCE(body, '')), 'C')))""",
]


def forward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for statement in FORWARD:
            schema_editor.execute(statement, params=None)


def reverse(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for statement in REVERSE:
            schema_editor.execute(statement, params=None)


class Migration(migrations.Migration):
    dependencies = [
        ("events", "0012_published_counts"),
    ]

    operations = [migrations.RunPython(forward, reverse)]
