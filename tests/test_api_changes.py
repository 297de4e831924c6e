"""The changes feed: a mirror that replays it holds exactly what /api/v1/entries/ serves.

Time is frozen and moved by hand (time-machine): scheduled entries go live by the clock alone,
and the feed serves a change only once it is API_CHANGES_SETTLE_SECONDS old.
"""

import datetime

import pytest
import time_machine
from django.core.management import call_command
from django.utils import timezone
from taggit.models import Tag

from api.models import Change
from events.models import Entry
from tests.desk_support import move_to_draft, publish_now
from tests.factories import CitationFactory, EntryFactory
from tests.reading_corpus import build_corpus

pytestmark = pytest.mark.django_db

SETTLE = 30
START = datetime.datetime(2026, 3, 1, 12, 0, tzinfo=datetime.UTC)


@pytest.fixture(autouse=True)
def settle_window(api_settings, settings):
    settings.API_CHANGES_SETTLE_SECONDS = SETTLE


@pytest.fixture
def clock():
    with time_machine.travel(START, tick=False) as traveller:
        yield traveller


class Mirror:
    """A client keeping its own copy of the public entries from the changes feed alone."""

    def __init__(self, client, *, limit: int = 3):
        self.client, self.limit = client, limit
        self.entries: dict[int, dict] = {}
        self.cursor: str | None = None
        self.kinds: list[str] = []

    def catch_up(self) -> None:
        while True:
            params = {"limit": self.limit, **({"after": self.cursor} if self.cursor else {})}
            response = self.client.get("/api/v1/changes/", params)
            assert response.status_code == 200, response.content
            page = response.json()
            for change in page["results"]:
                self.apply(change)
            self.cursor = page["next_cursor"]
            if not page["more"]:
                return

    def apply(self, change: dict) -> None:
        self.kinds.append(change["kind"])
        if change["kind"].startswith("entry."):
            if change["entry"] is None:
                self.entries.pop(change["entry_id"], None)
            else:
                self.entries[change["entry_id"]] = change["entry"]
        elif change["kind"] == "tag.renamed":
            tag = change["tag"]
            for entry in self.entries.values():
                for carried in entry["tags"]:
                    if carried["id"] == tag["id"]:
                        carried.update(name=tag["name"], slug=tag["slug"])
                entry["tags"].sort(key=lambda t: (t["name"], t["id"]))
        elif change["kind"] == "tag.deleted":
            for entry in self.entries.values():
                entry["tags"] = [t for t in entry["tags"] if t["id"] != change["tag"]["id"]]


def served(client) -> dict[int, dict]:
    """Everything /api/v1/entries/ serves now, by id."""
    result: dict[int, dict] = {}
    url = "/api/v1/entries/?limit=100"
    while url:
        page = client.get(url).json()
        result.update((entry["id"], entry) for entry in page["results"])
        url = page["next"]
    return result


def settle(clock) -> None:
    clock.shift(SETTLE + 1)


def test_a_mirror_built_from_the_feed_equals_the_entry_list_through_every_kind_of_change(
    client, clock, editor
):
    kiev = EntryFactory(headline="Protests in Kiev", tags=["Kiev", "Protests"])
    cited = CitationFactory(entry=EntryFactory(headline="Talks", tags=["Diplomacy"]))
    withdrawn = EntryFactory(headline="To be withdrawn", tags=["Kiev"])
    doomed = EntryFactory(headline="To be deleted")
    draft = EntryFactory(draft=True, headline="Draft", tags=["Secret plans"])
    scheduled = EntryFactory(
        headline="Scheduled", publish_at=START + datetime.timedelta(hours=1), tags=["Kiev"]
    )
    mirror = Mirror(client)
    settle(clock)
    mirror.catch_up()
    assert mirror.entries == served(client)
    assert set(mirror.entries) == {kiev.pk, cited.entry.pk, withdrawn.pk, doomed.pk}

    # Every kind of change an editor makes, then the feed again.
    kiev.headline = "Protests in Kyiv"
    kiev.save()
    kiev.tags.add("Ukraine")
    kiev.tags.remove("Protests")
    move_to_draft(editor, withdrawn)
    doomed.delete()
    publish_now(editor, draft)
    renamed = Tag.objects.get(name="Kiev")
    renamed.name, renamed.slug = "Kyiv", "kyiv"
    renamed.save()
    Tag.objects.get(name="Diplomacy").delete()
    cited.source.title = "Talks resume"
    cited.source.save()
    publisher = cited.source.publisher
    publisher.name = "Renamed Publisher"
    publisher.save()
    settle(clock)
    mirror.catch_up()
    assert mirror.entries == served(client)
    assert {"entry.updated", "entry.unpublished", "entry.deleted", "entry.published"} <= set(
        mirror.kinds
    )
    assert {"tag.renamed", "tag.deleted"} <= set(mirror.kinds)
    assert mirror.entries[kiev.pk]["headline"] == "Protests in Kyiv"
    assert withdrawn.pk not in mirror.entries and doomed.pk not in mirror.entries

    # The scheduled entry goes live by the clock alone; the feed follows it once settled.
    clock.move_to(scheduled.publish_at + datetime.timedelta(seconds=1))
    assert scheduled.pk in served(client)
    mirror.catch_up()
    assert scheduled.pk not in mirror.entries  # not settled yet
    settle(clock)
    mirror.catch_up()
    assert mirror.entries == served(client)
    assert [t["name"] for t in mirror.entries[scheduled.pk]["tags"]] == ["Kyiv"]

    # A newcomer replaying from the start reaches the same state.
    newcomer = Mirror(client, limit=100)
    newcomer.catch_up()
    assert newcomer.entries == mirror.entries


