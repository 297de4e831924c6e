"""What the archive import remembers about each entry it wrote."""

from django.db import models

from events.models import Entry


class ArchiveRecord(models.Model):
    """How much of an imported entry the archive has given us, so imports merge in any order.

    An entry first named by another page's link is a placeholder (level "link"); its day page
    and then its own page complete it. Higher levels overwrite what lower ones wrote, never the
    reverse, which makes the result independent of the order the pages arrive in.
    """

    class Level(models.IntegerChoices):
        LINK = 1, "named by a link"
        DAY = 2, "listed on its day page"
        PAGE = 3, "its own page imported"

    entry = models.OneToOneField(
        Entry, on_delete=models.CASCADE, primary_key=True, related_name="archive_record"
    )
    level = models.PositiveSmallIntegerField(choices=Level.choices)
    body_level = models.PositiveSmallIntegerField(
        choices=Level.choices, null=True, blank=True, help_text="Who wrote the body, if anyone."
    )

    class Meta:
        # Created by the events app before this app existed; the table keeps its name.
        db_table = "events_archiverecord"

    def __str__(self):
        return f"{self.entry_id}: {self.get_level_display()}"
