"""The Context archive format: markdown pages in, plain data out. No database, no Django models.

Two page types live under ``news/YYYY/MM/D/``:

* entry pages (``<slug>.md``): the date link, an optional ``##### topic`` (new layout), the
  ``# headline``, an optional summary, ``### Source(s):``, ``### Changes:`` and ``### Related:``;
* day pages (``index.md``): the date heading, then one story per ``##### topic`` /
  ``### [headline](link)`` pair followed by a ``_Context: ..._`` line or a summary paragraph.

Everything that reaches the caller is cleaned: HTML entities unescaped, whitespace collapsed,
tag names that contain a comma ("Facebook, Inc.") rejoined. Anything the parser cannot read
raises ArchiveError with the line number and the reason.
"""

import html
import re
from dataclasses import dataclass, field
from datetime import date
from pathlib import PurePath

from events.limits import HEADLINE_MAX_LENGTH, SLUG_MAX_LENGTH, SLUG_RE, TAG_MAX_LENGTH

# A link to an archive page: /news/2014/02/19/<slug>.md; the day folder may be unpadded (2016/03/7).
PAGE_LINK = r"/news/(?P<y>\d{4})/(?P<m>\d{1,2})/(?P<d>\d{1,2})/(?P<slug>[^/()\s]+)\.md"
DATE_LINK_RE = re.compile(
    r"^#{2,3} \[(?P<text>\d{4}-\d{2}-\d{2})\]"
    r"\(/news/(?P<y>\d{4})/(?P<m>\d{1,2})/(?P<d>\d{1,2})/index\.md\)\s*$"
)
# The text of a link may itself hold brackets ("... [http://x "(Source)"]"), so the text runs
# greedily up to the last "](" that opens an archive link.
LIST_LINK_RE = re.compile(r"^\d+\.\s+\[(?P<text>.*)\]\((?P<url>[^)\s]*)\)(?P<rest>.*)$")
STORY_LINK_RE = re.compile(r"^### \[(?P<text>.*)\]\(" + PAGE_LINK + r"\)\s*$")
PAGE_PATH_RE = re.compile(r"^" + PAGE_LINK.removeprefix("/") + r"$")
CONTEXT_RE = re.compile(r"^_Context:(?P<tags>.*)_$")
# Pieces that a naive split on ", " cuts off the tag they belong to.
TAG_SUFFIX_RE = re.compile(r"^(Inc\.|Jr\.|Sr\.|Ltd\.|\d{4})$")
PSEUDO_SOURCES = frozenset({"cover image"})


# "Story name. Headline": the archive's related links open with the ongoing story, as the
# Current Events Portal names it ("War in Donbass. A shell hits ..."), sometimes with a stray
# colon ("War in Donbass:."). A story name is short and is not cut at an abbreviation
# ("3 U.S. troops", "Maryland v. Wynne", "Stephen G. Breyer"); what follows starts a sentence.
STORY_PREFIX_RE = re.compile(r"^(?P<story>[^.]{1,200}?):?\.\s+(?P<rest>[A-Z0-9\"'‘“(\[].*)$")
STORY_MAX_WORDS = 8
ABBREVIATIONS = frozenset(
    {"mr", "mrs", "ms", "dr", "st", "jr", "sr", "inc", "ltd", "co", "no", "vs"}
)
# Sentences open with an article; the Portal's story names do not.
ARTICLES = frozenset({"a", "an", "the"})


class ArchiveError(ValueError):
    """A page the parser refuses, with the 1-based line number and the reason."""

    def __init__(self, reason: str, line: int | None = None):
        self.reason = reason
        self.line = line
        super().__init__(f"line {line}: {reason}" if line else reason)


@dataclass(frozen=True, order=True)
class EntryRef:
    """An entry's identity in the archive: its date and the slug from its page path."""

    event_date: date
    slug: str


@dataclass(frozen=True)
class Link:
    """A link to another entry page, with the cleaned link text as its headline."""

    ref: EntryRef
    headline: str
    tags: tuple[str, ...] = ()
    line: int = 0
    story: str = ""  # the "Story name." that opened the link's text, when it had one


@dataclass(frozen=True)
class SourceLink:
    publisher: str
    url: str
    line: int = 0


@dataclass
class EntryPage:
    """An entry page: the entry itself, its sources in order and its related entries."""

    ref: EntryRef
    headline: str
    summary: str = ""
    topic: str = ""
    sources: list[SourceLink] = field(default_factory=list)
    related: list[Link] = field(default_factory=list)
    changes: list[Link] = field(default_factory=list)

    @property
    def tags(self) -> list[str]:
        """The story topic plus every tag this entry shares with a related one."""
        names = [self.topic] if self.topic else []
        for link in self.related:
            names.extend(link.tags)
        return unique_tags(names)


