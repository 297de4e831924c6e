"""Append a correction, clarification or update to a live entry from the command line.

`manage.py correct_entry 2014-02-19/talks-resume --as alice --kind correction
--note "The talks resumed on Tuesday, not Monday." --headline "Talks resume on Tuesday"`
"""

import datetime

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from desk.corrections import CorrectionError, add_correction
from events.models import Correction, Entry


class Command(BaseCommand):
    help = (
        "Append a dated note (correction, clarification or update) to the live entry "
        "DATE/SLUG as USER (an editor), optionally with its corrected headline or body."
    )

    def add_arguments(self, parser):
        parser.add_argument("entry", help="the entry as YYYY-MM-DD/slug")
        parser.add_argument("--as", dest="username", required=True, help="an editor's username")
        parser.add_argument("--kind", choices=Correction.Kind.values, default="correction")
        parser.add_argument("--note", required=True, help="the note readers see")
        parser.add_argument("--headline", help="the corrected headline")
        parser.add_argument("--body-file", help="a file holding the corrected Markdown body")

    def handle(self, *args, entry, username, kind, note, headline, body_file, **options):
        day, _, slug = entry.partition("/")
        try:
            found = Entry.objects.get(event_date=datetime.date.fromisoformat(day), slug=slug)
        except (ValueError, Entry.DoesNotExist):
            raise CommandError(f"No entry {entry!r} (give it as YYYY-MM-DD/slug).") from None
        try:
            user = get_user_model().objects.get(username=username)
        except get_user_model().DoesNotExist:
            raise CommandError(f"No user {username!r}.") from None
        body = None
        if body_file:
            with open(body_file, encoding="utf-8") as stream:
                body = stream.read()
        try:
            correction = add_correction(
                found, kind=kind, note=note, user=user, headline=headline, body=body
            )
        except CorrectionError as refusal:
            raise CommandError(str(refusal)) from None
        self.stdout.write(
            f"{correction.get_kind_display()} added to {found}: {correction.get_absolute_url()}"
        )
