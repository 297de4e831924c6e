"""Count triggers that stand aside for a transaction that asks (events.counts.recounted_after)."""

from django.db import migrations

from events.migrations._stand_aside import guard_operation


class Migration(migrations.Migration):
    dependencies = [("events", "0017_remove_entry_story")]

    operations = [
        guard_operation(
            (
                "events_tagcount_",
                "events_entrycount_",
                "events_publishedtagcount_",
                "events_publishedcount_",
                "events_publisheddaycount_",
            )
        )
    ]
