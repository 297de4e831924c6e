"""The publishers' entries kept by database triggers (`sources.PublisherEntry`) hold exactly the
(publisher, entry, event date) rows that `cites_publisher` finds, after every kind of write, and
the publisher page reads its list from them; its "Cited n times" comes from the kept citation
counts (`sources.PublisherCitationCount`), checked after the same writes."""

import datetime

import pytest
import time_machine
from django.db import connection, transaction
from django.db.models import Count

from events.counts import EVENTS, recounted_after
from events.models import Entry
from reading import selectors
from sources.counts import PUBLISHERS
from sources.models import Citation, Publisher, PublisherCitationCount, PublisherEntry, Source
from sources.selectors import cites_publisher
from sources.services import merge_publishers
from tests.desk_support import move_to_draft, publish_now
from tests.factories import (
    CitationFactory,
    EntryFactory,
    PublisherFactory,
    SourceFactory,
    defer_foreign_keys,
    headlines,
    import_events,
)
from tests.test_import_counts import line

pytestmark = pytest.mark.django_db


def kept() -> set[tuple[int, int, datetime.date]]:
    """The kept rows: (publisher id, entry id, event date)."""
    return set(PublisherEntry.objects.values_list("publisher_id", "entry_id", "event_date"))


def computed() -> set[tuple[int, int, datetime.date]]:
    """The same rows from scratch: every entry, whatever its status, that the one "entry cites
    publisher" filter finds for each publisher."""
    return {
        (publisher.pk, entry_id, event_date)
        for publisher in Publisher.objects.all()
        for entry_id, event_date in Entry.objects.filter(cites_publisher(publisher)).values_list(
            "pk", "event_date"
        )
    }


def kept_citations() -> dict[int, int]:
    """The kept citation counts (`PublisherCitationCount`), zeros left out."""
    return dict(
        PublisherCitationCount.objects.exclude(citations=0).values_list("publisher", "citations")
    )


def counted_citations() -> dict[int, int]:
    """The same from scratch: citations by entries with status published, per publisher."""
    published = Entry.objects.filter(status=Entry.Status.PUBLISHED)
    return dict(
        Citation.objects.filter(entry__in=published, source__publisher__isnull=False)
        .values_list("source__publisher")
        .annotate(n=Count("pk"))
    )


def assert_exact() -> set:
    """The kept list equals `computed()` and the kept citation counts a recount; the rows."""
    rows = kept()
    assert rows == computed()
    assert kept_citations() == counted_citations()
    return rows


@pytest.fixture
def reuters():
    return PublisherFactory(name="Reuters", slug="reuters")


@pytest.fixture
def ap():
    return PublisherFactory(name="AP", slug="ap")


def test_an_entry_citing_two_sources_of_a_publisher_is_one_row_until_both_are_gone(reuters):
    entry = EntryFactory()
    first = CitationFactory(entry=entry, source=SourceFactory(publisher=reuters))
    second = CitationFactory(entry=entry, source=SourceFactory(publisher=reuters))
    assert assert_exact() == {(reuters.pk, entry.pk, entry.event_date)}
    first.delete()
    assert assert_exact() == {(reuters.pk, entry.pk, entry.event_date)}
    second.delete()
    assert assert_exact() == set()


def test_citations_of_sources_without_a_publisher_make_no_row():
    CitationFactory(source=SourceFactory(publisher=None, url="https://blog.example/1"))
    assert assert_exact() == set()


def test_drafts_and_scheduled_entries_have_rows_and_keep_them_through_status_changes(
    editor, reuters
):
    draft, scheduled = EntryFactory(draft=True), EntryFactory(scheduled=True)
    for entry in (draft, scheduled):
        CitationFactory(entry=entry, source=SourceFactory(publisher=reuters))
    assert len(assert_exact()) == 2
    publish_now(editor, draft)
    assert len(assert_exact()) == 2 and kept_citations() == {reuters.pk: 2}
    move_to_draft(editor, scheduled)
    assert len(assert_exact()) == 2 and kept_citations() == {reuters.pk: 1}


