"""Imports report, never trace back; two at once both finish; authors and odd characters survive.

Every bad file gives `file:line: reason`, writes nothing and makes the command exit non-zero.
The concurrent imports run in two threads against the real test database (SQLite or PostgreSQL).
"""

import datetime
import io
import json
import shutil
import threading
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command
from django.db import connection
from taggit.models import Tag

from events.models import Entry
from interchange.archive_import import import_files
from interchange.jsonlines import import_file
from sources.models import Publisher, Source
from sources.services import get_or_create_source
from tests.factories import (
    EntryFactory,
    PublisherFactory,
    UserFactory,
    empty_everything,
    import_events,
)
from tests.test_export_import import GOOD_LINE, export_text, newsroom_content  # noqa: F401
from tests.test_import_archive import FIXTURE_ROOT, snapshot

GOOD = json.loads(GOOD_LINE)


def record(slug: str, **fields) -> dict:
    return {**GOOD, "slug": slug, "headline": f"Entry {slug}", **fields}


def comment(**fields) -> dict:
    return {
        "name": "Ann",
        "email": "ann@example.com",
        "body": "A remark.",
        "created": "2014-02-19T10:00:00+00:00",
        "ip_address": None,
        "user": None,
        "moderated_by": None,
        "moderated_at": None,
        **fields,
    }


def write_jsonl(path: Path, records: list[dict]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    return path


# --- import_events: each bad value is a line's error ----------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("bad", "reason"),
    [
        (record("b", comments=[comment(ip_address="999.1.1.1")]), "ip_address is not an IP"),
        (record("b", comments=[comment(ip_address="zz::1")]), "ip_address is not an IP"),
        (record("b", body="before\x00after"), "NUL character (U+0000) in body"),
        (record("b", comments=[comment(body="a\x00")]), "NUL character (U+0000) in comments.0"),
        (
            record("b", comments=[comment(email="a" * 288 + "@example.org")]),
            "comment email longer than 254 characters",
        ),
        (record("b", author="x" * 151), "author must be null or a username of 1 to 150"),
        (
            record(
                "b",
                sources=[
                    {
                        "url": "https://news.example/a",
                        "title": "t" * 501,
                        "publisher": None,
                    }
                ],
            ),
            "title is longer than 500 characters",
        ),
    ],
    ids=["ipv4", "ipv6", "nul-body", "nul-comment", "email-300", "author-151", "title-501"],
)
def test_import_events_reports_file_line_reason_and_writes_nothing(tmp_path, bad, reason):
    path = write_jsonl(tmp_path / "bad.jsonl", [record("a"), bad])
    err = io.StringIO()
    with pytest.raises(CommandError, match="1 file"):
        call_command("import_events", str(path), stdout=io.StringIO(), stderr=err)
    assert f"error: {path}:2: " in err.getvalue()
    assert reason in err.getvalue()
    assert "Traceback" not in err.getvalue()
    assert not Entry.objects.exists()


@pytest.mark.django_db
def test_a_clash_only_the_database_sees_is_still_reported_with_its_line(tmp_path):
    # A unique index the import knows nothing of (added here, gone with the test's
    # transaction): the database refuses the third line, and the backstop finds which it was.
    with connection.cursor() as cursor:
        cursor.execute("CREATE UNIQUE INDEX test_headline_once ON events_entry (headline)")
    clash = record("b", headline="Entry a", tags=[{"name": "C++", "slug": "c"}])
    path = write_jsonl(tmp_path / "clash.jsonl", [record("a"), record("a2"), clash])
    err = io.StringIO()
    with pytest.raises(CommandError):
        call_command("import_events", str(path), stdout=io.StringIO(), stderr=err)
    assert f"error: {path}:3: the database refused this line" in err.getvalue()
    assert not Entry.objects.exists()
    assert not Tag.objects.exists()


@pytest.mark.django_db
def test_two_new_tags_with_one_exported_slug_get_the_slug_rules_next_free_one(tmp_path):
    line = record("b", tags=[{"name": "C++", "slug": "c"}, {"name": "C#", "slug": "c"}])
    import_events(write_jsonl(tmp_path / "slugs.jsonl", [line]))
    assert dict(Tag.objects.values_list("name", "slug")) == {"C++": "c", "C#": "c-1"}


@pytest.mark.django_db
def test_a_publisher_slug_taken_by_another_publisher_gets_the_next_free_one(tmp_path):
    PublisherFactory(name="Reuters Agency", slug="reuters")
    source = {
        "url": "https://reuters.example/a",
        "publisher": {"name": "Reuters", "slug": "reuters", "domain": "", "homepage": ""},
    }
    path = write_jsonl(tmp_path / "pub.jsonl", [record("a", sources=[source])])
    import_events(path)
    assert Publisher.objects.get(name="Reuters").slug == "reuters-2"


# --- import_archive: the same for pages --------------------------------------------------------


def archive_page(tmp_path: Path, text: str) -> Path:
    day = tmp_path / "news" / "2014" / "03" / "5"
    day.mkdir(parents=True)
    page = day / "pier-closes.md"
    page.write_text(text, encoding="utf-8")
    return page


