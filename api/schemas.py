"""The API's request and response shapes: the OpenAPI document is generated from these."""

import datetime
from typing import Literal

from ninja import Field, Schema

from reading.filters import MAX_TAGS, QUERY_MAX_LENGTH

PAGE_SIZE = 20
MAX_PAGE_SIZE = 100


class ErrorItem(Schema):
    parameter: str | None = Field(
        description="The query or path parameter at fault; null when the request as a whole is."
    )
    message: str


class ErrorOut(Schema):
    """Every 4xx: what was wrong, parameter by parameter."""

    errors: list[ErrorItem]


class PageQuery(Schema):
    cursor: str | None = Field(
        None, max_length=500, description="The `next_cursor` of the previous page."
    )
    limit: int = Field(
        PAGE_SIZE, ge=1, le=MAX_PAGE_SIZE, description=f"Page size, at most {MAX_PAGE_SIZE}."
    )


class EntryQuery(PageQuery):
    """The filters of the public list /events/, with the same names and meaning."""

    q: str | None = Field(None, max_length=QUERY_MAX_LENGTH, description="Words to search for.")
    from_: datetime.date | None = Field(
        None, alias="from", description="Earliest event date, inclusive."
    )
    to: datetime.date | None = Field(None, description="Latest event date, inclusive.")
    tag: list[str] = Field(
        [], max_length=MAX_TAGS, description="Tag slug or name; repeat for several tags."
    )
    mode: Literal["all", "any"] | None = Field(
        None, description="Entries carrying all of the tags (default) or any of them."
    )
    publisher: str | None = Field(None, max_length=200, description="Publisher slug.")
    sort: Literal["relevance", "newest", "oldest"] | None = Field(
        None, description="relevance (the default with q), newest (the default without), oldest."
    )


class ChangesQuery(Schema):
    after: str | None = Field(
        None,
        max_length=500,
        description="The `next_cursor` of the previous response; omit to start from the beginning.",
    )
    limit: int = Field(
        PAGE_SIZE * 5, ge=1, le=MAX_PAGE_SIZE * 5, description="At most this many changes."
    )


class TagOut(Schema):
    id: int
    name: str
    slug: str


class PublisherRef(Schema):
    name: str
    slug: str


class SourceOut(Schema):
    url: str
    title: str
    publisher: PublisherRef | None
    byline: str
    published_on: datetime.date | None


StoryStatus = Literal["developing", "ongoing", "concluded"]


class StoryRef(Schema):
    id: int
    name: str
    slug: str
    status: StoryStatus
    url: str = Field(description="The story's page.")


class EntryStoryRef(StoryRef):
    key: bool = Field(description="Whether the entry is one of the story's key events.")


class EntryOut(Schema):
    id: int
    date: datetime.date = Field(description="The day the event happened.")
    headline: str
    slug: str
    body_markdown: str
    body_html: str
    tags: list[TagOut] = Field(description="By name.")
    sources: list[SourceOut] = Field(description="In the editor's order.")
    url: str = Field(description="The entry's canonical page.")
    published_at: datetime.datetime
    modified_at: datetime.datetime
    story: EntryStoryRef | None = Field(description="The ongoing story it belongs to, if any.")
    # Corrections are not recorded yet. When they are, each entry gains `corrections` (dated
    # notes) here, and correcting an entry records an `entry.corrected` change.


class RelatedOut(Schema):
    id: int
    date: datetime.date
    headline: str
    url: str
    score: float = Field(description="Sum over shared tags of ln(1 + N / entries carrying it).")
    shared_tags: list[str]


class EntryDetailOut(EntryOut):
    related: list[RelatedOut] = Field(description="Up to 10 live entries sharing its tags.")


class EntryPage(Schema):
    results: list[EntryOut]
    next_cursor: str | None = Field(description="Pass as `cursor` for the next page; null at end.")
    next: str | None = Field(description="The next page's URL; null at the end.")


class TagCountOut(TagOut):
    count: int = Field(description="Live entries carrying the tag.")


class TagPage(Schema):
    results: list[TagCountOut]
    next_cursor: str | None
    next: str | None


class TagDetailOut(TagCountOut):
    co_occurring: list[TagCountOut] = Field(
        description="Tags most often seen with it; count = live entries carrying both."
    )


class PublisherOut(Schema):
    name: str
    slug: str
    homepage: str
    entry_count: int = Field(description="Live entries citing it.")


class PublisherPage(Schema):
    results: list[PublisherOut]
    next_cursor: str | None
    next: str | None


class PublisherDetailOut(PublisherOut):
    citation_count: int = Field(description="Citations of its articles by live entries.")


class StoryQuery(PageQuery):
    status: StoryStatus | None = Field(None, description="Only stories with this status.")
    category: str | None = Field(None, max_length=20, description="Only this category's.")


class StoryOut(StoryRef):
    category: str = Field(description="The Current Events Portal's category; empty if none.")
    category_name: str
    started: datetime.date | None
    updated: datetime.datetime
    entry_count: int = Field(description="Live entries in the story.")
    latest_at: datetime.datetime | None = Field(description="Its newest live entry's time.")


class StoryPage(Schema):
    results: list[StoryOut]
    next_cursor: str | None
    next: str | None


class StoryDetailOut(StoryOut):
    summary_markdown: str
    summary_html: str
    key_events: list[EntryOut] = Field(description="Up to 10 key events, newest first.")
    latest: list[EntryOut] = Field(description="Up to 20 newest live entries, newest first.")


class ChangeOut(Schema):
    cursor: str
    kind: Literal[
        "entry.published",
        "entry.updated",
        "entry.corrected",
        "entry.unpublished",
        "entry.deleted",
        "tag.renamed",
        "tag.merged",
        "tag.deleted",
        "story.updated",
        "story.deleted",
    ] = Field(description="What happened; clients skip kinds they do not know.")
    at: datetime.datetime = Field(description="When it became true for readers.")
    entry_id: int | None
    entry: EntryOut | None = Field(
        description="For entry changes: the entry as it is now, or null if it is no longer "
        "public (remove it). Apply by this field, not by kind."
    )
    tag: TagOut | None = Field(
        description="For tag changes: the tag's id with its new (renamed) or last (deleted) name."
    )
    story: StoryRef | None = Field(
        description="For story changes: the story's id with its name, slug and status now "
        "(updated) or last (deleted). Entries name their story by this id."
    )


class ChangesPage(Schema):
    results: list[ChangeOut]
    next_cursor: str | None = Field(
        description="Pass as `after` next time; equals `after` when nothing new has settled."
    )
    more: bool = Field(description="True when more changes are ready now.")
