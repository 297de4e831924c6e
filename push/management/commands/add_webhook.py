from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from push.models import EVENT_NAMES
from push.services import add_endpoint


class Command(BaseCommand):
    help = "Add a webhook endpoint: signed POSTs to URL for the chosen events (all by default)."

    def add_arguments(self, parser):
        parser.add_argument("url")
        parser.add_argument(
            "--secret", help="A whsec_ secret the subscriber holds; generated when omitted."
        )
        parser.add_argument(
            "--events",
            nargs="+",
            choices=EVENT_NAMES,
            default=[],
            metavar="EVENT",
            help=f"Events to send (default: all): {', '.join(EVENT_NAMES)}.",
        )
        parser.add_argument("--description", default="")

    def handle(self, *args, url, secret, events, description, **options):
        try:
            endpoint = add_endpoint(url, secret=secret, events=events, description=description)
        except ValidationError as error:
            raise CommandError("; ".join(error.messages)) from None
        self.stdout.write(
            f"Added webhook endpoint {endpoint.pk} for {endpoint.url} "
            f"({', '.join(endpoint.events) or 'all events'})."
        )
        if not secret:
            self.stdout.write(f"Its signing secret (give it to the subscriber): {endpoint.secret}")