ENTRY_PAGE = (Path(__file__).parent / "fixtures" / "archive-entry-page.md").read_text()


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("text", "where", "reason"),
    [
        (
            ENTRY_PAGE.replace("closes the north pier", "closes the\x00 north pier"),
            3,
            "NUL character (U+0000) in the page",
        ),
        (
            ENTRY_PAGE.replace("[Ellery Gazette]", "[" + "Gazette " * 30 + "]"),
            10,
            "publisher name longer than 200 characters",
        ),
    ],
    ids=["nul", "publisher-name"],
)
def test_import_archive_reports_file_line_reason_and_writes_nothing(tmp_path, text, where, reason):
    page = archive_page(tmp_path, text)
    err = io.StringIO()
    with pytest.raises(CommandError, match="1 file"):
        call_command("import_archive", str(page), stdout=io.StringIO(), stderr=err)
    assert f"error: {page}:{where}: {reason}" in err.getvalue()
    assert not Entry.objects.exists()
    assert not Source.objects.exists()


# --- two imports at once ---------------------------------------------------------------------


def run_together(*jobs):
    """Run each job in its own thread (its own database connection), all starting at once."""
    start = threading.Barrier(len(jobs))
    results: list = [None] * len(jobs)

    def run(index, job):
        try:
            start.wait()
            results[index] = job()
        except Exception as error:  # reported by the assertion below, with its type
            results[index] = error
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, job)) for i, job in enumerate(jobs)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return results


def overlapping_file(path: Path, prefix: str) -> Path:
    """300 entries of its own and 20 shared with the other file, over shared tags and sources."""
    records = []
    for n in range(300):
        slug = f"shared-{n}" if n < 20 else f"{prefix}-{n}"
        records.append(
            record(
                slug,
                event_date=f"2014-02-{n % 28 + 1:02d}",
                tags=[{"name": f"Topic {n % 7}", "slug": f"topic-{n % 7}"}],
                sources=[
                    {
                        "url": f"https://wire{n % 5}.example/story/{n % 11}",
                        "title": "Wire story",
                        "publisher": {
                            "name": f"Wire {n % 5}",
                            "slug": f"wire-{n % 5}",
                            "domain": "",
                            "homepage": "",
                        },
                    }
                ],
                comments=[comment(user=f"reader{n % 3}")],
            )
        )
    return write_jsonl(path, records)


@pytest.mark.django_db(transaction=True)
def test_two_json_lines_imports_at_once_both_finish_and_agree(tmp_path):
    first = overlapping_file(tmp_path / "first.jsonl", "first")
    second = overlapping_file(tmp_path / "second.jsonl", "second")
    reports = run_together(lambda: import_file(first), lambda: import_file(second))
    for report in reports:
        assert not isinstance(report, Exception), repr(report)
        assert report.errors == [], [str(e) for e in report.errors]
    assert sorted(r.entries_created for r in reports) == [280, 300]
    assert sum(r.entries_skipped for r in reports) == 20
    assert Entry.objects.count() == 580
    assert Tag.objects.count() == 7
    assert Publisher.objects.count() == 5
    assert Source.objects.count() == 55
    assert get_user_model().objects.filter(username__startswith="reader").count() == 3


@pytest.mark.django_db(transaction=True)
def test_two_archive_imports_at_once_both_finish_and_agree(tmp_path):
    import_files([FIXTURE_ROOT])
    expected = snapshot()
    Entry.objects.all().delete()
    Source.objects.all().delete()
    Publisher.objects.all().delete()
    Tag.objects.all().delete()
    copy = tmp_path / "copy"
    shutil.copytree(FIXTURE_ROOT, copy)
    reports = run_together(lambda: import_files([FIXTURE_ROOT]), lambda: import_files([copy]))
    for report in reports:
        assert not isinstance(report, Exception), repr(report)
        assert report.errors == [], [str(e) for e in report.errors]
    assert snapshot() == expected


# --- authors and line separators survive the round trip --------------------------------------


@pytest.mark.django_db
def test_authors_missing_here_come_back_as_inactive_accounts_and_the_export_is_identical(
    newsroom_content,  # noqa: F811
    tmp_path,
):
    # Every source has its publisher, as sources.services gives it (the fixture makes one
    # without, which the import would give its domain's publisher).
    for source in Source.objects.filter(publisher=None):
        get_or_create_source(source.url)
    original = export_text()
    path = tmp_path / "export.jsonl"
    path.write_text(original, encoding="utf-8")
    empty_everything()

    out, _ = import_events(path)

    assert export_text() == original
    accounts = get_user_model().objects.order_by("username")
    assert [u.username for u in accounts] == ["desk", "moderator"]
    assert not any(u.is_active or u.has_usable_password() for u in accounts)
    assert "accounts created (inactive): 2" in out
    assert "no usable password" in out and "desk, moderator" in out


@pytest.mark.django_db
def test_existing_accounts_are_linked_not_created(tmp_path):
    UserFactory(username="desk")
    path = write_jsonl(tmp_path / "a.jsonl", [record("a", author="desk")])
    out, _ = import_events(path)
    assert "accounts created (inactive): 0" in out
    assert Entry.objects.get().author.is_active


@pytest.mark.django_db
def test_export_escapes_unicode_line_separators_and_imports_them_back(tmp_path):
    EntryFactory(
        headline="Line\u2028separator and\u2029paragraph separator",
        event_date=datetime.date(2014, 2, 19),
    )
    text = export_text()
    assert "\u2028" not in text and "\u2029" not in text
    assert "\\u2028" in text and "\\u2029" in text
    assert len(text.splitlines()) == 1  # str.splitlines splits on U+2028 too
    path = tmp_path / "export.jsonl"
    path.write_text(text, encoding="utf-8")
    Entry.objects.all().delete()
    import_events(path)
    assert Entry.objects.get().headline == "Line\u2028separator and\u2029paragraph separator"
