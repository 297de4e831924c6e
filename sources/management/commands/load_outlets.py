"""Load or refresh the directory of news outlets: `manage.py load_outlets`."""

from django.core.management.base import BaseCommand

from sources.outlets import load_outlets


class Command(BaseCommand):
    help = (
        "Create a publisher for every outlet of sources/data/outlets.csv the database lacks, and "
        "name publishers still flagged 'needs a name' whose domain the directory knows. Names "
        "an editor gave are kept. Safe to run again."
    )

    def handle(self, *args, **options):
        self.stdout.write(load_outlets().message())
