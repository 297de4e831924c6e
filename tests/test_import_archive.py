"""import_archive: pages become entries, tags and sources; any order, any number of times."""

import datetime
import io
import itertools
import shutil
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.db import transaction
from taggit.models import Tag

from events.models import Entry
from interchange.archive_import import MAX_PAGE_BYTES, import_files
from interchange.models import ArchiveRecord
from sources.models import Citation, Publisher, Source

pytestmark = pytest.mark.django_db

FIXTURE_ROOT = Path(__file__).parent / "fixtures" / "archive"
DAY = FIXTURE_ROOT / "news" / "2014" / "03" / "4"
REOPENS = DAY / "harbour-bridge-reopens-after-repairs.md"
FERRIES = DAY / "ferry-services-double.md"
DAY_PAGE = DAY / "index.md"
MARCH_4 = datetime.date(2014, 3, 4)
MIDNIGHT_MARCH_4 = datetime.datetime(2014, 3, 4, tzinfo=datetime.UTC)


def snapshot() -> dict:
    """Everything an import writes, keyed by natural keys (ids and write times left out)."""
    return {
        "entries": sorted(
            (
                e.event_date,
                e.slug,
                e.headline,
                e.body,
                e.status,
                e.publish_at,
                e.story_membership.story.name if hasattr(e, "story_membership") else None,
                tuple(sorted(t.name for t in e.tags.all())),
                tuple(
                    (c.source.url, c.position)
                    for c in Citation.objects.filter(entry=e).select_related("source")
                ),
            )
            for e in Entry.objects.all()
        ),
        "records": sorted(ArchiveRecord.objects.values_list("entry__slug", "level", "body_level")),
        "tags": sorted(Tag.objects.values_list("name", "slug")),
        "sources": sorted(Source.objects.values_list("url", "publisher__name", "title", "byline")),
        "publishers": sorted(Publisher.objects.values_list("name", "slug", "domain")),
    }


def run(*paths, **options):
    out, err = io.StringIO(), io.StringIO()
    call_command("import_archive", *map(str, paths), stdout=out, stderr=err, **options)
    return out.getvalue(), err.getvalue()


def test_fixture_day_imports_exactly_the_entries_tags_and_sources_it_describes():
    run(FIXTURE_ROOT)
    reopens = Entry.objects.get(event_date=MARCH_4, slug="harbour-bridge-reopens-after-repairs")
    ferries = Entry.objects.get(event_date=MARCH_4, slug="ferry-services-double")
    closes = Entry.objects.get(
        event_date=datetime.date(2014, 2, 11), slug="harbour-bridge-closes-for-repairs"
    )
    assert Entry.objects.count() == 3  # the Changes section names versions, not entries

    assert reopens.headline == (
        'The Harbour Bridge reopens after three weeks of repairs "ahead of schedule".'
    )
    assert reopens.body == "Crews finished the work early, the city says."
    assert ferries.body == "Commuters crowd the piers as extra boats run every ten minutes..."
    assert sorted(reopens.tags.names()) == [
        "Acme Builders, Inc.",
        "Ferries",
        "Harbour Bridge",
        "Port City",
    ]
    assert sorted(ferries.tags.names()) == ["Ferries", "Harbour Bridge"]
    assert sorted(closes.tags.names()) == ["Acme Builders, Inc.", "Harbour Bridge"]
    assert Tag.objects.count() == 4

    assert [c.source.url for c in reopens.citations.select_related("source")] == [
        "http://www.example-times.test/news/bridge-reopens",
        "https://gazette.example.org/2014/03/04/bridge",
    ]
    assert [c.source.url for c in ferries.citations.select_related("source")] == [
        "https://gazette.example.org/2014/03/03/ferries"
    ]
    assert not closes.citations.exists()
    assert sorted(Publisher.objects.values_list("name", "domain")) == [
        ("Example Times", "example-times.test"),
        ("Harbour Gazette", "gazette.example.org"),
    ]
    assert Source.objects.count() == 3


