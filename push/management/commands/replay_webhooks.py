from django.core.management.base import BaseCommand, CommandError

from api.changes import BadCursor
from push.models import Endpoint
from push.webhooks import replay


class Command(BaseCommand):
    help = (
        "Deliver again to one endpoint every change after a changes-feed cursor (the `cursor` of "
        "the last webhook the subscriber processed, or of /api/v1/changes/); none for all."
    )

    def add_arguments(self, parser):
        parser.add_argument("endpoint", help="The endpoint's id or URL.")
        parser.add_argument("--after", default=None, help="A changes-feed cursor.")

    def handle(self, *args, endpoint, after, **options):
        found = Endpoint.objects.filter(url=endpoint)
        if endpoint.isdigit():
            found = Endpoint.objects.filter(pk=int(endpoint))
        target = found.first()
        if target is None:
            raise CommandError(f"No webhook endpoint {endpoint!r}.")
        try:
            count = replay(target, after=after)
        except BadCursor:
            raise CommandError(f"{after!r} is not a cursor of the changes feed.") from None
        self.stdout.write(f"Recorded {count} deliveries to {target.url}.")
