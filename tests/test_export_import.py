"""export_events / import_events: everything out as JSON Lines and back in, nothing lost."""

import datetime
import io
import json
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from taggit.models import Tag

from comments.models import Comment
from events.models import Entry
from interchange import jsonlines
from interchange.jsonlines import export_entries, import_lines
from interchange.models import ArchiveRecord
from sources.models import Citation, Publisher, Source
from tests.factories import CitationFactory, EntryFactory, SourceFactory, UserFactory

pytestmark = pytest.mark.django_db


def export_text() -> str:
    out = io.StringIO()
    export_entries(out, chunk_size=3)
    return out.getvalue()


def empty_database() -> None:
    Comment.objects.all().delete()
    Entry.objects.all().delete()
    Source.objects.all().delete()
    Publisher.objects.all().delete()
    Tag.objects.all().delete()


@pytest.fixture
def newsroom_content():
    """Entries with every kind of data the export carries, and some it must leave out."""
    author = UserFactory(username="desk")
    moderator = UserFactory(username="moderator")
    first = EntryFactory(
        headline="Facebook buys WhatsApp — for US$19 billion",
        body="**Markdown** body with “quotes” and\nnew lines.",
        author=author,
        tags=["Facebook, Inc.", "WhatsApp", "Ó Fearghaíl"],
    )
    EntryFactory(draft=True, comments_open=False, tags=["WhatsApp"])
    EntryFactory(scheduled=True, event_date=datetime.date(2014, 2, 20))
    for n in range(4):
        EntryFactory(event_date=datetime.date(2013, 1, n + 1), tags=[f"Tag {n}"])
    shared = SourceFactory(excerpt="A quoted line.", published_on=None)
    CitationFactory(entry=first, source=SourceFactory(publisher=shared.publisher), position=0)
    CitationFactory(entry=first, source=shared, position=1)
    CitationFactory(entry=Entry.objects.exclude(pk=first.pk).first(), source=shared, position=0)
    CitationFactory(
        entry=first,
        source=SourceFactory(publisher=None, url="https://anonymous.example/a"),
        position=2,
    )
    ArchiveRecord.objects.create(entry=first, level=ArchiveRecord.Level.PAGE, body_level=3)
    moderated = timezone.now() - datetime.timedelta(minutes=3)
    Comment.objects.create(
        entry=first,
        name="Ann",
        email="ann@example.com",
        body="First!",
        status=Comment.Status.APPROVED,
        ip_address="2001:db8::1",
        user=author,
        moderated_by=moderator,
        moderated_at=moderated,
    )
    Comment.objects.create(
        entry=first,
        name="Bob",
        email="bob@example.com",
        body="Second.",
        status=Comment.Status.APPROVED,
        created=timezone.now() + datetime.timedelta(seconds=1),
    )
    Comment.objects.create(
        entry=first, name="Spam", email="s@example.com", body="buy", status="spam"
    )
    Comment.objects.create(entry=first, name="Wait", email="w@example.com", body="hm")
    return first


def test_round_trip_export_import_export_gives_identical_files(newsroom_content, tmp_path):
    first = export_text()
    path = tmp_path / "export.jsonl"
    path.write_text(first, encoding="utf-8")
    empty_database()
    assert Entry.objects.count() == 0
    call_command("import_events", str(path), stdout=io.StringIO())
    second = export_text()
    # The one source exported with no publisher gets its domain's, as every other way of
    # citing gives it (sources.services); everything else comes back as it was.
    records = [json.loads(line) for line in second.splitlines()]
    sources = [s for r in records for s in r["sources"] if s["url"].startswith("https://anon")]
    assert {s["publisher"]["name"] for s in sources} == {"anonymous.example"}
    for source in sources:
        source["publisher"] = None
    assert [json.loads(line) for line in first.splitlines()] == records
    assert len(first.splitlines()) == 7
    # A file whose sources all have publishers comes back byte for byte.
    path.write_text(second, encoding="utf-8")
    empty_database()
    call_command("import_events", str(path), stdout=io.StringIO())
    assert export_text() == second


