"""Import the Context archive: parsed pages (interchange.archive) become entries, tags and sources.

The rules that make an import idempotent and independent of the order of the pages:

* an entry is found by (event date, slug); pages only ever add tags, never remove them;
* each entry remembers how much of it the archive has given (interchange.ArchiveRecord.level):
  a link < its day page < its own page. A higher level overwrites headline and status, a lower
  one never does; two links naming the same missing page keep the smaller headline, so the
  winner does not depend on which link came first;
* the body is the entry page's summary, or the day page's when the entry page has none;
* the story is the `##### Story` heading over the entry (entry page, else day page), or the
  "Story name." that opens a Related link's text (whose headline keeps only its own sentences);
  the heading is also added as a tag, as before stories had pages of their own. The entry joins
  the story of that name through `stories.services` (created when new);
* the sources of an entry are exactly its own page's list, in order;
* publish time is the event date at midnight UTC, not the time of the import.

One transaction per file: a file that fails leaves nothing behind and the rest goes on. Imports
running at the same time take turns (interchange.locking).
"""

import contextlib
import datetime
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from django.db import DatabaseError, transaction
from taggit.models import Tag

from events.limits import STORY_MAX_LENGTH
from events.models import Entry, TaggedEntry
from events.search import refresh_search_tags
from events.tagging import tag_key, tags_for
from sources.links import domain_of, normalize_url
from sources.models import PUBLISHER_NAME_MAX_LENGTH, Citation, Publisher, Source
from sources.services import get_or_create_publisher, get_or_create_source
from stories.models import StoryEntry
from stories.services import clean_name, set_story_named

from .archive import (
    ArchiveError,
    DayPage,
    EntryPage,
    EntryRef,
    SourceLink,
    parse_page,
)
from .locking import retry_when_locked, take_import_lock
from .models import ArchiveRecord

# The largest real page is a few dozen kilobytes; anything this big is not an archive page,
# and refusing it before reading keeps memory bounded.
MAX_PAGE_BYTES = 2 * 1024 * 1024
ARCHIVE_PATH_RE = re.compile(r"(^|/)news/\d{4}/\d{1,2}/\d{1,2}/[^/]+\.md$")
Level = ArchiveRecord.Level


@dataclass
class FileError:
    path: str
    line: int | None
    reason: str

    def __str__(self):
        return (
            f"{self.path}:{self.line}: {self.reason}"
            if self.line
            else f"{self.path}: {self.reason}"
        )


@dataclass
class ImportReport:
    """What an import did; each entry counts once, however many pages name it."""

    files_read: int = 0
    files_failed: int = 0
    created: set[EntryRef] = field(default_factory=set)
    changed: set[EntryRef] = field(default_factory=set)
    touched: set[EntryRef] = field(default_factory=set)
    sources_created: int = 0
    publishers_created: int = 0
    tags_created: int = 0
    errors: list[FileError] = field(default_factory=list)

    @property
    def entries_created(self) -> int:
        return len(self.created)

    @property
    def entries_updated(self) -> int:
        return len(self.changed - self.created)

    @property
    def entries_unchanged(self) -> int:
        return len(self.touched - self.created - self.changed)

    def summary(self) -> str:
        return (
            f"files read: {self.files_read}, failed: {self.files_failed}; "
            f"entries created: {self.entries_created}, updated: {self.entries_updated}, "
            f"unchanged: {self.entries_unchanged}; sources created: {self.sources_created}, "
            f"publishers created: {self.publishers_created}, tags created: {self.tags_created}; "
            f"errors: {len(self.errors)}"
        )


def archive_files(paths: Iterable[str | Path]) -> list[Path]:
    """Files named on the command line as given; directories walked for archive pages, sorted."""
    files: list[Path] = []
    for path in map(Path, paths):
        if path.is_dir():
            files.extend(
                sorted(p for p in path.rglob("*.md") if ARCHIVE_PATH_RE.search(p.as_posix()))
            )
        else:
            files.append(path)
    return files


def read_page(path: Path) -> str:
    """The page's text; refuses missing, oversized and non-UTF-8 files with the reason."""
    try:
        size = path.stat().st_size
    except OSError as error:
        raise ArchiveError(f"cannot read: {error.strerror}") from None
    if size > MAX_PAGE_BYTES:
        raise ArchiveError(
            f"file is {size:,} bytes, larger than the {MAX_PAGE_BYTES:,}-byte limit for a page"
        )
    data = path.read_bytes()
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        raise ArchiveError(
            f"not UTF-8: byte 0x{data[error.start]:02x} at offset {error.start}", line
        ) from None
    if "\x00" in text:  # no text column of PostgreSQL can hold it
        line = text.count("\n", 0, text.index("\x00")) + 1
        raise ArchiveError("NUL character (U+0000) in the page", line)
    return text