def test_story_headings_become_the_entries_story_from_the_entry_page_or_else_the_day_page():
    run(FIXTURE_ROOT)
    stories = dict(Entry.objects.values_list("slug", "story_membership__story__name"))
    assert stories == {
        "harbour-bridge-reopens-after-repairs": "Harbour Bridge",  # its own page has no heading
        "ferry-services-double": "Ferries",
        "harbour-bridge-closes-for-repairs": None,  # only named by a link
    }


def test_imported_pages_are_published_on_their_event_date_and_link_placeholders_are_drafts():
    run(FIXTURE_ROOT)
    live = Entry.objects.published()
    assert sorted(live.values_list("slug", flat=True)) == [
        "ferry-services-double",
        "harbour-bridge-reopens-after-repairs",
    ]
    assert set(live.values_list("publish_at", flat=True)) == {MIDNIGHT_MARCH_4}
    placeholder = Entry.objects.get(slug="harbour-bridge-closes-for-repairs")
    assert placeholder.status == Entry.Status.DRAFT
    assert placeholder.archive_record.level == ArchiveRecord.Level.LINK


def test_draft_option_imports_everything_as_drafts():
    run(FIXTURE_ROOT, draft=True)
    assert Entry.objects.count() == 3
    assert not Entry.objects.published().exists()


def test_placeholder_is_completed_when_its_own_page_arrives(tmp_path):
    run(REOPENS)
    placeholder = Entry.objects.get(slug="ferry-services-double")
    assert placeholder.status == Entry.Status.DRAFT
    assert not placeholder.citations.exists()
    run(FERRIES)
    completed = Entry.objects.get(slug="ferry-services-double")
    assert completed.pk == placeholder.pk
    assert completed.status == Entry.Status.PUBLISHED
    assert completed.archive_record.level == ArchiveRecord.Level.PAGE
    assert completed.citations.count() == 1
    assert Entry.objects.filter(slug="ferry-services-double").count() == 1


def test_reimporting_the_same_files_changes_nothing():
    run(FIXTURE_ROOT)
    before = snapshot()
    out, _ = run(FIXTURE_ROOT)
    assert snapshot() == before
    assert "entries created: 0, updated: 0, unchanged: 3" in out
    assert "sources created: 0, publishers created: 0, tags created: 0" in out


def test_any_order_of_pages_gives_the_same_database():
    snapshots = []
    for order in itertools.permutations([REOPENS, FERRIES, DAY_PAGE]):
        with transaction.atomic():
            import_files(order)
            snapshots.append(snapshot())
            transaction.set_rollback(True)
    assert len(snapshots) == 6
    assert all(s == snapshots[0] for s in snapshots)
    assert len(snapshots[0]["entries"]) == 3


def test_two_links_with_different_texts_keep_the_same_headline_in_either_order(tmp_path):
    def page(name, text):
        path = tmp_path / "news" / "2014" / "03" / "5" / f"{name}.md"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(
            f"### [2014-03-05](/news/2014/03/5/index.md)\n\n# Page {name} \n\n### Related:\n\n"
            f"1. [{text} ](/news/2013/01/1/shared.md) _Context: Shared, case Tag_\n"
        )
        return path

    first = page("first", "Zebra crossing opens")
    second = page("second", "A zebra crossing opens")
    results = []
    for order in ([first, second], [second, first]):
        with transaction.atomic():
            import_files(order)
            results.append(snapshot())
            transaction.set_rollback(True)
    assert results[0] == results[1]
    assert Entry.objects.count() == 0
    shared = [e for e in results[0]["entries"] if e[1] == "shared"]
    assert shared[0][2] == "A zebra crossing opens"