def test_bulk_and_raw_citation_writes(reuters, ap):
    a, b = EntryFactory(), EntryFactory(event_date=datetime.date(2015, 3, 1))
    one, two = SourceFactory(publisher=reuters), SourceFactory(publisher=reuters)
    other = SourceFactory(publisher=ap)
    Citation.objects.bulk_create(
        [
            Citation(entry=a, source=one, position=0),
            Citation(entry=a, source=two, position=1),
            Citation(entry=b, source=one, position=0),
            Citation(entry=b, source=other, position=1),
        ]
    )
    assert len(assert_exact()) == 3
    Citation.objects.filter(entry=a, source=one).delete()
    assert len(assert_exact()) == 3
    Citation.objects.filter(source__publisher=reuters).delete()
    assert assert_exact() == {(ap.pk, b.pk, b.event_date)}
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO sources_citation (entry_id, source_id, position) VALUES (%s, %s, 5)",
            [a.pk, other.pk],
        )
    assert len(assert_exact()) == 2


def test_a_citation_moved_to_another_entry_or_source(reuters, ap):
    a, b = EntryFactory(), EntryFactory(event_date=datetime.date(2015, 3, 1))
    one, two = SourceFactory(publisher=reuters), SourceFactory(publisher=reuters)
    moved = CitationFactory(entry=a, source=one)
    CitationFactory(entry=a, source=two)
    moved.entry = b
    moved.save()
    assert assert_exact() == {(reuters.pk, a.pk, a.event_date), (reuters.pk, b.pk, b.event_date)}
    Citation.objects.filter(pk=moved.pk).update(source=SourceFactory(publisher=ap))
    assert assert_exact() == {(reuters.pk, a.pk, a.event_date), (ap.pk, b.pk, b.event_date)}
    # An entry's citations moved to another entry by one UPDATE.
    Citation.objects.filter(entry=a).update(entry=b)
    assert assert_exact() == {(reuters.pk, b.pk, b.event_date), (ap.pk, b.pk, b.event_date)}


def test_a_source_moved_to_another_publisher_and_a_merge(reuters, ap):
    a, b = EntryFactory(), EntryFactory()
    shared = SourceFactory(publisher=reuters)
    CitationFactory(entry=a, source=shared)
    CitationFactory(entry=b, source=shared)
    CitationFactory(entry=b, source=SourceFactory(publisher=reuters))
    Source.objects.filter(pk=shared.pk).update(publisher=ap)
    assert {(p, e) for p, e, _ in assert_exact()} == {
        (ap.pk, a.pk),
        (ap.pk, b.pk),
        (reuters.pk, b.pk),  # still backed by its other Reuters source
    }
    Source.objects.filter(pk=shared.pk).update(publisher=None)
    assert {(p, e) for p, e, _ in assert_exact()} == {(reuters.pk, b.pk)}
    Source.objects.filter(pk=shared.pk).update(publisher=ap)
    merge_publishers([ap], into=reuters)  # the desk's merge moves every source of AP
    assert {(p, e) for p, e, _ in assert_exact()} == {(reuters.pk, a.pk), (reuters.pk, b.pk)}


def test_an_entry_s_new_event_date_follows(reuters):
    entry = EntryFactory()
    CitationFactory(entry=entry, source=SourceFactory(publisher=reuters))
    entry.event_date = datetime.date(2016, 5, 4)
    entry.save()
    assert assert_exact() == {(reuters.pk, entry.pk, datetime.date(2016, 5, 4))}
    Entry.objects.update(event_date=datetime.date(2017, 1, 1))
    assert assert_exact() == {(reuters.pk, entry.pk, datetime.date(2017, 1, 1))}


def test_deleted_entries_lose_their_rows_whichever_table_goes_first(reuters):
    a, b, c = EntryFactory.create_batch(3)
    for entry in (a, b, c):
        CitationFactory(entry=entry, source=SourceFactory(publisher=reuters))
    a.delete()  # Django's cascade: citations first
    assert len(assert_exact()) == 2
    with connection.cursor() as cursor:
        defer_foreign_keys(cursor)
        # The entry first, its citation after; then a citation written before its entry.
        cursor.execute("DELETE FROM events_entry WHERE id = %s", [b.pk])
        cursor.execute("DELETE FROM sources_citation WHERE entry_id = %s", [b.pk])
        for table in ("desk_entryrevision", "desk_auditevent"):
            cursor.execute(f"UPDATE {table} SET entry_id = NULL WHERE entry_id = %s", [b.pk])
        assert len(assert_exact()) == 1
        cursor.execute(
            "INSERT INTO sources_citation (entry_id, source_id, position) VALUES (%s, %s, 0)",
            [b.pk, SourceFactory(publisher=reuters).pk],
        )
        cursor.execute(
            "INSERT INTO events_entry (id, event_date, headline, slug, body, status, publish_at,"
            " search_tags, comments_open, version, review_note, created, updated, lede)"
            " SELECT %s, event_date, 'Back', 'back', body, status, publish_at, search_tags,"
            " comments_open, version, review_note, created, updated, lede"
            " FROM events_entry WHERE id = %s",
            [b.pk, c.pk],
        )
    assert len(assert_exact()) == 2
    Entry.objects.all().delete()
    assert assert_exact() == set()