class ArchiveImporter:
    """Writes parsed pages; call import_page inside a transaction (import_files does)."""

    def __init__(self, *, draft: bool = False):
        self.draft = draft
        self.report = ImportReport()
        self.publisher_ids: set[int] = set()
        # The page line being written, so a database refusal can still say where.
        self.line: int | None = None

    # --- tags and sources ------------------------------------------------------------------
    def tag(self, name: str) -> Tag:
        """The tag `name` stands for (events.tagging's one lookup), created by the one slug rule.

        Of two spellings of one tag the smaller is kept, in any order. An alias ("Kiev") gives
        its tag ("Kyiv"), and a renamed or merged-away name the tag it went to, whose names
        they never change.
        """
        tag = tags_for([name])[0]
        if tag_key(tag.name) == tag_key(name) and name < tag.name:
            tag.name = name
            tag.save(update_fields=["name"])
        return tag

    def source(self, link: SourceLink) -> Source:
        self.line = link.line or None
        try:
            url = normalize_url(link.url)
        except ValueError as error:
            raise ArchiveError(str(error), link.line) from None
        if len(" ".join(link.publisher.split())) > PUBLISHER_NAME_MAX_LENGTH:
            raise ArchiveError(
                f"publisher name longer than {PUBLISHER_NAME_MAX_LENGTH} characters", link.line
            )
        existing = Source.objects.filter(url=url).first()
        if existing:
            if existing.publisher_id:
                self.publisher_ids.add(existing.publisher_id)
            return existing  # the first page that cited it named its publisher
        publisher = get_or_create_publisher(link.publisher)
        self.publisher_ids.add(publisher.pk)
        return get_or_create_source(url, publisher=publisher)

    # --- entries ---------------------------------------------------------------------------
    def merge_entry(
        self,
        ref: EntryRef,
        level: int,
        *,
        headline: str,
        body: str = "",
        story: str = "",
        tags: Iterable[str] = (),
        sources: list[SourceLink] | None = None,
    ) -> Entry:
        """Create or complete the entry `ref` with what a page at `level` says about it."""
        entry = (
            Entry.objects.select_related("archive_record")
            .filter(event_date=ref.event_date, slug=ref.slug)
            .first()
        )
        changed = False
        if entry is None:
            entry = Entry(event_date=ref.event_date, slug=ref.slug, headline=headline)
            record = ArchiveRecord(level=level)
            self._set_status(entry, level)
            if body:
                entry.body, record.body_level = body, level
            entry.save()
            record.entry = entry
            record.save()
            if story:
                set_story_named(entry, story)
            self.report.created.add(ref)
        else:
            record = getattr(entry, "archive_record", None) or ArchiveRecord(entry=entry, level=0)
            before = (entry.headline, entry.body, entry.status, entry.publish_at)
            current = (
                StoryEntry.objects.filter(entry=entry).values_list("story__name", flat=True).first()
            )
            record_before = (record.level, record.body_level)
            if level > record.level:
                entry.headline = headline
                if record.level < Level.DAY <= level and not record._state.adding:
                    self._set_status(entry, level)
                record.level = level
            elif level == record.level:
                entry.headline = min(entry.headline, headline) if level == Level.LINK else headline
            if body and (record.body_level is None or level >= record.body_level):
                entry.body, record.body_level = body, level
            if (entry.headline, entry.body, entry.status, entry.publish_at) != before:
                entry.save()
                changed = True
            if self._story_wins(story, current, level, record_before[0]):
                set_story_named(entry, story)
                changed = True
            if (record.level, record.body_level) != record_before or record._state.adding:
                record.save()
        if self._add_tags(entry, tags):
            changed = True
        if sources is not None and self._set_sources(entry, sources):
            changed = True
        self.report.touched.add(ref)
        if changed:
            self.report.changed.add(ref)
        return entry

    @staticmethod
    def _story_wins(story: str, current: str | None, level: int, before: int) -> bool:
        """Whether the story a page at `level` names replaces the entry's `current` one.

        A higher page's wins; a lower one only fills a story still unknown; of two links, the
        smaller name, so the outcome does not depend on which link came first.
        """
        new, have = clean_name(story).casefold(), clean_name(current).casefold()
        if not new or new == have:
            return False
        if not have or level > before:
            return True
        if level == before:
            return level != Level.LINK or new < have
        return False

    def _set_status(self, entry: Entry, level: int) -> None:
        if self.draft or level < Level.DAY:
            entry.status, entry.publish_at = Entry.Status.DRAFT, None
        else:
            entry.status = Entry.Status.PUBLISHED
            entry.publish_at = datetime.datetime.combine(
                entry.event_date, datetime.time(0), tzinfo=datetime.UTC
            )

    def _add_tags(self, entry: Entry, names: Iterable[str]) -> bool:
        tags = [self.tag(name) for name in names]
        have = set(
            TaggedEntry.objects.filter(content_object=entry).values_list("tag_id", flat=True)
        )
        new = [
            TaggedEntry(content_object=entry, tag=t)
            for t in {t.pk: t for t in tags}.values()
            if t.pk not in have
        ]
        TaggedEntry.objects.bulk_create(new)
        if new:  # bulk_create sends no m2m_changed: the tag names search weighs
            refresh_search_tags([entry.pk])
        return bool(new)

    def _set_sources(self, entry: Entry, links: list[SourceLink]) -> bool:
        wanted: list[int] = []
        for link in links:
            source_id = self.source(link).pk
            if source_id not in wanted:
                wanted.append(source_id)
        have = list(entry.citations.order_by("position", "id").values_list("source_id", "position"))
        if have == [(source_id, i) for i, source_id in enumerate(wanted)]:
            return False
        entry.citations.all().delete()
        Citation.objects.bulk_create(
            Citation(entry=entry, source_id=source_id, position=i)
            for i, source_id in enumerate(wanted)
        )
        return True

    # --- pages -----------------------------------------------------------------------------
    def import_page(self, page: EntryPage | DayPage) -> None:
        if isinstance(page, DayPage):
            for story in page.stories:
                self.line = story.link.line or None
                self.merge_entry(
                    story.link.ref,
                    Level.DAY,
                    headline=story.link.headline,
                    body=story.summary,
                    story=story.topic[:STORY_MAX_LENGTH],
                    tags=story.tags,
                )
            return
        self.line = None
        self.merge_entry(
            page.ref,
            Level.PAGE,
            headline=page.headline,
            body=page.summary,
            story=page.topic[:STORY_MAX_LENGTH],
            tags=page.tags,
            sources=page.sources,
        )
        for link in page.related:
            self.line = link.line or None
            self.merge_entry(
                link.ref,
                Level.LINK,
                headline=link.headline,
                story=link.story[:STORY_MAX_LENGTH],
                tags=link.tags,
            )

    # --- files -----------------------------------------------------------------------------
    def import_file(self, path: Path) -> bool:
        """Read, parse and write one file in its own transaction; False if it failed."""
        report = self.report
        saved = (set(report.created), set(report.changed), set(report.touched))
        report.files_read += 1
        self.line = None
        try:
            page = parse_page(read_page(path), path)
            retry_when_locked(lambda: self._write_page(page, saved))
        except ArchiveError as error:
            return self._failed(path, error.line, error.reason, saved)
        except DatabaseError as error:
            reason = (str(error).strip() or type(error).__name__).splitlines()[0]
            return self._failed(path, self.line, f"database refused the page: {reason}", saved)
        return True

    def _write_page(self, page: EntryPage | DayPage, saved) -> None:
        """One page in one transaction, after any other import's (the lock); again on retry."""
        report = self.report
        report.created, report.changed, report.touched = (set(s) for s in saved)
        with transaction.atomic():
            take_import_lock()
            counts = (Source.objects.count(), Publisher.objects.count(), Tag.objects.count())
            self.import_page(page)
            created = (
                Source.objects.count() - counts[0],
                Publisher.objects.count() - counts[1],
                Tag.objects.count() - counts[2],
            )
        report.sources_created += created[0]
        report.publishers_created += created[1]
        report.tags_created += created[2]

    def _failed(self, path, line, reason, saved) -> bool:
        self.report.created, self.report.changed, self.report.touched = saved
        self.report.files_failed += 1
        self.report.errors.append(FileError(str(path), line, reason))
        return False