def test_export_carries_tags_sources_publishers_and_approved_comments_only(newsroom_content):
    records = [json.loads(line) for line in export_text().splitlines()]
    record = next(r for r in records if r["slug"] == newsroom_content.slug)
    assert [t["name"] for t in record["tags"]] == ["Facebook, Inc.", "WhatsApp", "Ó Fearghaíl"]
    assert [s["url"] for s in record["sources"]] == [
        c.source.url for c in newsroom_content.citations.select_related("source")
    ]
    assert (
        record["sources"][0]["publisher"]["name"]
        == newsroom_content.citations.first().source.publisher.name
    )
    assert record["sources"][2]["publisher"] is None
    assert [c["name"] for c in record["comments"]] == ["Ann", "Bob"]
    assert record["comments"][0]["moderated_by"] == "moderator"
    assert record["author"] == "desk"
    assert record["archive"] == {"level": 3, "body_level": 3}
    assert [r["event_date"] for r in records] == sorted(r["event_date"] for r in records)


def test_import_keeps_what_the_database_cannot_recompute(newsroom_content, tmp_path):
    created = newsroom_content.created
    shared_url = newsroom_content.citations.get(position=1).source.url
    path = tmp_path / "export.jsonl"
    path.write_text(export_text(), encoding="utf-8")
    empty_database()
    call_command("import_events", str(path), stdout=io.StringIO())
    entry = Entry.objects.get(slug=newsroom_content.slug)
    assert entry.created == created
    assert entry.author.username == "desk"
    assert Source.objects.get(url=shared_url).citations.count() == 2
    assert Citation.objects.filter(source__excerpt="A quoted line.").count() == 2
    assert Comment.objects.approved().count() == 2
    assert sorted(entry.tags.names()) == ["Facebook, Inc.", "WhatsApp", "Ó Fearghaíl"]


def test_export_queries_per_chunk_not_per_entry():
    def queries_for_export():
        with CaptureQueriesContext(connection) as queries:
            export_entries(io.StringIO(), chunk_size=10)
        return len(queries)

    source = SourceFactory()
    for n in range(10):
        CitationFactory(entry=EntryFactory(tags=[f"Tag {n}"]), source=source)
    ten = queries_for_export()
    for n in range(10):
        CitationFactory(entry=EntryFactory(tags=[f"More {n}"]), source=source)
    twenty = queries_for_export()
    # The chunk, then tags, citations with sources, publishers' other domains, comments and
    # corrections.
    assert ten <= 6
    assert twenty - ten <= 6  # one more chunk, same queries again


def test_import_writes_a_batch_with_a_fixed_number_of_queries(tmp_path):
    def lines(count, offset):
        return [
            json.dumps(
                {
                    "event_date": "2014-02-19",
                    "slug": f"entry-{offset + n}",
                    "headline": f"Entry {offset + n}",
                    "status": "published",
                    "publish_at": "2014-02-19T00:00:00+00:00",
                    "tags": [{"name": f"Tag {offset + n}", "slug": f"tag-{offset + n}"}],
                    "sources": [
                        {
                            "url": f"https://paper.example/{offset + n}",
                            "publisher": {"name": f"Paper {offset}", "slug": f"paper-{offset}"},
                        }
                    ],
                }
            )
            for n in range(count)
        ]

    def queries_for(count, offset):
        with CaptureQueriesContext(connection) as queries:
            report = import_lines(lines(count, offset), batch_size=1000)
        assert report.entries_created == count, report.errors
        return len(queries)

    # The first write of a transaction records the page invalidation (one INSERT); this test's
    # transaction holds every import, so a first import takes that query out of the comparison.
    queries_for(1, 1000)
    assert queries_for(5, 0) == queries_for(50, 100)


def test_entries_already_present_are_skipped_not_duplicated(newsroom_content, tmp_path):
    path = tmp_path / "export.jsonl"
    path.write_text(export_text(), encoding="utf-8")
    out = io.StringIO()
    call_command("import_events", str(path), stdout=out)
    assert "entries created: 0, already present (skipped): 7" in out.getvalue()
    assert Entry.objects.count() == 7


# --- bad input -------------------------------------------------------------------------------

GOOD_LINE = json.dumps(
    {
        "event_date": "2014-02-19",
        "slug": "good",
        "headline": "Good",
        "status": "draft",
        "publish_at": None,
    }
)


