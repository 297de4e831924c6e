"""Export every entry as JSON Lines and read such a file back (schema: docs/export-format.md).

One object per entry, with its tags, sources (and their publishers), approved comments and
archive-import record inline. Export streams in chunks with prefetching per chunk; import works in
batches of bulk inserts inside one transaction per file. Memory stays flat either way: nothing
keeps a per-entry or per-source cache across batches.
"""

import contextlib
import datetime
import ipaddress
import json
import threading
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any, TextIO

from django.contrib.auth import get_user_model
from django.db import DatabaseError, DataError, IntegrityError, connection, models, transaction
from django.db.models import Prefetch
from taggit.models import Tag

from comments.models import Comment
from events.counts import EVENTS, recounted_after
from events.limits import (
    HEADLINE_MAX_LENGTH,
    SLUG_MAX_LENGTH,
    STORY_MAX_LENGTH,
    TAG_MAX_LENGTH,
    is_slug,
)
from events.models import Correction, Entry, TaggedEntry, TagKey
from events.signals import entries_written_in_bulk
from events.tagging import clean_tag_name, find_tags, free_slug, tag_key, tag_slug
from events.text import lede
from sources.counts import PUBLISHERS
from sources.links import normalize_url
from sources.models import SOURCE_URL_MAX_LENGTH, Citation, Publisher, PublisherDomain, Source
from sources.services import NewSource, free_publisher_slug, get_or_create_sources
from stories.models import Story, StoryEntry
from stories.services import clean_name, story_named

from .locking import retry_when_locked, take_import_lock
from .models import ArchiveRecord

# One line holds one entry; a line longer than this is refused rather than parsed.
MAX_LINE_CHARS = 1_000_000
# An exported record nests five levels at most (the line, its sources, a source, its publisher,
# other_domains); a line nested deeper than this is refused before anything walks it.
MAX_NESTING = 16
# The format this module writes. Version 1 (no "format_version" key, no corrections) and 2 (no
# story) still import; in any version a record's "story" may be a plain name.
FORMAT_VERSION = 3
READABLE_VERSIONS = (1, 2, 3)


def _dt(value: datetime.datetime | None) -> str | None:
    return value.astimezone(datetime.UTC).isoformat() if value else None


def _username(user) -> str | None:
    return user.get_username() if user else None


def story_record(entry: Entry) -> dict[str, Any] | None:
    """The entry's story as exported: enough to recreate the story in an empty database."""
    membership = getattr(entry, "story_membership", None)
    if membership is None:
        return None
    story = membership.story
    return {
        "name": story.name,
        "slug": story.slug,
        "status": story.status,
        "category": story.category,
        "summary": story.summary,
        "started": story.started.isoformat() if story.started else None,
        "updated": _dt(story.updated),
        "key": membership.key,
    }


def entry_record(entry: Entry) -> dict[str, Any]:
    """The exported object for one entry (its relations must be prefetched, see export_queryset)."""
    record = getattr(entry, "archive_record", None)
    return {
        "format_version": FORMAT_VERSION,
        "event_date": entry.event_date.isoformat(),
        "slug": entry.slug,
        "headline": entry.headline,
        "body": entry.body,
        "status": entry.status,
        "publish_at": _dt(entry.publish_at),
        "comments_open": entry.comments_open,
        "author": _username(entry.author),
        "created": _dt(entry.created),
        "updated": _dt(entry.updated),
        "tags": [
            {"name": item.tag.name, "slug": item.tag.slug} for item in entry.tagged_items.all()
        ],
        "sources": [
            {
                "url": c.source.url,
                "title": c.source.title,
                "byline": c.source.byline,
                "published_on": c.source.published_on.isoformat()
                if c.source.published_on
                else None,
                "excerpt": c.source.excerpt,
                "created": _dt(c.source.created),
                "publisher": {
                    "name": c.source.publisher.name,
                    "slug": c.source.publisher.slug,
                    "domain": c.source.publisher.domain,
                    "homepage": c.source.publisher.homepage,
                    "needs_name": c.source.publisher.needs_name,
                    "other_domains": [d.domain for d in c.source.publisher.other_domains.all()],
                }
                if c.source.publisher
                else None,
            }
            for c in entry.citations.all()
        ],
        "comments": [
            {
                "name": c.name,
                "email": c.email,
                "body": c.body,
                "created": _dt(c.created),
                "ip_address": c.ip_address,
                "user": _username(c.user),
                "moderated_by": _username(c.moderated_by),
                "moderated_at": _dt(c.moderated_at),
            }
            for c in entry.comments.all()
        ],
        "archive": {"level": record.level, "body_level": record.body_level} if record else None,
        "story": story_record(entry),
        "corrections": [
            {
                "kind": c.kind,
                "note": c.note,
                "created": _dt(c.created),
                "before": {"headline": c.headline_before, "body": c.body_before},
                "after": {"headline": c.headline_after, "body": c.body_after},
            }
            for c in entry.corrections.all()
        ],
    }