def assign_publisher_domains(publisher_ids: Iterable[int]) -> int:
    """Give each publisher without a domain the web domain its sources are on, when unambiguous.

    The archive names publishers loosely ("Global Post" for a dailynk.com article), so a domain
    goes to a publisher only if no other publisher's sources use it and no publisher holds it;
    of several candidates the most cited wins, then the alphabetically first. Decided over all
    the run's sources at the end, so the page order cannot change the outcome.
    """
    cited: dict[str, set[int]] = {}
    counts: dict[int, dict[str, int]] = {}
    for publisher_id, url in Source.objects.filter(publisher_id__in=publisher_ids).values_list(
        "publisher_id", "url"
    ):
        domain = domain_of(url)
        cited.setdefault(domain, set()).add(publisher_id)
        per = counts.setdefault(publisher_id, {})
        per[domain] = per.get(domain, 0) + 1
    held = set(Publisher.objects.filter(domain__in=cited).values_list("domain", flat=True))
    assigned = 0
    for publisher in Publisher.objects.filter(pk__in=counts, domain="").order_by("name"):
        candidates = [
            (-n, domain)
            for domain, n in counts[publisher.pk].items()
            if domain and len(cited[domain]) == 1 and domain not in held
        ]
        if candidates:
            publisher.domain = min(candidates)[1]
            publisher.save(update_fields=["domain"])
            held.add(publisher.domain)
            assigned += 1
    return assigned


def import_files(
    paths: Iterable[str | Path],
    *,
    draft: bool = False,
    dry_run: bool = False,
    progress: Callable[[int, int, Path], None] | None = None,
) -> ImportReport:
    """Import archive files and directories; with dry_run everything is rolled back at the end."""
    files = archive_files(paths)
    importer = ArchiveImporter(draft=draft)
    # A dry run is one transaction rolled back at the end; a real run commits file by file.
    with transaction.atomic() if dry_run else contextlib.nullcontext():
        for index, path in enumerate(files, 1):
            importer.import_file(path)
            if progress:
                progress(index, len(files), path)
        with transaction.atomic():
            assign_publisher_domains(importer.publisher_ids)
        if dry_run:
            transaction.set_rollback(True)
    return importer.report
