"""Backups: an export restored into an empty database is the original, row for row.

The README's restore procedure for the JSON Lines backup, run end to end through the commands:
export_events to a file, an empty database (no entries, tags, sources, publishers, comments or
accounts), import_events, then every table the export covers is compared with the original.
"""

import io

import pytest
from django.core.management import call_command

from comments.models import Comment
from events.models import Entry
from interchange.models import ArchiveRecord
from sources.models import Citation, Publisher, Source
from sources.services import get_or_create_source
from tests.factories import empty_everything
from tests.test_export_import import newsroom_content  # noqa: F401

pytestmark = pytest.mark.django_db


def contents() -> dict:
    """What the export promises to carry, by natural keys (ids are not kept)."""
    return {
        "entries": sorted(
            Entry.objects.values_list(
                "event_date",
                "slug",
                "headline",
                "body",
                "status",
                "publish_at",
                "comments_open",
                "author__username",
                "created",
                "updated",
            )
        ),
        "tags": sorted(
            Entry.tags.through.objects.values_list("content_object__slug", "tag__name", "tag__slug")
        ),
        "citations": sorted(Citation.objects.values_list("entry__slug", "source__url", "position")),
        "sources": sorted(
            Source.objects.values_list(
                "url", "title", "byline", "excerpt", "published_on", "created", "publisher__name"
            )
        ),
        "publishers": sorted(Publisher.objects.values_list("name", "slug", "domain", "homepage")),
        "comments": sorted(
            Comment.objects.approved().values_list(
                "entry__slug",
                "name",
                "email",
                "body",
                "created",
                "ip_address",
                "user__username",
                "moderated_by__username",
                "moderated_at",
            )
        ),
        "archive": sorted(ArchiveRecord.objects.values_list("entry__slug", "level", "body_level")),
    }


def test_an_export_restored_into_an_empty_database_equals_the_original(
    newsroom_content,  # noqa: F811
    tmp_path,
):
    # Every source has its publisher, as sources.services gives it (the fixture makes one
    # without, which the import would give its domain's publisher).
    for source in Source.objects.filter(publisher=None):
        get_or_create_source(source.url)
    backup = tmp_path / "newsroom.jsonl"
    call_command("export_events", "-o", str(backup), stderr=io.StringIO())
    original = contents()
    publishers_cited = set(Source.objects.values_list("publisher__name", flat=True))
    Publisher.objects.exclude(name__in=publishers_cited).delete()  # uncited ones are not exported
    original["publishers"] = contents()["publishers"]

    empty_everything()
    assert not any(contents().values())
    call_command("import_events", str(backup), stdout=io.StringIO())

    assert contents() == original
    again = tmp_path / "again.jsonl"
    call_command("export_events", "-o", str(again), stderr=io.StringIO())
    assert again.read_bytes() == backup.read_bytes()
