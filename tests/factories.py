"""Factories for test data: each builds a valid row with the fewest arguments."""

import datetime

import factory
from django.contrib.auth import get_user_model
from django.utils import timezone

from events.models import Entry
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