def export_queryset():
    """Every entry in a stable order, with everything entry_record reads prefetched."""
    return (
        Entry.objects.order_by("event_date", "slug")
        .select_related("author", "archive_record", "story_membership__story")
        .prefetch_related(
            Prefetch(
                "tagged_items",
                queryset=TaggedEntry.objects.select_related("tag").order_by("tag__name", "id"),
            ),
            Prefetch(
                "citations",
                queryset=Citation.objects.select_related("source__publisher").order_by(
                    "position", "id"
                ),
            ),
            "citations__source__publisher__other_domains",
            Prefetch(
                "comments",
                queryset=Comment.objects.approved()
                .select_related("user", "moderated_by")
                .order_by("created", "id"),
            ),
            Prefetch("corrections", queryset=Correction.objects.order_by("created", "id")),
        )
    )


def dumps_line(record: dict[str, Any]) -> str:
    """One record as one line of JSON: UTF-8 text, except U+2028 and U+2029 written as escapes.

    JSON allows both raw, but JavaScript before ES2019 and tools that split lines the Unicode way
    (Python's str.splitlines, many editors) treat them as line ends and would cut a record in two.
    They can only occur inside JSON strings, so replacing them keeps the JSON equal.
    """
    text = json.dumps(record, ensure_ascii=False, separators=(",", ":"))
    return text.replace("\u2028", "\\u2028").replace("\u2029", "\\u2029")


def export_entries(out: TextIO, *, chunk_size: int = 2000) -> int:
    """Write one JSON object per line for every entry; returns the number written."""
    count = 0
    for entry in export_queryset().iterator(chunk_size=chunk_size):
        out.write(dumps_line(entry_record(entry)))
        out.write("\n")
        count += 1
    return count


# --- import --------------------------------------------------------------------------------


class LineError(ValueError):
    def __init__(self, line: int, reason: str):
        self.line, self.reason = line, reason
        super().__init__(f"line {line}: {reason}")


@dataclass
class JsonImportReport:
    lines: int = 0
    entries_created: int = 0
    entries_skipped: int = 0
    errors: list[LineError] = field(default_factory=list)
    users_created: list[str] = field(default_factory=list)

    def summary(self) -> str:
        return (
            f"lines read: {self.lines}; entries created: {self.entries_created}, "
            f"already present (skipped): {self.entries_skipped}; "
            f"accounts created (inactive): {len(self.users_created)}; errors: {len(self.errors)}"
        )


def _need(condition: bool, line: int, reason: str) -> None:
    if not condition:
        raise LineError(line, reason)


def _date(value, line, name, *, null=False):
    if value is None and null:
        return None
    try:
        return datetime.date.fromisoformat(value)
    except (TypeError, ValueError):
        raise LineError(line, f"{name} is not a YYYY-MM-DD date: {value!r}") from None


def _datetime(value, line, name, *, null=True):
    if value is None and null:
        return None
    try:
        parsed = datetime.datetime.fromisoformat(value)
    except (TypeError, ValueError):
        raise LineError(line, f"{name} is not an ISO 8601 date-time: {value!r}") from None
    _need(parsed.tzinfo is not None, line, f"{name} has no time zone: {value!r}")
    return parsed


def _text(record, key, line, *, max_length=None, required=False) -> str:
    value = record.get(key, "")
    _need(isinstance(value, str), line, f"{key} must be a string")
    if required:
        _need(bool(value.strip()), line, f"{key} is empty")
    if max_length:
        _need(len(value) <= max_length, line, f"{key} is longer than {max_length} characters")
    return value