@pytest.mark.parametrize(
    ("bad", "reason"),
    [
        ("{not json", "not JSON"),
        ('["a list"]', "not a JSON object"),
        (GOOD_LINE.replace("2014-02-19", "2014-02-30").replace("good", "bad"), "event_date"),
        (GOOD_LINE.replace('"good"', '"not a slug"'), "slug is not a slug"),
        (GOOD_LINE.replace('"Good"', '""').replace('"good"', '"bad"'), "headline is empty"),
        (
            GOOD_LINE.replace('"draft"', '"published"').replace('"good"', '"bad"'),
            "a published entry needs publish_at",
        ),
        (
            GOOD_LINE.replace('"good"', '"bad"')[:-1]
            + ', "sources": [{"url": "javascript:alert(1)"}]}',
            "not an http(s) URL",
        ),
    ],
    ids=["json", "object", "date", "slug", "headline", "publish_at", "url"],
)
def test_bad_line_is_reported_with_its_number_and_nothing_from_the_file_is_written(
    tmp_path, bad, reason
):
    path = tmp_path / "bad.jsonl"
    path.write_text(f"{GOOD_LINE}\n{bad}\n", encoding="utf-8")
    other = tmp_path / "other.jsonl"
    other.write_text(GOOD_LINE.replace("good", "other") + "\n", encoding="utf-8")
    err = io.StringIO()
    with pytest.raises(CommandError, match="1 file"):
        call_command("import_events", str(path), str(other), stdout=io.StringIO(), stderr=err)
    assert f"error: {path}:2: " in err.getvalue()
    assert reason in err.getvalue()
    assert list(Entry.objects.values_list("slug", flat=True)) == ["other"]


def test_non_utf8_line_is_reported_with_its_number(tmp_path):
    path = tmp_path / "latin1.jsonl"
    path.write_bytes(
        GOOD_LINE.encode() + b"\n" + GOOD_LINE.replace("Good", "Caf\xe9").encode("latin-1") + b"\n"
    )
    err = io.StringIO()
    with pytest.raises(CommandError):
        call_command("import_events", str(path), stdout=io.StringIO(), stderr=err)
    assert f"error: {path}:2: not UTF-8" in err.getvalue()
    assert Entry.objects.count() == 0


def test_a_50_mb_export_file_is_streamed_not_refused(tmp_path):
    path = tmp_path / "big.jsonl"
    padding = "x" * 990_000
    with path.open("w", encoding="utf-8") as out:
        for n in range(54):
            out.write(json.dumps({**json.loads(GOOD_LINE), "slug": f"big-{n}", "body": padding}))
            out.write("\n")
    assert path.stat().st_size > 50 * 1024 * 1024
    call_command("import_events", str(path), stdout=io.StringIO())
    assert Entry.objects.count() == 54


def test_missing_file_fails_with_a_message(tmp_path):
    err = io.StringIO()
    with pytest.raises(CommandError):
        call_command(
            "import_events", str(tmp_path / "nowhere.jsonl"), stderr=err, stdout=io.StringIO()
        )
    assert "No such file" in err.getvalue()


def test_export_command_writes_a_file(newsroom_content, tmp_path):
    path = Path(tmp_path / "out.jsonl")
    call_command("export_events", "-o", str(path), stderr=io.StringIO())
    assert path.read_text(encoding="utf-8") == export_text()


# --- format version 2: corrections ------------------------------------------------------------


@pytest.fixture
def corrected_content(newsroom_content):
    """The content above, with two notes on its first entry (one changed the text)."""
    from events.models import Correction

    Correction.objects.create(
        entry=newsroom_content,
        kind="correction",
        note="The price was US$19 billion, not US$16 billion.",
        created=datetime.datetime(2014, 2, 20, 8, tzinfo=datetime.UTC),
        headline_before="Facebook buys WhatsApp — for US$16 billion",
        body_before="Old body.",
        headline_after=newsroom_content.headline,
        body_after=newsroom_content.body,
    )
    Correction.objects.create(
        entry=newsroom_content,
        kind="update",
        note="The deal closed in October.",
        created=datetime.datetime(2014, 10, 6, 12, 30, 15, 123456, tzinfo=datetime.UTC),
        headline_before=newsroom_content.headline,
        body_before=newsroom_content.body,
        headline_after=newsroom_content.headline,
        body_after=newsroom_content.body,
    )
    return newsroom_content


def test_version_2_carries_corrections_oldest_first(corrected_content):
    lines = [json.loads(line) for line in export_text().splitlines()]
    assert {line["format_version"] for line in lines} == {3}  # version 3 adds the story
    first = next(line for line in lines if line["corrections"])
    assert [(c["kind"], c["created"]) for c in first["corrections"]] == [
        ("correction", "2014-02-20T08:00:00+00:00"),
        ("update", "2014-10-06T12:30:15.123456+00:00"),
    ]
    assert first["corrections"][0]["note"] == "The price was US$19 billion, not US$16 billion."
    assert first["corrections"][0]["before"] == {
        "headline": "Facebook buys WhatsApp — for US$16 billion",
        "body": "Old body.",
    }