@dataclass(frozen=True)
class DayStory:
    """One story on a day page: the link to its entry, its topic, and tags or a summary."""

    link: Link
    topic: str = ""
    summary: str = ""

    @property
    def tags(self) -> list[str]:
        return unique_tags([self.topic, *self.link.tags] if self.topic else self.link.tags)


@dataclass
class DayPage:
    event_date: date
    stories: list[DayStory] = field(default_factory=list)


def clean_text(text: str) -> str:
    """HTML entities unescaped (twice: the archive has `&amp;quot;`), whitespace collapsed."""
    text = html.unescape(html.unescape(text))
    return " ".join(text.split())


def unique_tags(names) -> list[str]:
    """Names in first-seen order, each once (compared case-insensitively, like the tag table)."""
    seen: dict[str, str] = {}
    for name in names:
        if name:
            seen.setdefault(name.casefold(), name)
    return list(seen.values())


def split_context(text: str, line: int = 0) -> tuple[str, ...]:
    """Split a Context line's tags on ", ", rejoining the suffixes that belong to the tag before.

    "Facebook, Inc., WhatsApp" → ("Facebook, Inc.", "WhatsApp"). A line with no tag is refused.
    """
    tags: list[str] = []
    for piece in clean_text(text).split(", "):
        piece = piece.strip().strip(",").strip()
        if not piece:
            continue
        if tags and TAG_SUFFIX_RE.match(piece):
            tags[-1] = f"{tags[-1]}, {piece}"
        else:
            tags.append(piece)
    if not tags:
        raise ArchiveError("empty _Context:_ line (no tag)", line)
    for tag in tags:
        if len(tag) > TAG_MAX_LENGTH:
            raise ArchiveError(f"tag longer than {TAG_MAX_LENGTH} characters: {tag[:40]!r}…", line)
    return tuple(unique_tags(tags))


def make_date(year: str, month: str, day: str, line: int) -> date:
    try:
        return date(int(year), int(month), int(day))
    except ValueError:
        raise ArchiveError(f"impossible date {year}/{month}/{day}", line) from None


def make_ref(match: re.Match, line: int) -> EntryRef:
    slug = match["slug"]
    if not SLUG_RE.match(slug) or len(slug) > SLUG_MAX_LENGTH:
        raise ArchiveError(f"not a usable slug: {slug[:60]!r}", line)
    return EntryRef(make_date(match["y"], match["m"], match["d"], line), slug)


def make_headline(text: str, line: int) -> str:
    headline = clean_text(text)
    if not headline:
        raise ArchiveError("empty headline", line)
    if len(headline) > HEADLINE_MAX_LENGTH:
        raise ArchiveError(f"headline longer than {HEADLINE_MAX_LENGTH} characters", line)
    return headline


def split_story(text: str) -> tuple[str, str]:
    """("Story name", "Headline.") from a related link's "Story name. Headline."; ("", text)
    when the text does not open with a story name.

    The headline keeps only its own sentences. A first sentence counts as a story name when it
    has at most STORY_MAX_WORDS words, does not open with an article and does not end in an
    initial or an abbreviation.
    """
    match = STORY_PREFIX_RE.match(text)
    if not match:
        return "", text
    story = match["story"].strip().rstrip(":").strip()
    words = story.split()
    last = words[-1] if words else ""
    if (
        not words
        or words[0].casefold() in ARTICLES
        or len(words) > STORY_MAX_WORDS
        or len(last) <= 1
        or last.casefold() in ABBREVIATIONS
    ):
        return "", text
    return story, match["rest"].strip()


def parse_link_item(text: str, line: int) -> Link:
    """A Related or Changes list item: `N. [headline](/news/Y/M/D/slug.md) _Context: A, B_`."""
    match = LIST_LINK_RE.match(text)
    target = re.fullmatch(PAGE_LINK, match["url"]) if match else None
    if not match or not target:
        raise ArchiveError("list item is not a link to an archive entry page", line)
    rest = match["rest"].strip()
    tags: tuple[str, ...] = ()
    context = CONTEXT_RE.match(rest)
    if context:
        tags = split_context(context["tags"], line)
    story, headline = split_story(make_headline(match["text"], line))
    return Link(make_ref(target, line), headline, tags, line, story)


def parse_source_item(text: str, line: int) -> SourceLink | None:
    """A Source(s) item `N. [Publisher](url)`; None for the new layout's Cover Image."""
    match = LIST_LINK_RE.match(text)
    if not match:
        raise ArchiveError("source item is not a [Publisher](url) link", line)
    publisher = clean_text(match["text"])
    url = match["url"].strip()
    if publisher.casefold() in PSEUDO_SOURCES:
        return None
    if not re.match(r"^https?://[^/\s]+", url, re.IGNORECASE):
        raise ArchiveError(f"source URL is not http(s): {url[:80]!r}", line)
    return SourceLink(publisher or url, url, line)