def nesting(value: Any) -> int:
    """How deep lists and objects nest in a decoded value (a scalar is 0), without recursion."""
    deepest, stack = 0, [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict):
            children = list(item.values())
        elif isinstance(item, list):
            children = item
        else:
            continue
        deepest = max(deepest, depth)
        stack.extend((child, depth + 1) for child in children)
    return deepest


def parse_line(text: str, line: int) -> dict[str, Any]:
    """Decode and check one line; raises LineError with the reason."""
    _need(len(text) <= MAX_LINE_CHARS, line, f"line longer than {MAX_LINE_CHARS:,} characters")
    try:
        record = json.loads(text)
    except json.JSONDecodeError as error:
        raise LineError(line, f"not JSON: {error.msg} at column {error.colno}") from None
    except RecursionError:  # the decoder's own limit, far past MAX_NESTING
        raise LineError(line, f"nested deeper than {MAX_NESTING} levels") from None
    _need(nesting(record) <= MAX_NESTING, line, f"nested deeper than {MAX_NESTING} levels")
    _need(isinstance(record, dict), line, "not a JSON object")
    version = record.get("format_version", 1)
    _need(
        version in READABLE_VERSIONS,
        line,
        f"format_version {version!r} is not one this site reads "
        f"({', '.join(map(str, READABLE_VERSIONS))})",
    )
    record["event_date"] = _date(record.get("event_date"), line, "event_date")
    slug = record.get("slug")
    _need(
        is_slug(slug),
        line,
        f"slug is not a slug of at most {SLUG_MAX_LENGTH} characters: {slug!r}",
    )
    _text(record, "headline", line, max_length=HEADLINE_MAX_LENGTH, required=True)
    _text(record, "body", line)
    _need(
        record.get("status") in Entry.Status.values,
        line,
        f"unknown status {record.get('status')!r}",
    )
    for key in ("publish_at", "created", "updated"):
        record[key] = _datetime(record.get(key), line, key)
    _need(
        record["status"] != Entry.Status.PUBLISHED or record["publish_at"] is not None,
        line,
        "a published entry needs publish_at",
    )
    for key in ("tags", "sources", "comments", "corrections"):
        _need(isinstance(record.get(key, []), list), line, f"{key} must be a list")
        record.setdefault(key, [])
    for tag in record["tags"]:
        _need(isinstance(tag, dict), line, "a tag must be an object with name and slug")
        _text(tag, "name", line, max_length=TAG_MAX_LENGTH, required=True)
        _text(tag, "slug", line, max_length=TAG_MAX_LENGTH)
    for source in record["sources"]:
        _need(isinstance(source, dict), line, "a source must be an object")
        url = _text(source, "url", line, max_length=SOURCE_URL_MAX_LENGTH, required=True)
        try:
            source["url"] = normalize_url(url)
        except ValueError:
            raise LineError(line, f"not an http(s) URL: {url!r}") from None
        source["published_on"] = _date(source.get("published_on"), line, "published_on", null=True)
        source["created"] = _datetime(source.get("created"), line, "source created")
        publisher = source.get("publisher")
        _need(publisher is None or isinstance(publisher, dict), line, "publisher must be an object")
        if publisher:
            _text(publisher, "name", line, max_length=200, required=True)
            others = publisher.get("other_domains", [])
            _need(
                isinstance(others, list) and all(isinstance(d, str) and d for d in others),
                line,
                "other_domains must be a list of domains",
            )
    for comment in record["comments"]:
        _need(isinstance(comment, dict), line, "a comment must be an object")
        _text(comment, "name", line, max_length=80, required=True)
        _text(comment, "body", line, required=True)
        comment["created"] = _datetime(comment.get("created"), line, "comment created", null=False)
        comment["moderated_at"] = _datetime(comment.get("moderated_at"), line, "moderated_at")
    for correction in record["corrections"]:
        _parse_correction(correction, record, line)
    archive = record.get("archive")
    _need(
        archive is None
        or (isinstance(archive, dict) and archive.get("level") in ArchiveRecord.Level.values),
        line,
        "archive must be null or {level, body_level}",
    )
    record["story"] = _parse_story(record.get("story"), line)
    check_storable(record, line)
    return record


