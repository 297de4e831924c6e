"""Load the demo content into an empty database and create the demo accounts.

Never run against production: it creates accounts with printed passwords. It changes nothing
it finds: content is loaded only when the database has no entries at all, and an account that
exists keeps its password.

The content (newsroom/demo.py): the seed's example entry with its related entries, and the
recent news dated over the last ten days before today, with comments (approved and pending),
one entry scheduled for tomorrow and one correction (added by the demo editor, so not with
--no-accounts).
"""

import datetime
import secrets

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone

from comments.models import Comment
from comments.moderators import GROUP_NAME as MODERATORS
from desk.corrections import add_correction
from desk.roles import EDITORS, REPORTERS
from events.models import Entry
from events.tagging import tags_for
from newsroom import demo
from sources.services import cite, get_or_create_publisher
from stories.models import Story
from stories.services import set_story_named

# (username, role shown in the message, group)
DEMO_ACCOUNTS = [
    ("editor", "editor", EDITORS),
    ("reporter", "reporter", REPORTERS),
    ("moderator", "moderator", MODERATORS),
]


def publish_time(event_date: datetime.date) -> datetime.datetime:
    """Demo entries were published on the day of their event (noon, site time)."""
    return timezone.make_aware(datetime.datetime.combine(event_date, datetime.time(12)))


def recent_publish_time(
    event_date: datetime.date, hour: int, *, now: datetime.datetime
) -> datetime.datetime:
    """A recent entry went live at `hour` on its day, or earlier today if that is still ahead.

    Never before the start of its day, never after `now`: today's entries are live already.
    """
    start = timezone.make_aware(datetime.datetime.combine(event_date, datetime.time(0)))
    wanted = start + datetime.timedelta(hours=hour)
    return max(start, min(wanted, now - datetime.timedelta(minutes=24 - hour)))


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
        accounts = {}
        if not no_accounts:
            for username, role, group in DEMO_ACCOUNTS:
                accounts[username] = self._account(username, role, group)
        existing = Entry.objects.count()
        if existing:
            self.stdout.write(
                f"Demo content: not loaded, the database already has {existing} entries "
                "(demo content goes only into an empty database)."
            )
        else:
            self._load_content(accounts)

    @transaction.atomic
    def _load_content(self, accounts):
        self._load_seed()
        recent = self._load_recent(accounts)
        self.stdout.write(
            f"Demo content: {len(demo.ENTRIES)} entries of the seed, {len(recent)} recent "
            "entries and 1 scheduled for tomorrow loaded."
        )
        editor = accounts.get("editor")
        if editor is None:
            self.stdout.write("Demo correction: not added (it is added by the demo editor).")
            return
        add_correction(
            recent[demo.CORRECTION["slug"]],
            kind="correction",
            note=demo.CORRECTION["note"],
            headline=demo.CORRECTION["headline"],
            user=editor,
        )

    def _load_seed(self):
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

    def _load_recent(self, accounts) -> dict[str, Entry]:
        """The recent news, dated back from today, and tomorrow's scheduled entry; by slug."""
        now = timezone.now()
        today = timezone.localdate(now)
        reporter, editor, moderator = (accounts.get(k) for k in ("reporter", "editor", "moderator"))
        loaded = {}
        for n, data in enumerate(demo.RECENT):
            day = today - datetime.timedelta(days=data["days_ago"])
            publish_at = recent_publish_time(day, data["hour"], now=now)
            entry = self._entry(
                data, day=day, publish_at=publish_at, author=editor if n % 4 == 0 else reporter
            )
            for position, (name, body, status) in enumerate(data.get("comments", [])):
                posted = min(publish_at + datetime.timedelta(minutes=25 * (position + 1)), now)
                Comment.objects.create(
                    entry=entry,
                    name=name,
                    email=f"{name.lower()}@example.com",
                    body=body,
                    status=status,
                    created=posted,
                    moderated_by=moderator if status == Comment.Status.APPROVED else None,
                    moderated_at=posted if status == Comment.Status.APPROVED else None,
                )
            loaded[entry.slug] = entry
        tomorrow = today + datetime.timedelta(days=1)
        scheduled = timezone.make_aware(
            datetime.datetime.combine(tomorrow, datetime.time(demo.SCHEDULED["hour"]))
        )
        self._entry(demo.SCHEDULED, day=tomorrow, publish_at=scheduled, author=reporter)
        return loaded

    def _entry(self, data, *, day, publish_at, author) -> Entry:
        entry = Entry.objects.create(
            event_date=day,
            slug=data["slug"],
            headline=data["headline"],
            body=data.get("body", ""),
            status=Entry.Status.PUBLISHED,
            publish_at=publish_at,
            author=author,
        )
        entry.tags.add(*data["tags"])
        if data.get("story"):
            story = set_story_named(entry, data["story"], key=bool(data.get("key")))
            if story is not None and data["story"] in demo.STORIES:
                Story.objects.filter(pk=story.pk).update(**demo.STORIES[data["story"]])
        for position, (url, title) in enumerate(data["sources"]):
            cite(entry, url, position=position, title=title, published_on=day)
        return entry

    def _account(self, username: str, role: str, group_name: str):
        users = get_user_model()
        existing = users.objects.filter(username=username).first()
        if existing:
            self.stdout.write(
                f"Demo {role}: '{username}' exists, password unchanged "
                f"(to reset it: python manage.py changepassword {username})"
            )
            return existing
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
        return user
