"""manage.py record_changes: bring the changes feed up to date after writes without signals."""

from django.core.management.base import BaseCommand
from django.db import transaction

from api.changes import record_all_live


class Command(BaseCommand):
    help = (
        "Record a change for every live, scheduled or withdrawn entry, so mirrors following "
        "/api/v1/changes/ catch up after bulk imports or raw SQL (which send no signals)."
    )

    def handle(self, *args, **options):
        with transaction.atomic():
            written = record_all_live()
        self.stdout.write(f"Recorded {written} changes.")