def _parse_story(story, line: int) -> dict[str, Any] | None:
    """A record's story: null, a plain name, or the object `story_record` writes."""
    if story is None or story == "":
        return None
    if isinstance(story, str):
        story = {"name": story}
    _need(isinstance(story, dict), line, "story must be null, a name or an object")
    name = _text(story, "name", line, max_length=STORY_MAX_LENGTH, required=True)
    _need(bool(clean_name(name)), line, "story name is empty")
    _text(story, "slug", line, max_length=STORY_MAX_LENGTH)
    _text(story, "summary", line)
    _need(
        story.get("status") in (None, *Story.Status.values),
        line,
        f"unknown story status {story.get('status')!r}",
    )
    _need(
        story.get("category") in (None, "", *Story.Category.values),
        line,
        f"unknown story category {story.get('category')!r}",
    )
    story["started"] = _date(story.get("started"), line, "story started", null=True)
    story["updated"] = _datetime(story.get("updated"), line, "story updated")
    _need(isinstance(story.get("key", False), bool), line, "story key must be true or false")
    return story


def _parse_correction(correction, record, line: int) -> None:
    """Check one correction; texts before/after default to the entry's (no change recorded)."""
    _need(isinstance(correction, dict), line, "a correction must be an object")
    _need(
        correction.get("kind") in Correction.Kind.values,
        line,
        f"unknown correction kind {correction.get('kind')!r}",
    )
    _text(correction, "note", line, required=True)
    correction["created"] = _datetime(
        correction.get("created"), line, "correction created", null=False
    )
    for side in ("before", "after"):
        texts = correction.get(side) or {}
        _need(isinstance(texts, dict), line, f"correction {side} must be an object")
        headline = _text(texts, "headline", line, max_length=HEADLINE_MAX_LENGTH)
        body = _text(texts, "body", line)
        correction[side] = {
            "headline": headline or record["headline"],
            "body": body if "body" in texts else record.get("body", ""),
        }


def _max_length(model, name: str) -> int:
    return model._meta.get_field(name).max_length


def _nul_path(value, path: str = "the line") -> str | None:
    """Where a NUL character hides in a decoded record (PostgreSQL text cannot hold one)."""
    if isinstance(value, str):
        return path if "\x00" in value else None
    if isinstance(value, dict):
        items = [(str(key), item) for key, item in value.items()]
        if any("\x00" in key for key, _ in items):
            return f"a key of {path}"
    elif isinstance(value, list):
        items = [(str(index), item) for index, item in enumerate(value)]
    else:
        return None
    for key, item in items:
        found = _nul_path(item, key if path == "the line" else f"{path}.{key}")
        if found:
            return found
    return None


def check_storable(record: dict[str, Any], line: int) -> None:
    """Refuse, with the line's number, values the database would refuse in the middle of a batch.

    A NUL character anywhere, an IP address that is not one, and strings longer than their
    column (emails, usernames, source and publisher fields) would otherwise fail the batch with
    a database error that names no line.
    """
    where = _nul_path(record)
    _need(where is None, line, f"NUL character (U+0000) in {where}")
    username_max = _max_length(get_user_model(), get_user_model().USERNAME_FIELD)
    names = [("author", record.get("author"))]
    for comment in record["comments"]:
        names += [(key, comment.get(key)) for key in ("user", "moderated_by")]
        email = comment.get("email") or ""
        _need(isinstance(email, str), line, "comment email must be a string")
        email_max = _max_length(Comment, "email")
        _need(len(email) <= email_max, line, f"comment email longer than {email_max} characters")
        ip = comment.get("ip_address")
        if ip is not None:
            try:
                ipaddress.ip_address(ip if isinstance(ip, str) else "")
            except ValueError:
                raise LineError(line, f"comment ip_address is not an IP address: {ip!r}") from None
    for key, name in names:
        _need(
            name is None or (isinstance(name, str) and 0 < len(name) <= username_max),
            line,
            f"{key} must be null or a username of 1 to {username_max} characters",
        )
    for source in record["sources"]:
        fields: list[tuple[dict, type[models.Model], str]] = [
            (source, Source, key) for key in ("title", "byline")
        ]
        if source.get("publisher"):
            fields += [
                (source["publisher"], Publisher, key) for key in ("slug", "domain", "homepage")
            ]
        for data, model, key in fields:
            if data.get(key) is not None:
                _text(data, key, line, max_length=_max_length(model, key))