def test_version_2_round_trip_with_corrections_gives_identical_files(corrected_content, tmp_path):
    from events.models import Correction

    first = export_text()
    path = tmp_path / "export.jsonl"
    path.write_text(first, encoding="utf-8")
    empty_database()
    assert not Correction.objects.exists()
    call_command("import_events", str(path), stdout=io.StringIO())
    assert Correction.objects.count() == 2
    second = export_text()
    # (Only a source exported with no publisher changes: it gets its domain's; see above.)
    assert [json.loads(line)["corrections"] for line in second.splitlines()] == [
        json.loads(line)["corrections"] for line in first.splitlines()
    ]
    path.write_text(second, encoding="utf-8")
    empty_database()
    call_command("import_events", str(path), stdout=io.StringIO())
    assert export_text() == second


def test_a_version_1_line_still_imports_and_exports_as_version_3():
    line: dict[str, object] = {
        "event_date": "2014-02-19",
        "slug": "old-format",
        "headline": "Written by the first exporter",
        "body": "",
        "status": "published",
        "publish_at": "2014-02-19T00:00:00+00:00",
        "tags": [],
        "sources": [],
        "comments": [],
        "archive": None,
    }
    report = import_lines([json.dumps(line)])
    assert report.entries_created == 1, report.errors
    exported = json.loads(export_text())
    assert exported["format_version"] == 3 and exported["corrections"] == []
    assert exported["story"] is None


def test_a_correction_without_texts_keeps_the_entry_text_on_both_sides():
    from events.models import Correction

    line = {
        "format_version": 2,
        "event_date": "2014-02-19",
        "slug": "noted",
        "headline": "Noted entry",
        "body": "Body.",
        "status": "published",
        "publish_at": "2014-02-19T00:00:00+00:00",
        "corrections": [
            {"kind": "clarification", "note": "Clearer now.", "created": "2014-02-20T00:00:00Z"}
        ],
    }
    assert import_lines([json.dumps(line)]).entries_created == 1
    correction = Correction.objects.get()
    assert (correction.headline_before, correction.body_after) == ("Noted entry", "Body.")
    assert not correction.changed_text


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ({"format_version": 4}, "format_version 4 is not one this site reads (1, 2, 3)"),
        ({"corrections": [{"kind": "retraction", "note": "x", "created": "2014-02-20T00:00:00Z"}]},
         "unknown correction kind 'retraction'"),
        ({"corrections": [{"kind": "update", "note": " ", "created": "2014-02-20T00:00:00Z"}]},
         "note is empty"),
        ({"corrections": [{"kind": "update", "note": "x", "created": "2014-02-20"}]},
         "correction created has no time zone: '2014-02-20'"),
        ({"corrections": "none"}, "corrections must be a list"),
    ],
)  # fmt: skip
def test_a_bad_correction_or_version_is_refused_with_its_line(change, reason):
    line = {
        "format_version": 2,
        "event_date": "2014-02-19",
        "slug": "bad",
        "headline": "Bad",
        "status": "draft",
        **change,
    }
    report = import_lines(["", json.dumps(line)])
    assert [str(e) for e in report.errors] == [f"line 2: {reason}"]
    assert not Entry.objects.exists()


# --- planner statistics during a long import (PostgreSQL) --------------------------------------


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL planner statistics")
def test_a_long_import_keeps_the_planners_row_counts_current(monkeypatch):
    # The file is one transaction, so autovacuum never sees its rows; without ANALYZE the
    # count triggers keep plans made for empty tables and every batch gets slower.
    monkeypatch.setattr(jsonlines, "ANALYZE_FROM", 20)

    def line(n):
        return json.dumps(
            {
                "event_date": "2014-02-19",
                "slug": f"bulk-{n}",
                "headline": f"Bulk {n}",
                "status": "published",
                "publish_at": "2014-02-19T00:00:00+00:00",
                "tags": [{"name": f"Tag {n % 7}", "slug": f"tag-{n % 7}"}],
                "sources": [{"url": f"https://paper.example/{n}"}],
            }
        )

    report = import_lines([line(n) for n in range(100)], batch_size=10)

    assert report.entries_created == 100
    with connection.cursor() as cursor:
        cursor.execute("SELECT reltuples FROM pg_class WHERE relname = 'events_entry'")
        [(rows,)] = cursor.fetchall()
    assert 40 <= rows <= 100  # analyzed at 20 and 40 entries, then 80 (the next was 160)
