"""Search: tag names copied onto the entry, and on PostgreSQL a GIN index over the weighted vector.

The index expression must stay identical to events.search.search_vector(); it is written out here
so this migration never changes when that module does (tests check the planner uses the index).
"""

from django.contrib.postgres.indexes import GinIndex
from django.contrib.postgres.search import SearchVector
from django.db import migrations, models

INDEX_NAME = "entry_search_gin"


def search_vector():
    return (
        SearchVector("headline", weight="A", config="english")
        + SearchVector("search_tags", weight="B", config="english")
        + SearchVector("body", weight="C", config="english")
    )


def fill_search_tags(apps, schema_editor):
    Entry = apps.get_model("events", "Entry")
    TaggedEntry = apps.get_model("events", "TaggedEntry")
    names = {}
    for entry_id, name in TaggedEntry.objects.order_by("tag__name").values_list(
        "content_object_id", "tag__name"
    ):
        names.setdefault(entry_id, []).append(name)
    entries = list(Entry.objects.filter(pk__in=names).only("pk"))
    for entry in entries:
        entry.search_tags = " ".join(names[entry.pk])
    Entry.objects.bulk_update(entries, ["search_tags"], batch_size=500)


def add_gin_index(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    Entry = apps.get_model("events", "Entry")
    schema_editor.add_index(Entry, GinIndex(search_vector(), name=INDEX_NAME))


def remove_gin_index(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    Entry = apps.get_model("events", "Entry")
    schema_editor.remove_index(Entry, GinIndex(search_vector(), name=INDEX_NAME))


class Migration(migrations.Migration):

    dependencies = [
        ('events', '0001_initial'),
    ]

    operations = [
        migrations.AddField(
            model_name='entry',
            name='search_tags',
            field=models.TextField(blank=True, editable=False, help_text="The entry's tag names, kept current by events.search so search can weight tags without a join."),
        ),
        migrations.RunPython(fill_search_tags, migrations.RunPython.noop),
        migrations.RunPython(add_gin_index, remove_gin_index),
    ]