def test_tag_spellings_that_differ_only_in_case_become_one_tag_whatever_the_order(tmp_path):
    def page(name, tag):
        path = tmp_path / f"{name}" / "news" / "2014" / "03" / "5" / f"{name}.md"
        path.parent.mkdir(parents=True)
        path.write_text(
            f"### [2014-03-05](/news/2014/03/5/index.md)\n\n# Page {name}\n\n### Related:\n\n"
            f"1. [Other ](/news/2013/01/1/other.md) _Context: {tag}_\n"
        )
        return path

    lower, upper = page("lower", "Pakistan army"), page("upper", "Pakistan Army")
    for order in ([lower, upper], [upper, lower]):
        with transaction.atomic():
            import_files(order)
            assert list(Tag.objects.values_list("name", flat=True)) == ["Pakistan Army"]
            transaction.set_rollback(True)


def test_changed_page_updates_its_entry_on_reimport(tmp_path):
    day = tmp_path / "news" / "2014" / "03" / "4"
    day.mkdir(parents=True)
    page = day / REOPENS.name
    shutil.copy(REOPENS, page)
    run(tmp_path)
    page.write_text(REOPENS.read_text().replace("three weeks", "four weeks"))
    out, _ = run(tmp_path)
    assert "entries created: 0, updated: 1, unchanged: 2" in out
    assert "four weeks" in Entry.objects.get(slug=REOPENS.stem).headline


def test_dry_run_reports_what_it_would_do_and_writes_nothing():
    out, _ = run(FIXTURE_ROOT, dry_run=True)
    assert "dry run, nothing written" in out
    assert "files read: 3, failed: 0; entries created: 3" in out
    assert Entry.objects.count() == Tag.objects.count() == Source.objects.count() == 0


def test_progress_is_plain_lines_when_not_a_terminal_and_ends_with_a_summary():
    out, _ = run(FIXTURE_ROOT)
    lines = out.splitlines()
    assert lines[0].startswith("1/3 ") and lines[0].endswith("ferry-services-double.md")
    assert lines[2].startswith("3/3 ")
    assert lines[-1] == (
        "files read: 3, failed: 0; entries created: 3, updated: 0, unchanged: 0; "
        "sources created: 3, publishers created: 2, tags created: 4; errors: 0"
    )


def test_progress_is_a_bar_on_a_terminal():
    class Terminal(io.StringIO):
        def isatty(self):
            return True

    out = Terminal()
    call_command("import_archive", str(FIXTURE_ROOT), stdout=out, stderr=io.StringIO())
    text = out.getvalue()
    assert "\r[##########....................] 1/3" in text
    assert "\r[##############################] 3/3" in text
    assert "ferry-services-double.md" not in text


def test_an_editors_existing_entry_is_completed_not_duplicated_and_keeps_its_status():
    entry = Entry.objects.create(
        event_date=MARCH_4, slug="ferry-services-double", headline="Draft by an editor"
    )
    run(FIXTURE_ROOT)
    entry.refresh_from_db()
    assert Entry.objects.filter(slug="ferry-services-double").count() == 1
    assert entry.headline == "Ferry services double while the bridge is closed."
    assert entry.status == Entry.Status.DRAFT
    assert entry.citations.count() == 1


def test_directory_walk_skips_files_that_are_not_archive_pages(tmp_path):
    shutil.copytree(FIXTURE_ROOT, tmp_path, dirs_exist_ok=True)
    (tmp_path / "README.md").write_text("# Not a page\n")
    out, _ = run(tmp_path)
    assert "files read: 3, failed: 0" in out


# --- bad input -------------------------------------------------------------------------------


def write_page(root: Path, name: str, content: str | bytes) -> Path:
    path = root / "news" / "2014" / "03" / "5" / name
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8")
    return path


GOOD_PAGE = (
    "### [2014-03-05](/news/2014/03/5/index.md)\n\n# A good page \n\n### Source:\n\n"
    "1. [Good Paper](https://good.example/story)\n"
)


