"""Merge publishers: `manage.py merge_publishers bbc-com bbc-news --into bbc`."""

from django.core.management.base import BaseCommand, CommandError

from sources.models import Publisher
from sources.services import MergeError, merge_publishers


class Command(BaseCommand):
    help = (
        "Merge the publishers with the given SLUGs into the one with slug --into: their sources "
        "are credited to it, their domains become its other domains, their pages answer 301."
    )

    def add_arguments(self, parser):
        parser.add_argument("slugs", nargs="+", metavar="SLUG")
        parser.add_argument("--into", required=True, metavar="SLUG")

    def handle(self, *args, slugs, into, **options):
        found = {p.slug: p for p in Publisher.objects.filter(slug__in=[*slugs, into])}
        missing = [s for s in [*slugs, into] if s not in found]
        if missing:
            raise CommandError(f"No publisher with slug {', '.join(missing)}.")
        try:
            moved = merge_publishers([found[s] for s in slugs], into=found[into])
        except MergeError as refusal:
            raise CommandError(str(refusal)) from None
        self.stdout.write(f"Merged {', '.join(slugs)} into {into}: {moved} sources re-pointed.")