_timestamps_lock = threading.Lock()
_timestamps_users = 0
_timestamps_saved: list[tuple[bool, bool]] = []


@contextlib.contextmanager
def keep_timestamps():
    """Let bulk inserts store the exported created/updated times instead of "now".

    The switch is on the model fields, shared by the process's threads: the first import in
    switches it, the last one out restores it (two imports in threads would otherwise restore
    each other's state).
    """
    global _timestamps_users
    fields = [
        Entry._meta.get_field("created"),
        Entry._meta.get_field("updated"),
        Source._meta.get_field("created"),
    ]
    with _timestamps_lock:
        if _timestamps_users == 0:
            _timestamps_saved[:] = [(f.auto_now, f.auto_now_add) for f in fields]
            for f in fields:
                f.auto_now = f.auto_now_add = False
        _timestamps_users += 1
    try:
        yield
    finally:
        with _timestamps_lock:
            _timestamps_users -= 1
            if _timestamps_users == 0:
                for f, (auto_now, auto_now_add) in zip(fields, _timestamps_saved, strict=True):
                    f.auto_now, f.auto_now_add = auto_now, auto_now_add


def insert_rows(model, field_names: list[str], rows: list[tuple]) -> None:
    """Insert plain value rows: link tables need no model instances or returned ids.

    PostgreSQL gets one COPY (a pipeline of single-row INSERTs costs a round of parsing per row);
    other databases one executemany.
    """
    if not rows:
        return
    quote = connection.ops.quote_name
    table = quote(model._meta.db_table)
    columns = ", ".join(quote(model._meta.get_field(name).column) for name in field_names)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            with cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
        else:
            placeholders = ", ".join(["%s"] * len(field_names))
            cursor.executemany(f"INSERT INTO {table} ({columns}) VALUES ({placeholders})", rows)


