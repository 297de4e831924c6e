# ArchiveRecord moves to the interchange app; its table stays, only Django's state changes.

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ("events", "0004_related_counts"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.DeleteModel(name="ArchiveRecord")],
            database_operations=[],
        ),
    ]
