"""A corpus for public-page tests: N published entries, each with T tags and S cited sources.

Built with bulk inserts so a 50 x 5 x 3 corpus takes a fraction of a second.
"""

import datetime

from django.utils import timezone
from taggit.models import Tag

from events.models import Entry, TaggedEntry
from events.search import refresh_search_tags
from sources.models import Citation, Publisher, Source


def build_corpus(
    entries: int = 50,
    *,
    tags_per_entry: int = 5,
    sources_per_entry: int = 3,
    start: datetime.date = datetime.date(2014, 2, 1),
    days: int | None = None,
    prefix: str = "c",
) -> list[Entry]:
    """Entries one per day from `start` (cycling over `days` days when given).

    Entry i carries tags tag-(i+k) % (tags_per_entry * 2) and cites one source from each of
    `sources_per_entry` publishers, so facets and co-occurrences have real counts. Tags
    ("Tag k", slug tag-k) and publishers (slug publisher-p) are shared between calls, so a second
    call makes the same pages bigger.
    """
    live_since = timezone.now() - datetime.timedelta(hours=2)
    rows = Entry.objects.bulk_create(
        Entry(
            event_date=start + datetime.timedelta(days=i % days if days else i),
            headline=f"{prefix} entry {i} about ceasefire talks",
            slug=f"{prefix}-entry-{i}",
            body=f"Body of {prefix} entry {i}: negotiators met again.",
            status=Entry.Status.PUBLISHED,
            publish_at=live_since + datetime.timedelta(seconds=i),
        )
        for i in range(entries)
    )
    tag_count = max(tags_per_entry * 2, 1)
    tags = [
        Tag.objects.get_or_create(slug=f"tag-{k}", defaults={"name": f"Tag {k}"})[0]
        for k in range(tag_count)
    ]
    TaggedEntry.objects.bulk_create(
        TaggedEntry(content_object=entry, tag=tags[(i + k) % tag_count])
        for i, entry in enumerate(rows)
        for k in range(tags_per_entry)
    )
    publishers = [
        Publisher.objects.get_or_create(
            slug=f"publisher-{p}", defaults={"name": f"Publisher {p}", "domain": f"p{p}.example"}
        )[0]
        for p in range(max(sources_per_entry, 1))
    ]
    sources = Source.objects.bulk_create(
        Source(
            url=f"https://{publishers[s].domain}/{prefix}/{i}",
            title=f"Story {i}.{s}",
            publisher=publishers[s],
        )
        for i in range(entries)
        for s in range(sources_per_entry)
    )
    Citation.objects.bulk_create(
        Citation(entry=rows[i], source=sources[i * sources_per_entry + s], position=s)
        for i in range(entries)
        for s in range(sources_per_entry)
    )
    refresh_search_tags(entry.pk for entry in rows)
    return rows