def page_kind(path: str | PurePath) -> str:
    """'day' for an index.md, 'entry' for any other page."""
    return "day" if PurePath(path).name == "index.md" else "entry"


def parse_page(text: str, path: str | PurePath) -> EntryPage | DayPage:
    """Parse one page; `path` decides its type and gives an entry page its slug."""
    path = PurePath(path)
    if page_kind(path) == "day":
        return parse_day_page(text)
    return parse_entry_page(text, slug=path.stem)


def _find_date(lines: list[str]) -> tuple[date, int]:
    for number, line in enumerate(lines, 1):
        match = DATE_LINK_RE.match(line.rstrip())
        if match:
            found = make_date(match["y"], match["m"], match["d"], number)
            if match["text"] != f"{found:%Y-%m-%d}":
                raise ArchiveError(
                    f"date heading {match['text']} disagrees with its link {found}", number
                )
            return found, number
    raise ArchiveError("page has no date heading like ### [2014-02-19](/news/2014/02/19/index.md)")


def parse_entry_page(text: str, *, slug: str) -> EntryPage:
    """An entry page, old or new layout."""
    lines = text.splitlines()
    event_date, date_line = _find_date(lines)
    if not SLUG_RE.match(slug) or len(slug) > SLUG_MAX_LENGTH:
        raise ArchiveError(f"file name is not a usable slug: {slug[:60]!r}")
    topic, headline, summary = "", None, []
    sources: list[SourceLink] = []
    related: list[Link] = []
    changes: list[Link] = []
    section = "head"
    for number, raw in enumerate(lines[date_line:], date_line + 1):
        line = raw.strip()
        if not line:
            continue
        if line.startswith("##### ") and section == "head" and headline is None:
            topic = clean_text(line[6:])
        elif line.startswith("# ") and headline is None:
            headline = make_headline(line[2:], number)
            section = "summary"
        elif line.startswith("### "):
            name = line[4:].strip().rstrip(":").casefold()
            section = {"source": "sources", "sources": "sources"}.get(name, name)
            if section not in ("sources", "related", "changes"):
                raise ArchiveError(f"unknown section {line!r}", number)
        elif section == "summary":
            summary.append(line)
        elif section == "sources":
            source = parse_source_item(line, number)
            if source:
                sources.append(source)
        elif section == "related":
            related.append(parse_link_item(line, number))
        elif section == "changes":
            changes.append(parse_link_item(line, number))
        else:
            raise ArchiveError(f"unexpected text before the headline: {line[:60]!r}", number)
    if headline is None:
        raise ArchiveError("page has no '# headline' line")
    return EntryPage(
        ref=EntryRef(event_date, slug),
        headline=headline,
        summary=clean_text(" ".join(summary)),
        topic=topic,
        sources=sources,
        related=related,
        changes=changes,
    )


def parse_day_page(text: str) -> DayPage:
    """A day page: every story of the day with its topic and its Context tags or summary."""
    lines = text.splitlines()
    event_date, date_line = _find_date(lines)
    page = DayPage(event_date)
    topic, link, summary = "", None, list[str]()

    def close_story():
        if link is not None:
            page.stories.append(DayStory(link, topic, clean_text(" ".join(summary))))

    for number, raw in enumerate(lines[date_line:], date_line + 1):
        line = raw.strip()
        if not line:
            continue
        if line.startswith("##### "):
            close_story()
            topic, link, summary = clean_text(line[6:]), None, []
        elif line.startswith("## "):
            if not line.startswith("## [Previous Day"):
                raise ArchiveError(f"unexpected heading {line[:60]!r}", number)
        elif line.startswith("### "):
            match = STORY_LINK_RE.match(line)
            if not match:
                raise ArchiveError("story heading is not a link to an entry page", number)
            if link is not None:
                close_story()
                topic, summary = "", []
            ref = make_ref(match, number)
            if ref.event_date != event_date:
                raise ArchiveError(
                    f"story dated {ref.event_date} on the page of {event_date}", number
                )
            link = Link(ref, make_headline(match["text"], number), (), number)
        elif link is None:
            raise ArchiveError(f"text outside a story: {line[:60]!r}", number)
        elif context := CONTEXT_RE.match(line):
            tags = split_context(context["tags"], number)
            link = Link(link.ref, link.headline, tags, link.line)
        else:
            summary.append(line)
    close_story()
    return page
