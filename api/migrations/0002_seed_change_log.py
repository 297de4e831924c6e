"""Start the change log with what is already public, so replaying the feed from its start
reproduces every entry that existed before the log did."""

from django.db import migrations
from django.utils import timezone


def seed(apps, schema_editor):
    Entry = apps.get_model("events", "Entry")
    Change = apps.get_model("api", "Change")
    now = timezone.now()
    rows = []
    for pk, publish_at in (
        Entry.objects.filter(status="published").order_by("pk").values_list("pk", "publish_at")
    ):
        live = publish_at is not None and publish_at <= now
        rows.append(
            Change(
                kind="entry.updated" if live else "entry.published",
                entry_id=pk,
                effective_at=now if live else publish_at,
                data={},
            )
        )
    Change.objects.bulk_create(rows, batch_size=1000)


class Migration(migrations.Migration):
    dependencies = [("api", "0001_change_log"), ("events", "0005_move_archive_record")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