@pytest.mark.parametrize(
    ("content", "line", "reason"),
    [
        (
            b"### [2014-03-05](/news/2014/03/5/index.md)\n\n# Caf\xe9 opens\n",
            3,
            "not UTF-8: byte 0xe9",
        ),
        ("# A page with no date \n\n### Source:\n", None, "page has no date heading"),
        (
            "### [2014-03-05](/news/2014/03/5/index.md)\n\n# Bad related \n\n### Related:\n\n"
            "1. [Fine ](/news/2014/02/28/fine.md) _Context: Fine_\n"
            "2. [Leap ](/news/2014/02/30/leap.md) _Context: Leap_\n",
            8,
            "impossible date 2014/02/30",
        ),
        (
            "### [2014-03-05](/news/2014/03/5/index.md)\n\n# Empty context \n\n### Related:\n\n"
            "1. [Other ](/news/2014/02/28/other.md) _Context: _\n",
            7,
            "empty _Context:_ line",
        ),
        (
            "### [2014-03-05](/news/2014/03/5/index.md)\n\n# Odd source \n\n### Source:\n\n"
            "1. [Paper](https://fine.example/a)\n2. [Files](ftp://files.example/story.txt)\n",
            8,
            "source URL is not http(s)",
        ),
    ],
    ids=["non-utf8", "no-date", "impossible-date", "empty-context", "non-http-url"],
)
def test_bad_page_is_reported_with_file_and_line_nothing_from_it_written_rest_goes_on(
    tmp_path, content, line, reason
):
    bad = write_page(tmp_path, "bad.md", content)
    write_page(tmp_path, "good.md", GOOD_PAGE)
    out, err = io.StringIO(), io.StringIO()
    with pytest.raises(CommandError, match="1 file"):
        call_command("import_archive", str(tmp_path), stdout=out, stderr=err)
    where = f"{bad}:{line}: " if line else f"{bad}: "
    assert f"error: {where}{reason}" in err.getvalue()
    assert list(Entry.objects.values_list("slug", flat=True)) == ["good"]
    assert not Entry.objects.filter(event_date__lt=datetime.date(2014, 3, 1)).exists()
    assert "files read: 2, failed: 1" in out.getvalue()
    assert list(Source.objects.values_list("url", flat=True)) == ["https://good.example/story"]


def test_overlong_slug_and_headline_are_refused_and_leave_nothing_behind(tmp_path):
    long_slug = "s" * 201  # longer than Entry.slug allows
    slug_page = write_page(tmp_path, f"{long_slug}.md", GOOD_PAGE)
    headline_page = write_page(
        tmp_path,
        "bad-headline.md",
        GOOD_PAGE.replace("# A good page", "# " + "x" * 1001),
    )
    report = import_files([tmp_path])
    assert sorted((e.path, e.line, e.reason[:30]) for e in report.errors) == [
        (str(headline_page), 3, "headline longer than 1000 char"),
        (str(slug_page), None, "file name is not a usable slug"),
    ]
    assert Entry.objects.count() == Source.objects.count() == Publisher.objects.count() == 0


