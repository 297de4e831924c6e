"""The facet counts kept by database triggers equal a plain recount after every kind of write."""

import datetime

import pytest
from django.db import connection
from django.db.models import Count
from django.utils import timezone
from taggit.models import Tag

from events.models import (
    Entry,
    PublishedDayCount,
    PublishedEntryCount,
    PublishedTagCount,
    TaggedEntry,
)
from sources.models import Citation, PublisherCitationCount, PublisherCount, Source
from tests.desk_support import move_to_draft, publish_now
from tests.factories import (
    CitationFactory,
    EntryFactory,
    PublisherFactory,
    SourceFactory,
    defer_foreign_keys,
)

pytestmark = pytest.mark.django_db


def kept() -> tuple:
    row = PublishedEntryCount.objects.filter(pk=1).first()
    return (
        row.entries if row else 0,
        {r.tag_id: r.entries for r in PublishedTagCount.objects.filter(entries__gt=0)},
        {r.publisher_id: r.entries for r in PublisherCount.objects.filter(entries__gt=0)},
        {r.event_date: r.entries for r in PublishedDayCount.objects.filter(entries__gt=0)},
        {r.publisher_id: r.citations for r in PublisherCitationCount.objects.exclude(citations=0)},
    )


def recounted() -> tuple:
    published = Entry.objects.filter(status=Entry.Status.PUBLISHED)
    tags = dict(
        TaggedEntry.objects.filter(content_object__in=published)
        .values_list("tag")
        .annotate(n=Count("content_object", distinct=True))
    )
    publishers = dict(
        Citation.objects.filter(entry__in=published, source__publisher__isnull=False)
        .values_list("source__publisher")
        .annotate(n=Count("entry", distinct=True))
    )
    days = dict(published.order_by().values_list("event_date").annotate(n=Count("pk")))
    citations = dict(
        Citation.objects.filter(entry__in=published, source__publisher__isnull=False)
        .values_list("source__publisher")
        .annotate(n=Count("pk"))
    )
    return published.count(), tags, publishers, days, citations


def assert_exact():
    assert kept() == recounted()


def test_counts_follow_every_write_including_bulk_and_raw_ones(editor):
    reuters, ap = PublisherFactory(), PublisherFactory()
    one, two = SourceFactory(publisher=reuters), SourceFactory(publisher=reuters)
    other = SourceFactory(publisher=ap)
    a = EntryFactory(tags=["Korea", "Talks"])
    b = EntryFactory(tags=["Korea"], draft=True)
    c = EntryFactory(tags=["Talks"], scheduled=True)
    assert_exact()
    # Two sources of one publisher on one entry count once; removing one keeps the pair.
    first = CitationFactory(entry=a, source=one)
    second = CitationFactory(entry=a, source=two)
    CitationFactory(entry=b, source=other)
    CitationFactory(entry=c, source=other)
    assert_exact()
    first.delete()
    assert_exact()
    second.delete()
    assert_exact()
    Citation.objects.bulk_create(
        [Citation(entry=a, source=one, position=1), Citation(entry=a, source=two, position=2)]
    )
    assert_exact()
    # Status changes, one by one and in bulk.
    publish_now(editor, b)
    assert_exact()
    move_to_draft(editor, a)
    assert_exact()
    Entry.objects.update(status=Entry.Status.PUBLISHED, publish_at=timezone.now())
    assert_exact()
    Entry.objects.filter(pk=a.pk).update(event_date=datetime.date(2015, 1, 1))
    assert_exact()
    # Tags added, removed, moved by raw updates.
    a.tags.add("Ceasefire")
    b.tags.remove("Korea")
    assert_exact()
    korea, peace = Tag.objects.get(name="Korea"), Tag.objects.create(name="Peace", slug="peace")
    TaggedEntry.objects.filter(tag=korea).update(tag=peace)
    assert_exact()
    # A citation moved to another entry or source, and a source moved to another publisher.
    moved = Citation.objects.filter(entry=a, source=one).get()
    moved.entry = b
    moved.save()
    assert_exact()
    Citation.objects.filter(pk=moved.pk).update(source=two)
    assert_exact()
    Source.objects.filter(pk=two.pk).update(publisher=ap)
    assert_exact()
    # Deletes: Django's cascade (links first), then raw SQL deleting the entry first.
    c.delete()
    assert_exact()
    with connection.cursor() as cursor:
        defer_foreign_keys(cursor)
        cursor.execute("DELETE FROM events_entry WHERE id = %s", [b.pk])
        cursor.execute("DELETE FROM events_taggedentry WHERE content_object_id = %s", [b.pk])
        cursor.execute("DELETE FROM sources_citation WHERE entry_id = %s", [b.pk])
        # The desk kept b's revisions and audit events when it was published (SET NULL).
        for table in ("desk_entryrevision", "desk_auditevent"):
            cursor.execute(f"UPDATE {table} SET entry_id = NULL WHERE entry_id = %s", [b.pk])
    assert_exact()
    Entry.objects.all().delete()
    assert kept() == (0, {}, {}, {}, {})


def test_scheduled_entries_are_counted_until_readers_subtract_them():
    EntryFactory(tags=["Korea"], scheduled=True)
    EntryFactory(tags=["Korea"], publish_at=timezone.now() - datetime.timedelta(days=1))
    total, tags, *_ = kept()
    assert total == 2 and list(tags.values()) == [2]
    assert Entry.objects.scheduled().count() == 1
    assert Entry.objects.published().count() == 1