class _BatchWriter:
    """Writes a batch of parsed records with a fixed number of bulk queries."""

    def __init__(self, report: JsonImportReport):
        self.report = report
        self.users: dict[str | None, int | None] = {}
        self.entry_ids: list[int] = []

    def announce(self) -> None:
        """bulk_create sends no post_save: say which entries the batch wrote, in the import's
        transaction, batch by batch, so what the receivers hold stays one batch's size
        whatever the file's (a 1,000,000-entry file said at its end took 781 MB)."""
        if self.entry_ids:
            entries_written_in_bulk.send(sender=Entry, entry_ids=self.entry_ids, created=True)
        self.entry_ids = []

    def user_ids(self, names: Iterable[str | None]) -> None:
        missing = {n for n in names if n and n not in self.users}
        if missing:
            found = dict(
                get_user_model().objects.filter(username__in=missing).values_list("username", "id")
            )
            found.update(self.create_users(sorted(missing - found.keys())))
            for name in missing:
                self.users[name] = found.get(name)

    def create_users(self, names: list[str]) -> dict[str, int]:
        """Accounts the file names (authors, commenters, moderators) that this database lacks.

        Created inactive with no usable password, so nobody can sign in as them until an
        administrator decides otherwise, and reported; the entries keep their authors, so an
        export of the new database is the file that was imported.
        """
        if not names:
            return {}
        User = get_user_model()
        users = []
        for name in names:
            user = User(**{User.USERNAME_FIELD: name, "is_active": False})
            user.set_unusable_password()
            users.append(user)
        self.report.users_created.extend(names)
        return {user.get_username(): user.pk for user in User.objects.bulk_create(users)}

    def publishers(self, records) -> dict[str, int]:
        wanted: dict[str, dict[str, Any]] = {}
        for record in records:
            for source in record["sources"]:
                if source.get("publisher"):
                    wanted.setdefault(source["publisher"]["name"], source["publisher"])
        ids = dict(Publisher.objects.filter(name__in=wanted).values_list("name", "id"))
        new, reserved, domains = [], set[str](), set()
        for name, data in wanted.items():
            if name in ids:
                continue
            # The exported slug when it is free, else the one rule every publisher follows.
            slug = free_publisher_slug(data.get("slug") or name, reserved=reserved)
            reserved.add(slug)
            domain = data.get("domain") or ""
            if domain and (domain in domains or Publisher.objects.filter(domain=domain).exists()):
                domain = ""  # the domain already belongs to another publisher; keep the first
            domains.add(domain)
            new.append(
                Publisher(
                    name=name,
                    slug=slug,
                    domain=domain,
                    homepage=data.get("homepage") or "",
                    needs_name=bool(data.get("needs_name", False)),
                )
            )
        others = []
        for publisher in Publisher.objects.bulk_create(new):
            ids[publisher.name] = publisher.pk
            for other in wanted[publisher.name].get("other_domains") or []:
                others.append(PublisherDomain(publisher_id=publisher.pk, domain=other))
        # A domain another publisher already holds stays with it (as for main domains).
        PublisherDomain.objects.bulk_create(others, ignore_conflicts=True)
        return ids

    def sources(self, records, publishers) -> dict[str, int]:
        """Source ids by URL, through sources.services (the publisher by domain when none given)."""
        return get_or_create_sources(
            NewSource(
                url=source["url"],
                title=source.get("title") or "",
                byline=source.get("byline") or "",
                excerpt=source.get("excerpt") or "",
                published_on=source["published_on"],
                created=source["created"],
                publisher_id=publishers[source["publisher"]["name"]]
                if source.get("publisher")
                else None,
            )
            for record in records
            for source in record["sources"]
        )

    def tags(self, records) -> dict[str, int]:
        """Tag ids keyed by `tag_key(name)`: each name through the one lookup, new tags created.

        An alias ("Kiev") stores its tag ("Kyiv"), a renamed or merged-away name the tag it went
        to, another case or spelling ("STRASSE") the stored tag ("Straße"). A new tag keeps the
        exported slug when it is free and a slug by the rule, else gets the rule's.
        """
        wanted: dict[str, dict[str, Any]] = {}
        for record in records:
            for tag in record["tags"]:
                wanted.setdefault(tag_key(tag["name"]), tag)
        found = find_tags(data["name"] for data in wanted.values())
        ids = {key: tag.pk for key, tag in found.items()}
        new = [data for key, data in wanted.items() if key not in ids]
        if not new:
            return ids
        taken = set(
            Tag.objects.filter(slug__in=[d.get("slug") or "" for d in new]).values_list(
                "slug", flat=True
            )
        )
        tags = []
        for data in new:
            name = clean_tag_name(data["name"])
            slug = data.get("slug") or ""
            if not slug or slug in taken or tag_slug(slug) != slug:
                slug = free_slug(name, reserved=taken)
            taken.add(slug)
            tags.append(Tag(name=name, slug=slug))
        created = Tag.objects.bulk_create(tags)
        # bulk_create sends no post_save: the keys are written here (events.signals does it
        # for single saves).
        TagKey.objects.bulk_create(TagKey(tag_id=tag.pk, key=tag_key(tag.name)) for tag in created)
        ids |= {tag_key(tag.name): tag.pk for tag in created}
        return ids

    def memberships(self, entries: list[Entry], records) -> list[tuple]:
        """The (entry, story, key, added) rows of the batch's stories, found or created by
        name through `stories.services` (once per story of the batch)."""
        stories: dict[str, Story | None] = {}
        rows = []
        now = datetime.datetime.now(datetime.UTC)
        for entry, r in zip(entries, records, strict=True):
            data = r.get("story")
            if not data:
                continue
            key = clean_name(data["name"]).casefold()
            if key not in stories:
                defaults = {
                    k: data[k]
                    for k in ("status", "category", "summary", "started", "updated")
                    if data.get(k) is not None
                }
                stories[key] = story_named(data["name"], slug=data.get("slug") or "", **defaults)
            story = stories[key]
            if story is not None:
                rows.append((entry.pk, story.pk, bool(data.get("key", False)), now))
        return rows

    def write(self, records: list[dict[str, Any]]) -> None:
        present = set(
            Entry.objects.filter(
                event_date__in={r["event_date"] for r in records},
                slug__in={r["slug"] for r in records},
            ).values_list("event_date", "slug")
        )
        fresh, seen = [], set()
        for record in records:
            key = (record["event_date"], record["slug"])
            if key in present or key in seen:
                self.report.entries_skipped += 1
            else:
                seen.add(key)
                fresh.append(record)
        if not fresh:
            return
        self.user_ids(
            name
            for r in fresh
            for name in (
                r.get("author"),
                *(c.get("user") for c in r["comments"]),
                *(c.get("moderated_by") for c in r["comments"]),
            )
        )
        publisher_ids = self.publishers(fresh)
        source_ids = self.sources(fresh, publisher_ids)
        tag_ids = self.tags(fresh)
        now = datetime.datetime.now(datetime.UTC)
        entries = Entry.objects.bulk_create(
            Entry(
                event_date=r["event_date"],
                slug=r["slug"],
                headline=r["headline"],
                body=r.get("body", ""),
                lede=lede(r.get("body", "")),
                status=r["status"],
                publish_at=r["publish_at"],
                comments_open=bool(r.get("comments_open", True)),
                author_id=self.users.get(r.get("author")),
                created=r["created"] or now,
                updated=r["updated"] or now,
            )
            for r in fresh
        )
        links: list[tuple] = []
        citations: list[tuple] = []
        comments: list[Comment] = []
        archive_rows: list[tuple] = []
        corrections: list[Correction] = []
        self.entry_ids.extend(entry.pk for entry in entries)
        for entry, r in zip(entries, fresh, strict=True):
            tag_pks = dict.fromkeys(tag_ids[tag_key(t["name"])] for t in r["tags"])
            links.extend((entry.pk, pk) for pk in tag_pks)
            source_pks = dict.fromkeys(source_ids[s["url"]] for s in r["sources"])
            citations.extend((entry.pk, pk, i) for i, pk in enumerate(source_pks))
            comments.extend(
                Comment(
                    entry_id=entry.pk,
                    name=c["name"],
                    email=c.get("email") or "",
                    body=c["body"],
                    status=Comment.Status.APPROVED,
                    created=c["created"],
                    ip_address=c.get("ip_address"),
                    user_id=self.users.get(c.get("user")),
                    moderated_by_id=self.users.get(c.get("moderated_by")),
                    moderated_at=c["moderated_at"],
                )
                for c in r["comments"]
            )
            corrections.extend(
                Correction(
                    entry_id=entry.pk,
                    kind=c["kind"],
                    note=c["note"],
                    created=c["created"],
                    headline_before=c["before"]["headline"],
                    body_before=c["before"]["body"],
                    headline_after=c["after"]["headline"],
                    body_after=c["after"]["body"],
                )
                for c in r["corrections"]
            )
            if r.get("archive"):
                archive_rows.append(
                    (entry.pk, r["archive"]["level"], r["archive"].get("body_level"))
                )
        insert_rows(TaggedEntry, ["content_object", "tag"], links)
        insert_rows(Citation, ["entry", "source", "position"], citations)
        insert_rows(ArchiveRecord, ["entry", "level", "body_level"], archive_rows)
        insert_rows(
            StoryEntry, ["entry", "story", "key", "added"], self.memberships(entries, fresh)
        )
        Comment.objects.bulk_create(comments)
        Correction.objects.bulk_create(corrections)
        self.report.entries_created += len(entries)