def test_draft_edits_leave_no_trace_in_the_feed(client, clock):
    draft = EntryFactory(draft=True, tags=["Secret plans"])
    draft.headline = "Still a draft"
    draft.save()
    tag = Tag.objects.get(slug="secret-plans")
    tag.name = "Renamed secret"
    tag.save()
    draft.delete()
    settle(clock)
    assert client.get("/api/v1/changes/").json()["results"] == []


def test_rescheduled_and_withdrawn_scheduled_entries_leave_no_stale_changes(client, clock, editor):
    later = EntryFactory(publish_at=START + datetime.timedelta(hours=1))
    withdrawn = EntryFactory(publish_at=START + datetime.timedelta(hours=1))
    later.publish_at = START + datetime.timedelta(hours=3)
    later.save()
    move_to_draft(editor, withdrawn)
    pending = Change.objects.filter(effective_at__gt=timezone.now())
    assert list(pending.values_list("entry_id", "effective_at")) == [
        (later.pk, START + datetime.timedelta(hours=3))
    ]
    mirror = Mirror(client)
    clock.move_to(START + datetime.timedelta(hours=2))
    mirror.catch_up()
    assert mirror.entries == served(client) == {}
    clock.move_to(START + datetime.timedelta(hours=3, seconds=SETTLE + 1))
    mirror.catch_up()
    assert set(mirror.entries) == set(served(client)) == {later.pk}


def test_a_change_committed_late_is_not_skipped(client, clock):
    """A slow transaction's row carries the time it was written, before rows committed after
    it; the settle delay keeps the feed from moving past that time until it has committed."""
    EntryFactory()
    settle(clock)
    mirror = Mirror(client)
    mirror.catch_up()
    # Written 10 s ago inside a transaction that only commits now.
    slow = EntryFactory()
    Change.objects.filter(entry_id=slow.pk).update(
        effective_at=timezone.now() - datetime.timedelta(seconds=10)
    )
    EntryFactory()  # committed at once, with a later time
    mirror.catch_up()
    settle(clock)
    mirror.catch_up()
    assert mirror.entries == served(client)
    assert slow.pk in mirror.entries


def test_changes_become_visible_only_once_settled(client, clock):
    entry = EntryFactory()
    assert client.get("/api/v1/changes/").json()["results"] == []
    clock.shift(SETTLE)
    results = client.get("/api/v1/changes/").json()["results"]
    assert [(r["kind"], r["entry_id"]) for r in results] == [("entry.published", entry.pk)]


def test_polling_at_the_end_returns_the_same_cursor(client, clock):
    EntryFactory()
    settle(clock)
    first = client.get("/api/v1/changes/").json()
    again = client.get("/api/v1/changes/", {"after": first["next_cursor"]}).json()
    assert again == {"results": [], "next_cursor": first["next_cursor"], "more": False}


def test_bulk_writes_reach_the_feed_after_record_changes(client, clock):
    build_corpus(5)  # bulk inserts: no signals
    settle(clock)
    mirror = Mirror(client, limit=100)
    mirror.catch_up()
    assert mirror.entries == {}
    call_command("record_changes", stdout=None)
    Entry.objects.filter(slug="c-entry-0").update(status=Entry.Status.DRAFT)
    call_command("record_changes", stdout=None)
    settle(clock)
    mirror.catch_up()
    assert mirror.entries == served(client)
    assert len(mirror.entries) == 4


def test_a_json_lines_import_and_a_tag_merge_reach_the_feed_without_record_changes(
    client, clock, tmp_path
):
    import json

    from desk.tags import merge_tags

    lines = [
        {
            "event_date": "2014-02-19",
            "slug": f"imported-{n}",
            "headline": f"Imported entry {n}",
            "status": "published",
            "publish_at": "2014-02-19T12:00:00+00:00",
            "tags": [{"name": "Kiev", "slug": "kiev"}, {"name": "Ukraine", "slug": "ukraine"}],
        }
        for n in range(3)
    ]
    path = tmp_path / "in.jsonl"
    path.write_text("".join(json.dumps(line) + "\n" for line in lines))
    mirror = Mirror(client, limit=100)
    call_command("import_events", str(path), stdout=None)
    settle(clock)
    mirror.catch_up()
    assert len(mirror.entries) == 3 and mirror.entries == served(client)

    merge_tags([Tag.objects.get(name="Kiev")], Tag.objects.get(name="Ukraine"))
    settle(clock)
    mirror.catch_up()
    assert mirror.entries == served(client)
    assert all([t["name"] for t in e["tags"]] == ["Ukraine"] for e in mirror.entries.values())