def test_a_truncate_or_a_delete_of_every_citation_or_entry_empties_the_list(reuters):
    with connection.cursor() as cursor:
        for table in ("sources_citation", "events_entry"):
            CitationFactory.create_batch(3, source=SourceFactory(publisher=reuters))
            assert len(assert_exact()) == 3
            if connection.vendor == "postgresql":
                cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # no pending checks
                cursor.execute(f"TRUNCATE {table} CASCADE")
            else:  # SQLite has no TRUNCATE; a DELETE without WHERE runs the row triggers
                cursor.execute("PRAGMA defer_foreign_keys = ON")
                cursor.execute(f"DELETE FROM {table}")
                cursor.execute("DELETE FROM sources_citation")
            assert assert_exact() == set()


def test_an_import_leaves_the_list_exact(tmp_path, reuters):
    CitationFactory(source=SourceFactory(publisher=reuters))
    path = tmp_path / "events.jsonl"
    path.write_text(
        "\n".join([line(n) for n in range(12)] + [line(n, status="draft") for n in (12, 13)])
    )
    _, err = import_events(path)
    assert not err, err
    rows = assert_exact()
    # Each imported entry: one Paper row (two sources), one Wire, one for blog.example (a
    # publisher found from its domain).
    assert len(rows) == 1 + 14 * 3


def test_inside_an_import_s_block_the_triggers_stand_aside_on_postgresql(reuters):
    with transaction.atomic(), recounted_after(EVENTS, PUBLISHERS):
        CitationFactory(source=SourceFactory(publisher=reuters))
        inside = PublisherEntry.objects.count()
        assert inside == (0 if connection.vendor == "postgresql" else 1)
    assert len(assert_exact()) == 1
    CitationFactory(source=SourceFactory(publisher=reuters))  # the triggers keep it again
    assert len(assert_exact()) == 2


# The page.


def test_the_publisher_page_lists_what_the_publisher_filter_finds_in_the_same_order(
    client, reuters, ap
):
    dates = [datetime.date(2014, 2, d) for d in (3, 1, 3, 2, 5, 1)]
    entries = [EntryFactory(headline=f"Entry {n}", event_date=d) for n, d in enumerate(dates)]
    for entry in entries:
        CitationFactory(entry=entry, source=SourceFactory(publisher=reuters))
    CitationFactory(entry=entries[2], source=SourceFactory(publisher=reuters))  # twice
    CitationFactory(entry=entries[3], source=SourceFactory(publisher=ap))
    CitationFactory(entry=EntryFactory(headline="AP only"), source=SourceFactory(publisher=ap))
    for kind in ("draft", "scheduled"):
        CitationFactory(
            entry=EntryFactory(headline=kind, event_date=datetime.date(2014, 2, 9), **{kind: True}),
            source=SourceFactory(publisher=reuters),
        )

    response = client.get("/sources/reuters/")
    page = headlines(response)
    assert page == headlines(client.get("/events/?publisher=reuters"))
    assert page == ["Entry 4", "Entry 2", "Entry 0", "Entry 3", "Entry 5", "Entry 1"]
    assert "Cited 7 times by 6 entries" in response.content.decode()

    publish_at = Entry.objects.get(headline="scheduled").publish_at
    assert publish_at is not None
    with time_machine.travel(publish_at + datetime.timedelta(seconds=1)):
        response = client.get("/sources/reuters/")
        page = headlines(response)
        assert page == headlines(client.get("/events/?publisher=reuters"))
        assert page[0] == "scheduled" and "draft" not in page
        assert "Cited 8 times by 7 entries" in response.content.decode()


def test_the_second_page_continues_where_the_first_ends(client, reuters):
    for n in range(55):
        CitationFactory(
            entry=EntryFactory(
                headline=f"Entry {n}", event_date=datetime.date(2014, 1, n % 28 + 1)
            ),
            source=SourceFactory(publisher=reuters),
        )
    first = client.get("/sources/reuters/")
    second = client.get("/sources/reuters/?page=2")
    assert first.context["paginator"].count == 55
    citing = selectors.public_entries().filter(cites_publisher(reuters))
    expected = list(citing.values_list("headline", flat=True))
    assert headlines(first) + headlines(second) == expected
    assert len(headlines(second)) == 5
