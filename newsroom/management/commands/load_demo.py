"""Load the demo content into an empty database and create the demo accounts.

Never run against production: it creates accounts with printed passwords. It changes nothing
it finds: content is loaded only when the database has no entries at all, and an account that
exists keeps its password.
"""

import datetime
import secrets

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone

from comments.moderators import GROUP_NAME as MODERATORS
from desk.roles import EDITORS, REPORTERS
from events.models import Entry
from events.tagging import tags_for
from newsroom import demo
from sources.services import cite, get_or_create_publisher

# (username, role shown in the message, group)
DEMO_ACCOUNTS = [
    ("editor", "editor", EDITORS),
    ("reporter", "reporter", REPORTERS),
    ("moderator", "moderator", MODERATORS),
]


def publish_time(event_date: datetime.date) -> datetime.datetime:
    """Demo entries were published on the day of their event (noon, site time)."""
    return timezone.make_aware(datetime.datetime.combine(event_date, datetime.time(12)))


class Command(BaseCommand):
    help = (
        "Load demo entries, tags and sources into a database with no entries, and create the "
        "demo editor, reporter and moderator accounts if missing. Never run it in production."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--no-accounts", action="store_true", help="Do not create the demo accounts."
        )

    def handle(self, *args, no_accounts=False, **options):
        existing = Entry.objects.count()
        if existing:
            self.stdout.write(
                f"Demo content: not loaded, the database already has {existing} entries "
                "(demo content goes only into an empty database)."
            )
        else:
            self._load_content()
        if not no_accounts:
            for username, role, group in DEMO_ACCOUNTS:
                self._account(username, role, group)

    @transaction.atomic
    def _load_content(self):
        publishers = {
            p["name"]: get_or_create_publisher(
                p["name"], domain=p["domain"], homepage=p["homepage"]
            )
            for p in demo.PUBLISHERS
        }
        for data in demo.ENTRIES:
            entry = Entry.objects.create(
                event_date=data["event_date"],
                slug=data["slug"],
                headline=data["headline"],
                body=data.get("body", ""),
                status=Entry.Status.PUBLISHED,
                publish_at=publish_time(data["event_date"]),
            )
            entry.tags.add(*tags_for(data["tags"]))
            for position, source in enumerate(data.get("sources", [])):
                details = {k: v for k, v in source.items() if k not in ("url", "publisher")}
                cite(
                    entry,
                    source["url"],
                    position=position,
                    publisher=publishers[source["publisher"]],
                    **details,
                )
        self.stdout.write(f"Demo content: {len(demo.ENTRIES)} entries loaded.")

    def _account(self, username: str, role: str, group_name: str):
        users = get_user_model()
        if users.objects.filter(username=username).exists():
            self.stdout.write(
                f"Demo {role}: '{username}' exists, password unchanged "
                f"(to reset it: python manage.py changepassword {username})"
            )
            return
        password = secrets.token_urlsafe(12)
        user = users.objects.create_user(
            username, f"{username}@example.com", password, is_staff=True
        )
        user.groups.add(Group.objects.get(name=group_name))
        self.stdout.write(
            self.style.SUCCESS(
                f"Demo {role}: sign in at /admin/ as '{username}' with password {password}"
            )
        )