def test_a_50_mb_file_is_refused_with_the_size_limit_and_the_rest_goes_on(tmp_path):
    huge = write_page(tmp_path, "huge.md", GOOD_PAGE)
    with huge.open("a", encoding="utf-8") as out:
        line = "1. [Filler ](/news/2014/02/28/filler.md) _Context: Filler_\n"
        out.write("\n### Related:\n\n")
        out.write(line * (50 * 1024 * 1024 // len(line) + 1))
    assert huge.stat().st_size > 50 * 1024 * 1024
    write_page(tmp_path, "good.md", GOOD_PAGE)
    report = import_files([tmp_path])
    assert [str(e) for e in report.errors] == [
        f"{huge}: file is {huge.stat().st_size:,} bytes, "
        f"larger than the {MAX_PAGE_BYTES:,}-byte limit for a page"
    ]
    assert list(Entry.objects.values_list("slug", flat=True)) == ["good"]


def test_missing_file_is_reported_not_raised(tmp_path):
    report = import_files([tmp_path / "nowhere.md"])
    assert report.files_failed == 1
    assert "cannot read" in report.errors[0].reason


ENTRY_PAGE = Path(__file__).resolve().parent / "fixtures" / "archive-entry-page.md"


def test_entry_page_imports_into_exactly_the_entries_tags_and_sources_it_describes(tmp_path):
    # A page written for this test in the archive's entry-page layout (shared/samples/).
    page = tmp_path / "news" / "2014" / "03" / "05" / "port-ellery-north-pier.md"
    page.parent.mkdir(parents=True)
    shutil.copy(ENTRY_PAGE, page)
    run(page)
    # Counted by hand on the page: the entry itself and its four Related items.
    assert Entry.objects.count() == 5
    pier = Entry.objects.get(slug="port-ellery-north-pier")
    assert pier.event_date == datetime.date(2014, 3, 5)
    assert pier.headline == (
        "The harbour authority of Port Ellery closes the north pier after inspectors find "
        "cracks in its pilings."
    )
    assert sorted(pier.tags.names()) == ["Port Ellery", "harbour safety"]
    assert sorted(Tag.objects.values_list("name", flat=True)) == ["Port Ellery", "harbour safety"]
    both = Entry.objects.filter(tags__name="harbour safety").count()
    port_only = Entry.objects.filter(tags__name="Port Ellery").count() - both
    assert (both, port_only) == (3, 2)  # items 1-2 and the entry; items 3-4
    assert list(Source.objects.values_list("url", "publisher__name")) == [
        ("http://www.ellerygazette.example/news/read.php?id=4417&section=harbour", "Ellery Gazette")
    ]
    assert Entry.objects.get(slug__startswith="a-storm-tears").event_date == (
        datetime.date(2012, 1, 7)  # the unpadded day folder 2012/01/7
    )


# --- the shared week of the real archive ----------------------------------------------------
# A check on real data where the development machine has it (never copied into the repository).
# It is not the only proof of what it checks: the fixture tests above cover parsing, counting and
# order independence (test_any_order_of_pages_gives_the_same_database) in every CI run.

WEEK = Path(__file__).resolve().parent.parent.parent / "shared" / "data" / "the-context"


@pytest.mark.skipif(not WEEK.exists(), reason=f"shared archive week not found at {WEEK}")
def test_shared_week_imports_with_the_counts_checked_by_hand_in_any_order():
    files = sorted(WEEK.rglob("*.md"))
    pages = [f for f in files if f.name != "README.md"]
    assert len(pages) == 108
    report = import_files([WEEK])
    assert report.files_read == 108 and not report.errors
    # 101 entry pages + 671 further entries named only by Related links (cross-checked with a
    # grep over the folder, see docs/import-export.md); 169 tags once case is ignored
    # (161 distinct Context tags per the week's README, minus 3 case variants, plus topics).
    assert Entry.objects.count() == 772
    assert ArchiveRecord.objects.filter(level=ArchiveRecord.Level.PAGE).count() == 101
    assert Entry.objects.published().count() == 101
    assert Tag.objects.count() == 169
    assert Source.objects.count() == 83
    assert Tag.objects.filter(name__in=["Facebook, Inc.", "Dale Earnhardt, Jr."]).count() == 2
    forward = snapshot()
    again = import_files([WEEK])
    assert again.entries_unchanged == 772 and again.entries_updated == 0
    assert snapshot() == forward
    with transaction.atomic():
        Entry.objects.all().delete()
        Citation.objects.all().delete()
        Source.objects.all().delete()
        Publisher.objects.all().delete()
        Tag.objects.all().delete()
        import_files(list(reversed(pages)))
        assert snapshot() == forward
        transaction.set_rollback(True)
