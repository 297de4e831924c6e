"""PublisherCount's triggers stand aside for a transaction that asks (events.counts)."""

from django.db import migrations

from events.migrations._stand_aside import guard_operation


class Migration(migrations.Migration):
    dependencies = [("sources", "0003_publisher_counts"), ("events", "0018_counts_stand_aside")]

    operations = [guard_operation(("sources_publishercount_",))]