def import_lines(lines: Iterable[str], *, batch_size: int = 2000) -> JsonImportReport:
    """Import an export file's lines in one transaction; any bad line rolls back the whole file.

    Every line is still checked so that all errors are reported at once.
    """
    report = JsonImportReport()
    writer = _BatchWriter(report)
    statistics = _Statistics()
    batch: dict[int, dict[str, Any]] = {}  # line number -> parsed record
    # The count triggers stand aside and the counts are written once at the end, from the rows:
    # otherwise each batch pays for them, and more with every batch as the tables grow.
    with transaction.atomic(), keep_timestamps(), recounted_after(EVENTS, PUBLISHERS):
        take_import_lock()
        for number, text in enumerate(lines, 1):
            report.lines = number
            if not text.strip():
                continue
            try:
                batch[number] = parse_line(text, number)
                if len(batch) >= batch_size and not report.errors:
                    write_batch(writer, batch)
                    writer.announce()
                    statistics.after_batch(report.entries_created)
                    batch = {}
            except LineError as error:
                report.errors.append(error)
                batch.clear()
        try:
            if batch and not report.errors:
                write_batch(writer, batch)
                writer.announce()
        except LineError as error:
            report.errors.append(error)
        if report.errors:
            # What the receivers wrote goes with the rest; what they left for after the
            # commit is dropped with it.
            transaction.set_rollback(True)
            report.entries_created = 0
            report.users_created.clear()
    return report


