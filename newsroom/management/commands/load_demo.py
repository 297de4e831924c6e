"""Load the demo content and (re)create the demo editor account, printing its password."""

import datetime
import secrets

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand
from django.db import transaction

from events.models import Entry
from newsroom import demo
from sources.services import cite, get_or_create_publisher

DEMO_EDITOR = "editor"


class Command(BaseCommand):
    help = "Load demo entries, tags and sources (idempotent) and reset the demo editor's password."

    def add_arguments(self, parser):
        parser.add_argument(
            "--no-editor", action="store_true", help="Do not create or reset the demo editor."
        )

    @transaction.atomic
    def handle(self, *args, no_editor=False, **options):
        publishers = {
            p["name"]: get_or_create_publisher(
                p["name"], domain=p["domain"], homepage=p["homepage"]
            )
            for p in demo.PUBLISHERS
        }
        created = 0
        for data in demo.ENTRIES:
            entry, was_created = Entry.objects.get_or_create(
                event_date=data["event_date"],
                slug=data["slug"],
                defaults={
                    "headline": data["headline"],
                    "body": data.get("body", ""),
                    "status": Entry.Status.PUBLISHED,
                    # Published on the day of the event, as the archive import does, so feeds
                    # and JSON-LD do not date every demo entry to the moment it was loaded.
                    "publish_at": datetime.datetime.combine(
                        data["event_date"], datetime.time(0), tzinfo=datetime.UTC
                    ),
                },
            )
            created += was_created
            entry.tags.add(*data["tags"])
            for position, source in enumerate(data.get("sources", [])):
                details = {k: v for k, v in source.items() if k not in ("url", "publisher")}
                cite(
                    entry,
                    source["url"],
                    position=position,
                    publisher=publishers[source["publisher"]],
                    **details,
                )
        self.stdout.write(f"Demo content: {created} entries created, {len(demo.ENTRIES)} in all.")
        if not no_editor:
            self._reset_editor()

    def _reset_editor(self):
        password = secrets.token_urlsafe(12)
        user, _ = get_user_model().objects.get_or_create(
            username=DEMO_EDITOR, defaults={"email": "editor@example.com"}
        )
        user.is_staff = user.is_superuser = True
        user.set_password(password)
        user.save()
        self.stdout.write(
            self.style.SUCCESS(
                f"Demo editor: sign in at /admin/ as '{DEMO_EDITOR}' with password {password}"
            )
        )
