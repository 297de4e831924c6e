"""Entry.lede: the body's first sentence as plain text, stored so entry lists skip Markdown.

Nullable, so SQLite adds the column in place instead of rebuilding the table (which would drop
the count triggers). Existing rows are filled here, in batches, with the same rule save() uses.
"""

from django.db import migrations, models

from events.text import lede

BATCH = 2000


def fill_ledes(apps, schema_editor):
    Entry = apps.get_model("events", "Entry")
    Entry.objects.filter(body="").update(lede="")
    rows = Entry.objects.exclude(body="").order_by("pk").only("pk", "body")
    last = 0
    while batch := list(rows.filter(pk__gt=last)[:BATCH]):
        for entry in batch:
            entry.lede = lede(entry.body)
        Entry.objects.bulk_update(batch, ["lede"])
        last = batch[-1].pk

class Migration(migrations.Migration):
    dependencies = [
        ("events", "0014_published_day_counts"),
    ]

    operations = [
        migrations.AddField(
            model_name="entry",
            name="lede",
            field=models.TextField(blank=True, editable=False, null=True),
        ),
        migrations.RunPython(fill_ledes, migrations.RunPython.noop, elidable=True),
    ]
