"""A bulk import's kept counts: the triggers stand aside and the counts are written once at the
end (events.counts.recounted_after), exactly what the triggers would have left."""

import datetime
import json

import pytest
from django.db import connection, transaction
from django.db.models import Count

from api.models import Change
from events.counts import EVENTS, recounted_after
from events.models import Entry, EntryCount, PublishedEntryCount, TagCount, TaggedEntry
from interchange.jsonlines import import_lines
from reading.models import PageInvalidation
from sources.counts import PUBLISHERS
from tests.factories import CitationFactory, EntryFactory, PublisherFactory, SourceFactory
from tests.test_count_triggers import trigger_drift
from tests.test_published_counts import kept, recounted

pytestmark = pytest.mark.django_db


def all_kept() -> tuple:
    """Every kept count: the published ones, then TagCount and EntryCount (drafts included)."""
    row = EntryCount.objects.filter(pk=1).first()
    tags = {r.tag_id: r.entries for r in TagCount.objects.filter(entries__gt=0)}
    return kept(), tags, row.entries if row else 0


def all_recounted() -> tuple:
    tags = dict(TaggedEntry.objects.values_list("tag").annotate(n=Count("pk")))
    return recounted(), tags, Entry.objects.count()


def line(n: int, *, status: str = "published") -> str:
    return json.dumps(
        {
            "event_date": f"2014-02-{n % 5 + 10}",
            "slug": f"imported-{n}",
            "headline": f"Imported {n}",
            "status": status,
            "publish_at": "2014-02-19T00:00:00+00:00" if status == "published" else None,
            "tags": [{"name": f"Tag {n % 3}", "slug": f"tag-{n % 3}"}],
            "sources": [
                {"url": f"https://paper.example/{n}", "publisher": {"name": "Paper"}},
                {"url": f"https://paper.example/other/{n}", "publisher": {"name": "Paper"}},
                {"url": f"https://wire.example/{n % 2}", "publisher": {"name": "Wire"}},
                {"url": f"https://blog.example/{n}"},
            ],
        }
    )


@pytest.fixture
def existing():
    """Entries already there: published, draft and scheduled, with tags and publishers."""
    paper = PublisherFactory(name="Paper", domain="paper.example")
    live = EntryFactory(event_date=datetime.date(2014, 2, 10), tags=["Tag 0", "Tag 9"])
    EntryFactory(draft=True, tags=["Tag 1"])
    EntryFactory(scheduled=True, tags=["Tag 2"])
    CitationFactory(entry=live, source=SourceFactory(publisher=paper))
    assert all_kept() == all_recounted()


def test_after_an_import_every_kept_count_is_exact(existing):
    lines = [line(n) for n in range(25)] + [line(n, status="draft") for n in range(25, 30)]

    report = import_lines(lines, batch_size=4)

    assert report.entries_created == 30, report.errors
    assert all_kept() == all_recounted()
    assert trigger_drift() == {"missing": [], "unexpected": []}  # SQLite's are back


def test_inside_the_block_the_triggers_stand_aside_and_after_it_they_count_again(existing):
    """On PostgreSQL the triggers stand aside inside the block; SQLite's keep counting (a second
    import at the same time must not meet dropped triggers' DDL)."""
    before = PublishedEntryCount.objects.get(pk=1).entries
    with transaction.atomic(), recounted_after(EVENTS, PUBLISHERS):
        EntryFactory.create_batch(3, tags=["Tag 0"])
        inside = PublishedEntryCount.objects.get(pk=1).entries
        assert inside == (before if connection.vendor == "postgresql" else before + 3)
    assert PublishedEntryCount.objects.get(pk=1).entries == before + 3
    assert all_kept() == all_recounted()

    EntryFactory(tags=["Tag 5"])  # the triggers count again
    assert PublishedEntryCount.objects.get(pk=1).entries == before + 4
    assert all_kept() == all_recounted()


def test_an_import_refused_leaves_the_counts_and_triggers_as_they_were(existing):
    counts = all_kept()

    report = import_lines([line(1), "{not json", line(2)], batch_size=1)

    assert report.errors and report.entries_created == 0
    assert all_kept() == counts == all_recounted()
    assert trigger_drift() == {"missing": [], "unexpected": []}


def test_each_batch_says_which_entries_it_wrote_and_a_refused_import_leaves_no_trace(existing):
    """Receivers hear of each batch as it is written (bounded memory whatever the file's size):
    every live entry gets its change-feed row and its tag names for search, and when a later
    line is refused what they wrote goes with the rest."""
    changes, purges = Change.objects.count(), PageInvalidation.objects.count()
    report = import_lines([line(n) for n in range(5)] + ["{not json"], batch_size=2)
    assert report.errors and report.entries_created == 0
    assert (Change.objects.count(), PageInvalidation.objects.count()) == (changes, purges)

    report = import_lines([line(n) for n in range(5)] + [line(5, status="draft")], batch_size=2)
    assert report.entries_created == 6, report.errors
    imported = Entry.objects.filter(slug__startswith="imported-")
    slugs = dict(imported.values_list("pk", "slug"))
    published = Change.objects.filter(kind=Change.Kind.ENTRY_PUBLISHED, entry_id__in=slugs)
    assert sorted(slugs[pk] for pk in published.values_list("entry_id", flat=True)) == [
        f"imported-{n}" for n in range(5)
    ]  # the draft has none
    assert {e.slug: e.search_tags for e in imported} == {
        f"imported-{n}": f"Tag {n % 3}" for n in range(6)
    }
