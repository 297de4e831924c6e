"""Factories for test data (each builds a valid row with the fewest arguments) and the plain
helpers several test modules share, each defined once here."""

import contextlib
import datetime
import io
import json
import re
import uuid

import factory
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.cache import cache
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from taggit.models import Tag

from comments.models import Comment
from events.models import Entry, TaggedEntry
from reading import pagecache
from sources.models import Citation, Publisher, Source
from stories.services import set_story_named


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.com")


class EntryFactory(factory.django.DjangoModelFactory):
    """A published entry (live since an hour ago). Pass tags=[...] to tag it, story="Name" to
    put it in the story of that name (through stories.services, as the desk does)."""

    class Meta:
        model = Entry
        skip_postgeneration_save = True

    event_date = datetime.date(2014, 2, 19)
    headline = factory.Sequence(lambda n: f"Event number {n} happens somewhere")
    status = Entry.Status.PUBLISHED
    publish_at = factory.LazyFunction(lambda: timezone.now() - datetime.timedelta(hours=1))

    class Params:
        draft = factory.Trait(status=Entry.Status.DRAFT, publish_at=None)
        scheduled = factory.Trait(
            publish_at=factory.LazyFunction(lambda: timezone.now() + datetime.timedelta(days=1))
        )

    @factory.post_generation
    def tags(self, create, extracted, **kwargs):
        if create and extracted:
            self.tags.add(*extracted)

    @factory.post_generation
    def story(self, create, extracted, **kwargs):
        if create and extracted:
            set_story_named(self, extracted, key=kwargs.get("key"))


class PublisherFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Publisher
        django_get_or_create = ("name",)

    name = factory.Sequence(lambda n: f"Publisher {n}")
    slug = factory.Sequence(lambda n: f"publisher-{n}")
    domain = factory.Sequence(lambda n: f"publisher{n}.example")


class SourceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Source

    publisher = factory.SubFactory(PublisherFactory)
    url = factory.LazyAttributeSequence(lambda s, n: f"https://{s.publisher.domain}/story/{n}")
    title = factory.Sequence(lambda n: f"Article {n}")
    byline = "A. Reporter"
    published_on = datetime.date(2014, 2, 19)


class CitationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Citation

    entry = factory.SubFactory(EntryFactory)
    source = factory.SubFactory(SourceFactory)
    position = factory.Sequence(int)


class CommentFactory(factory.django.DjangoModelFactory):
    """A pending reader comment on a published entry. Pass status=... to decide it."""

    class Meta:
        model = "comments.Comment"

    entry = factory.SubFactory(EntryFactory)
    name = factory.Sequence(lambda n: f"Reader {n}")
    email = factory.LazyAttributeSequence(lambda c, n: f"reader{n}@example.com")
    body = factory.Sequence(lambda n: f"Comment number {n}.")
    ip_address = "203.0.113.7"


MEMBER_PASSWORD = "pw-desk-member-1"


def member(username: str, group: str | None, *, password: str = MEMBER_PASSWORD, **fields):
    """A staff user in the named desk group (the groups come from data migrations), or in none."""
    fields.setdefault("email", f"{username}@example.com")
    user = get_user_model().objects.create_user(
        username, password=password, is_staff=True, **fields
    )
    if group:
        user.groups.add(Group.objects.get(name=group))
    return user


def signed_in(user, **client_options) -> Client:
    """A test client with `user` signed in (client_options go to Client)."""
    client = Client(**client_options)
    client.force_login(user)
    return client


def names_of(entry: Entry) -> list[str]:
    """The names of the tags on `entry`, sorted."""
    return sorted(
        TaggedEntry.objects.filter(content_object=entry).values_list("tag__name", flat=True)
    )


def headlines(response) -> list[str]:
    """The headlines of the entries a list page rendered, in its order."""
    return [entry.headline for entry in response.context["entries"]]


def json_ld(html: str) -> dict:
    """The page's JSON-LD block, parsed (the test fails if there is none)."""
    block = re.search(r'<script type="application/ld\+json">(.*?)</script>', html, re.S)
    assert block
    return json.loads(block.group(1))


def import_events(*paths) -> tuple[str, str]:
    """Run `manage.py import_events` on `paths`; its (stdout, stderr)."""
    out, err = io.StringIO(), io.StringIO()
    call_command("import_events", *map(str, paths), stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def sourced_entry(**kwargs) -> Entry:
    """An entry citing one source (its own article at example.com)."""
    entry = EntryFactory(**kwargs)
    CitationFactory(entry=entry, source=SourceFactory(url=f"https://example.com/story/{entry.pk}"))
    return entry


def change_url(entry: Entry) -> str:
    """The entry's change page on the desk."""
    return reverse("admin:events_entry_change", args=[entry.pk])


def empty_everything() -> None:
    """Delete every comment, entry, source, publisher, tag and account, as before a restore."""
    Comment.objects.all().delete()
    Entry.objects.all().delete()
    Source.objects.all().delete()
    Publisher.objects.all().delete()
    Tag.objects.all().delete()
    get_user_model().objects.all().delete()


@contextlib.contextmanager
def redis_page_cache(settings, name: str):
    """`settings` with the page cache on, over the shared Redis (db 0) under a fresh key prefix
    `test-<name>-<random>` (for the default and the counters cache alike). On leaving, the page
    cache's own keys, which have no timeout, are deleted; its pages expire by themselves."""
    redis = {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": "redis://127.0.0.1:6379/0",
        "KEY_PREFIX": f"test-{name}-{uuid.uuid4().hex}",
    }
    settings.CACHES = {"default": redis, "counters": redis}
    settings.PAGE_CACHE = True
    try:
        yield settings
    finally:
        cache.delete_many([pagecache.VERSION_KEY, pagecache.NEXT_PUBLISH_KEY, "related:version"])


def defer_foreign_keys(cursor) -> None:
    """Let raw SQL in this transaction delete rows in any order, as a cascade written by hand
    would (the foreign keys are checked at commit)."""
    if cursor.db.vendor == "postgresql":
        cursor.execute("SET CONSTRAINTS ALL DEFERRED")
    else:
        cursor.execute("PRAGMA defer_foreign_keys = ON")