# The tables an import grows, whose planner statistics it keeps current (PostgreSQL).
GROWN_TABLES = (
    "events_entry",
    "events_taggedentry",
    "taggit_tag",
    "sources_citation",
    "sources_source",
    "sources_publisher",
    "comments_comment",
)
ANALYZE_FROM = 10_000  # entries written before the first ANALYZE of an import


class _Statistics:
    """Re-ANALYZE the tables an import grows each time it has doubled what they held.

    The whole file is one transaction, so autovacuum never sees its rows, and the count
    triggers' statements, planned when the tables were small, would go on scanning them whole:
    every batch slower than the last. ANALYZE inside the transaction counts its own rows and
    invalidates those plans; doubling keeps it to a few runs per import, whatever the size.
    """

    def __init__(self) -> None:
        self.next_at = 0

    def after_batch(self, entries_written: int) -> None:
        if connection.vendor != "postgresql" or entries_written < self.next_at:
            return
        with connection.cursor() as cursor:
            if not self.next_at:  # the first batch: how much was there before the import
                cursor.execute("SELECT entries FROM events_entrycount WHERE id = 1")
                row = cursor.fetchone()
                self.next_at = max(ANALYZE_FROM, 2 * (row[0] if row else 0))
                return
            cursor.execute(f"ANALYZE {', '.join(GROWN_TABLES)}")
        self.next_at = 2 * self.next_at


def write_batch(writer: _BatchWriter, batch: dict[int, dict[str, Any]]) -> None:
    """Write a batch; when the database refuses it, find the line it refuses.

    Values the database would refuse are checked line by line beforehand (check_storable), so
    this is the backstop for the rest: the batch is rolled back to a savepoint and written again
    one line at a time, each in its own savepoint. The first line refused raises LineError; when
    none is (the clash was between two lines of the batch), the batch is in, line by line.
    """
    report = writer.report
    counts = (report.entries_created, report.entries_skipped, len(report.users_created))
    written = len(writer.entry_ids)
    try:
        with transaction.atomic():
            writer.write(list(batch.values()))
        return
    except (IntegrityError, DataError):
        # Undo what the rolled-back attempt counted and cached (its new accounts are gone, and
        # its entries, which announce() must not name).
        report.entries_created, report.entries_skipped = counts[:2]
        del report.users_created[counts[2] :]
        del writer.entry_ids[written:]
        writer.users.clear()
    for number, record in batch.items():
        try:
            with transaction.atomic():
                writer.write([record])
        except (IntegrityError, DataError) as error:
            reason = (str(error).strip() or type(error).__name__).splitlines()[0]
            raise LineError(number, f"the database refused this line: {reason}") from None


def read_lines(stream) -> Iterator[str]:
    """Lines of a binary stream decoded as UTF-8; a bad byte becomes a LineError for its line.

    A byte-order mark opening the file (as some Windows editors write) is read past.
    """
    for number, raw in enumerate(stream, 1):
        try:
            yield raw.decode("utf-8-sig" if number == 1 else "utf-8")
        except UnicodeDecodeError as error:
            raise LineError(number, f"not UTF-8 at byte {error.start} of the line") from None


def import_file(path, *, batch_size: int = 2000) -> JsonImportReport:
    """Import one JSONL file; a decoding or database failure is reported, never raised.

    Imports running at the same time take turns (interchange.locking).
    """

    def run() -> JsonImportReport:
        with open(path, "rb") as stream:
            return import_lines(read_lines(stream), batch_size=batch_size)

    try:
        return retry_when_locked(run)
    except LineError as error:
        report = JsonImportReport(lines=error.line, errors=[error])
    except (OSError, DatabaseError) as error:
        report = JsonImportReport(errors=[LineError(0, str(error))])
    return report
