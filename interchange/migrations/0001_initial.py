# ArchiveRecord arrives from the events app with its table (events_archiverecord) and rows as
# they are: state only, no SQL.

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ("events", "0005_move_archive_record"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="ArchiveRecord",
                    fields=[
                        (
                            "entry",
                            models.OneToOneField(
                                on_delete=django.db.models.deletion.CASCADE,
                                primary_key=True,
                                related_name="archive_record",
                                serialize=False,
                                to="events.entry",
                            ),
                        ),
                        (
                            "level",
                            models.PositiveSmallIntegerField(
                                choices=[
                                    (1, "named by a link"),
                                    (2, "listed on its day page"),
                                    (3, "its own page imported"),
                                ]
                            ),
                        ),
                        (
                            "body_level",
                            models.PositiveSmallIntegerField(
                                blank=True,
                                choices=[
                                    (1, "named by a link"),
                                    (2, "listed on its day page"),
                                    (3, "its own page imported"),
                                ],
                                help_text="Who wrote the body, if anyone.",
                                null=True,
                            ),
                        ),
                    ],
                    options={"db_table": "events_archiverecord"},
                ),
            ],
            database_operations=[],
        ),
    ]
