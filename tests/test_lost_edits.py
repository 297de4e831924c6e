"""No lost edits: concurrent saves, held changes approved late, the first revision, restores.

The concurrency tests run real parallel requests: threads, each with its own database
connection, started together at a barrier. On PostgreSQL they share the test database. SQLite's
test database lives in memory, shared between connections through SQLite's shared cache, whose
table locks fail at once (SQLITE_LOCKED) instead of waiting like the busy timeout; so on SQLite
the rows a test made are copied into a database file, opened with the project's settings (busy
timeout, transactions that take the write lock when they begin), and the threads use that file.
"""

from __future__ import annotations

import contextlib
import datetime
import sqlite3
import threading
from collections.abc import Callable
from pathlib import Path

import pytest
from django.db import connection, connections
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from desk import workflow
from desk.models import AuditEvent, EntryRevision, PendingChange
from events.models import Entry
from stories.models import Story
from tests.factories import CitationFactory, EntryFactory, SourceFactory, change_url, member
from tests.hardening_support import default_database
from tests.test_desk_workflow import form_for

# --- running requests in parallel -------------------------------------------------------------


class Parallel:
    """Runs jobs in threads, each with its own connection to the test's rows, all at once."""

    def __init__(self, directory: Path):
        self.file = directory / "parallel.sqlite3" if connection.vendor == "sqlite" else None

    def run(self, jobs: list[Callable[[threading.Barrier], object]]) -> list[object]:
        """Call each job in its own thread with a barrier it waits at before its request.

        Returns what each job returned, or the exception it raised, in the order given.
        """
        barrier = threading.Barrier(len(jobs), timeout=60)
        results: list[object] = [None] * len(jobs)

        def work(index: int) -> None:
            try:
                results[index] = jobs[index](barrier)
            except Exception as error:  # reported by the test, not swallowed
                results[index] = error
                barrier.abort()
            finally:
                connections.close_all()

        with self._threads_database():
            threads = [threading.Thread(target=work, args=(i,)) for i in range(len(jobs))]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join(timeout=120)
            assert not any(thread.is_alive() for thread in threads), "a request never ended"
        return results

    @contextlib.contextmanager
    def _threads_database(self):
        if self.file is None:
            yield
            return
        connection.ensure_connection()
        target = sqlite3.connect(self.file)
        connection.connection.backup(target)
        target.close()
        saved = connections.settings["default"]
        connections.settings["default"] = {**saved, "NAME": str(self.file)}
        try:
            yield
        finally:
            connections.settings["default"] = saved

    @contextlib.contextmanager
    def reading(self):
        """Read what the threads wrote (on SQLite, from the file they wrote to)."""
        if self.file is None:
            yield
            return
        with default_database(NAME=str(self.file)):
            yield


@pytest.fixture
def parallel(tmp_path):
    return Parallel(tmp_path)


def signed_in(user) -> Client:
    client = Client(raise_request_exception=False)
    client.force_login(user)
    return client


# --- 1. concurrent saves ----------------------------------------------------------------------

PUBLISHED = timezone.now().replace(microsecond=0) - datetime.timedelta(hours=1)
EARLIER = timezone.localtime(PUBLISHED - datetime.timedelta(hours=2))
NEW_SOURCE = "https://example.org/harbour-second-look"

# Ten editors, one field each, all saving from the same version at the same moment.
CHANGES: dict[str, dict[str, str]] = {
    "headline": {"headline": "Harbour reopens after three years of repairs"},
    "body": {"body": "The harbour reopened on Wednesday, the port authority said."},
    "story": {"story": "Harbour works"},
    "tags": {"tags": "Harbours, Ferries"},
    "event_date": {"event_date": "2014-02-18"},
    "slug": {"slug": "harbour-reopens-at-last"},
    "publish_at": {"publish_at_0": f"{EARLIER:%Y-%m-%d}", "publish_at_1": f"{EARLIER:%H:%M:%S}"},
    "review_note": {"review_note": "Checked against the port authority's notice."},
    "comments_open": {},  # unticked: the checkbox is left out of the post
    "sources": {},  # a second source, added below
}


def expected_in_row(entry: Entry, field: str) -> bool:
    """Whether the change CHANGES[field] is in the stored entry."""
    if field == "tags":
        return sorted(entry.tags.names()) == ["Ferries", "Harbours"]
    if field == "event_date":
        return entry.event_date == datetime.date(2014, 2, 18)
    if field == "publish_at":
        return entry.publish_at == EARLIER
    if field == "comments_open":
        return entry.comments_open is False
    if field == "sources":
        urls = entry.citations.order_by("position").values_list("source__url", flat=True)
        return NEW_SOURCE in urls
    if field == "story":
        return Story.objects.filter(memberships__entry=entry, name="Harbour works").exists()
    return getattr(entry, field) == CHANGES[field][field]


def harbour_entry() -> Entry:
    entry = EntryFactory(
        headline="Harbour reopens",
        slug="harbour-reopens",
        body="The harbour reopened.",
        tags=["Harbours"],
        publish_at=PUBLISHED,
        comments_open=True,
    )
    CitationFactory(entry=entry, source=SourceFactory(url="https://example.com/harbour"))
    return entry


def opened_form(entry: Entry, user, field: str) -> tuple[Client, dict[str, str]]:
    """An editor's change page as they would post it back with their change to `field`."""
    client = signed_in(user)
    data = form_for(entry, client, **CHANGES[field])
    if field == "comments_open":
        data.pop("comments_open", None)
    if field == "sources":
        prefix = next(k for k in data if k.endswith("-TOTAL_FORMS")).removesuffix("-TOTAL_FORMS")
        n = int(data[f"{prefix}-TOTAL_FORMS"])
        data.update(
            {
                f"{prefix}-TOTAL_FORMS": str(n + 1),
                f"{prefix}-{n}-url": NEW_SOURCE,
                f"{prefix}-{n}-title": "A second look at the harbour",
                f"{prefix}-{n}-position": "5",
            }
        )
    return client, data


def saves_at_once(entry: Entry, client: Client, data: dict[str, str]):
    """A job: wait for the others, then post the form."""

    def job(barrier: threading.Barrier) -> int:
        barrier.wait()
        return client.post(change_url(entry), data).status_code

    return job


def run_concurrent_saves(parallel: Parallel) -> tuple[dict[str, object], int]:
    """Ten editors open the entry (version 1), then all save at the same moment."""
    entry = harbour_entry()
    forms = [opened_form(entry, member(f"ed_{f}", "Editors"), f) for f in CHANGES]
    jobs = [saves_at_once(entry, client, data) for client, data in forms]
    results = dict(zip(CHANGES, parallel.run(jobs), strict=True))
    return results, entry.pk


def assert_every_acknowledged_field_is_kept(parallel: Parallel, results, pk) -> None:
    failures = {f: r for f, r in results.items() if not isinstance(r, int) or r >= 500}
    assert not failures, f"requests that failed: {failures}"
    acknowledged = [field for field, status in results.items() if status == 302]
    # Each editor changed a field nobody else touched: every save merges, none is refused.
    assert sorted(acknowledged) == sorted(CHANGES), results
    with parallel.reading():
        entry = Entry.objects.get(pk=pk)
        lost = [field for field in acknowledged if not expected_in_row(entry, field)]
        assert not lost, f"saves told 'changed successfully' but missing from the row: {lost}"
        # One version per save, each with its revision, after the state they all started from.
        versions = sorted(
            EntryRevision.objects.filter(entry=entry).values_list("entry_version", flat=True)
        )
        assert versions == list(range(1, len(CHANGES) + 2))
        assert entry.version == len(CHANGES) + 1
        # The stale saves were merged, and the audit trail says so.
        saves = AuditEvent.objects.filter(entry=entry, action__in=["edit", "merge"]).count()
        assert saves == len(CHANGES)


@pytest.mark.django_db(transaction=True)
def test_ten_parallel_saves_of_different_fields_from_one_version_all_land_and_none_fails(
    parallel,
):
    results, pk = run_concurrent_saves(parallel)
    assert_every_acknowledged_field_is_kept(parallel, results, pk)


@pytest.mark.django_db(transaction=True)
def test_editors_opening_an_entry_at_once_all_get_the_page_and_it_is_kept_once(parallel):
    entry = harbour_entry()  # as an import leaves it: version 1, no revision
    clients = [signed_in(member(f"ed_{n}", "Editors")) for n in range(8)]

    def opens(client: Client):
        def job(barrier: threading.Barrier) -> int:
            barrier.wait()
            return client.get(change_url(entry)).status_code

        return job

    assert parallel.run([opens(client) for client in clients]) == [200] * 8
    with parallel.reading():
        kept = EntryRevision.objects.filter(entry_id=entry.pk)
        assert [(r.entry_version, r.action) for r in kept] == [(1, "found")]


@pytest.mark.django_db(transaction=True)
def test_parallel_saves_of_the_same_field_one_lands_the_others_get_the_conflict_with_their_text(
    parallel,
):
    entry = harbour_entry()
    headlines = [f"Harbour reopens, says editor {n}" for n in range(4)]
    forms = [
        opened_form(entry, member(f"ed_{n}", "Editors"), "headline") for n in range(len(headlines))
    ]
    for (_, data), headline in zip(forms, headlines, strict=True):
        data["headline"] = headline

    def saves(client: Client, data: dict[str, str]):
        def job(barrier: threading.Barrier) -> tuple[int, str]:
            barrier.wait()
            response = client.post(change_url(entry), data)
            return response.status_code, response.content.decode()

        return job

    results: list = parallel.run([saves(client, data) for client, data in forms])

    statuses = sorted(r[0] for r in results)
    assert statuses == [200, 200, 200, 302], statuses
    with parallel.reading():
        stored = Entry.objects.get(pk=entry.pk)
    winner = headlines[[r[0] for r in results].index(302)]
    assert (stored.headline, stored.version) == (winner, 2)
    for (status, page), headline in zip(results, headlines, strict=True):
        if status == 200:
            assert "Nothing was saved" in page
            assert f"{headline}</textarea>" in page  # what this editor typed is kept


@pytest.mark.django_db
def test_the_save_service_refuses_a_save_made_from_an_older_version_and_writes_nothing():
    entry = harbour_entry()
    mine, theirs = Entry.objects.get(pk=entry.pk), Entry.objects.get(pk=entry.pk)
    theirs.headline = "Harbour reopens to ferries"
    workflow.save_entry(theirs, user=None)

    mine.body = "Written from version 1."
    with pytest.raises(workflow.StaleSave):
        workflow.save_entry(mine, user=None)

    entry.refresh_from_db()
    assert (entry.headline, entry.body, entry.version) == (
        "Harbour reopens to ferries",
        "The harbour reopened.",
        2,
    )
    assert revisions(entry) == [(1, "found"), (2, "edit")]


# --- 2. approving a held change over a newer edit -----------------------------------------------


def pending_url(entry: Entry) -> str:
    return reverse("admin:events_entry_pending", args=[entry.pk])


def held_then_edited(reporter, editor, *, held: dict[str, str], edited: dict[str, str]):
    """A live entry (version 1); the reporter's change held on it; then the editor's own edit
    (version 2). Returns the entry and the editor's client."""
    entry = harbour_entry()
    rita = signed_in(reporter)
    assert rita.post(change_url(entry), form_for(entry, rita, **held)).status_code == 302
    alice = signed_in(editor)
    assert alice.post(change_url(entry), form_for(entry, alice, **edited)).status_code == 302
    entry.refresh_from_db()
    assert entry.version == 2 and PendingChange.objects.get(entry=entry).base_version == 1
    return entry, alice


@pytest.mark.django_db
def test_approving_a_held_change_to_a_field_edited_since_is_refused_and_replaces_nothing(
    reporter, editor_member
):
    entry, alice = held_then_edited(
        reporter,
        editor_member,
        held={"body": "Reporter: the harbour reopened on Tuesday."},
        edited={"body": "Editor: the harbour reopened on Wednesday."},
    )

    response = alice.post(pending_url(entry), {"approve": "1"}, follow=True)

    assert response.status_code == 200
    shown = " ".join(str(m) for m in response.context["messages"])
    assert "both changed its body" in shown and "Nothing was approved" in shown
    entry.refresh_from_db()
    assert entry.body == "Editor: the harbour reopened on Wednesday." and entry.version == 2
    assert PendingChange.objects.filter(entry=entry).exists()  # the held change stays


@pytest.mark.django_db
def test_approving_a_held_change_merges_it_with_an_edit_of_other_fields_made_since(
    reporter, editor_member
):
    entry, alice = held_then_edited(
        reporter,
        editor_member,
        held={"headline": "Harbour reopens on Tuesday", "tags": "Harbours, Ferries"},
        edited={"body": "Editor: the harbour reopened.", "tags": "Harbours, Ports"},
    )

    alice.post(pending_url(entry), {"approve": "1"})

    entry.refresh_from_db()
    assert entry.headline == "Harbour reopens on Tuesday"
    assert entry.body == "Editor: the harbour reopened."
    assert sorted(entry.tags.names()) == ["Ferries", "Harbours", "Ports"]
    assert entry.version == 3 and not PendingChange.objects.filter(entry=entry).exists()
    event = AuditEvent.objects.get(entry=entry, action="approve")
    assert "made from version 1" in event.detail


# --- 4. the first revision --------------------------------------------------------------------


def imported_entry() -> Entry:
    """An entry as the JSON Lines import leaves it: version 1, no revision."""
    import io

    from interchange.jsonlines import export_entries, import_lines

    harbour_entry()
    out = io.StringIO()
    export_entries(out)
    Entry.objects.all().delete()
    assert import_lines(out.getvalue().splitlines()).entries_created == 1
    entry = Entry.objects.get()
    assert (entry.version, entry.revisions.count()) == (1, 0)
    return entry


def revisions(entry: Entry) -> list[tuple[int, str]]:
    kept = EntryRevision.objects.filter(entry=entry).order_by("entry_version")
    return [(r.entry_version, r.action) for r in kept]


@pytest.mark.django_db
def test_an_imported_entrys_first_desk_edit_keeps_its_state_before_as_revision_1(
    editor_member,
):
    entry = imported_entry()
    client = signed_in(editor_member)

    # A bulk action from the list: the entry's change page is never opened.
    client.post(
        reverse("admin:events_entry_changelist"),
        {"action": "move_to_draft", "_selected_action": [entry.pk]},
    )

    assert revisions(entry) == [(1, "found"), (2, "unpublish")]
    first = EntryRevision.objects.get(entry=entry, entry_version=1).snapshot
    assert (first["headline"], first["status"]) == ("Harbour reopens", "published")
    page = client.get(reverse("admin:events_entry_revisions", args=[entry.pk]))
    assert [r.entry_version for r in page.context["revisions"]] == [2, 1]


@pytest.mark.django_db
def test_a_correction_to_an_imported_entry_keeps_the_original_text_as_revision_1(editor_member):
    from desk.corrections import add_correction

    entry = imported_entry()

    add_correction(
        entry, kind="correction", note="It reopened.", user=editor_member, headline="Reopened"
    )

    assert revisions(entry) == [(1, "found"), (2, "correct")]
    first = EntryRevision.objects.get(entry=entry, entry_version=1).snapshot
    assert first["headline"] == "Harbour reopens"
    assert first["sources"][0]["url"] == "https://example.com/harbour"


@pytest.mark.django_db
def test_a_reporters_held_change_to_an_imported_entry_keeps_the_version_it_was_made_from(
    reporter,
):
    entry = imported_entry()
    rita = signed_in(reporter)
    data = form_for(entry, rita, headline="Harbour reopens at last")
    EntryRevision.objects.all().delete()  # as if the page had been opened before any was kept

    rita.post(change_url(entry), data)

    assert revisions(entry) == [(1, "found")]
    assert PendingChange.objects.get(entry=entry).base_version == 1


@pytest.mark.django_db
def test_a_new_entry_saved_on_the_desk_starts_at_version_1(editor_member):
    form = signed_in(editor_member).post(
        reverse("admin:events_entry_add"),
        {
            "event_date": "2014-02-19",
            "headline": "A new entry",
            "slug": "a-new-entry",
            "status": "draft",
            "citations-TOTAL_FORMS": "0",
            "citations-INITIAL_FORMS": "0",
            "citations-MIN_NUM_FORMS": "0",
            "citations-MAX_NUM_FORMS": "1000",
        },
    )
    assert form.status_code == 302
    entry = Entry.objects.get(slug="a-new-entry")
    assert entry.version == 1
    assert revisions(entry) == [(1, "create")]


# --- 5. restoring a revision of a live entry ----------------------------------------------------


def corrected_entry(editor) -> Entry:
    """A live entry (version 1), corrected in public (version 2)."""
    from desk.corrections import add_correction

    entry = harbour_entry()
    workflow.ensure_revision(entry, user=editor)
    add_correction(
        entry,
        kind="correction",
        note="The harbour reopened on Wednesday, not Tuesday.",
        user=editor,
        body="The harbour reopened on Wednesday.",
    )
    entry.refresh_from_db()
    return entry


def restore_url(entry: Entry, version: int) -> str:
    return reverse("admin:events_entry_revisions_restore", args=[entry.pk, version])


@pytest.mark.django_db
def test_restoring_a_corrected_live_entry_asks_for_a_note_and_restores_nothing_without_one(
    editor_member,
):
    entry = corrected_entry(editor_member)
    client = signed_in(editor_member)

    asked = client.get(restore_url(entry, 1)).content.decode()
    assert "Note to readers" in asked

    refused = client.post(restore_url(entry, 1), {"kind": "update", "note": "  "})

    assert refused.status_code == 200
    assert "readers are told in a public note" in refused.content.decode()
    entry.refresh_from_db()
    assert (entry.body, entry.version) == ("The harbour reopened on Wednesday.", 2)
    assert entry.corrections.count() == 1


@pytest.mark.django_db
def test_restoring_a_live_entrys_text_publishes_the_note_with_the_text_before_and_after(
    editor_member, client
):
    entry = corrected_entry(editor_member)
    editor = signed_in(editor_member)

    response = editor.post(
        restore_url(entry, 1),
        {"kind": "update", "note": "The earlier wording is back while we check the date."},
    )

    assert response.status_code == 302
    entry.refresh_from_db()
    assert (entry.body, entry.version) == ("The harbour reopened.", 3)
    note = entry.corrections.order_by("-created", "-id").first()
    assert (note.kind, note.note) == (
        "update",
        "The earlier wording is back while we check the date.",
    )
    assert (note.body_before, note.body_after) == (
        "The harbour reopened on Wednesday.",
        "The harbour reopened.",
    )
    assert "The earlier wording is back" in client.get(entry.get_absolute_url()).content.decode()
    event = AuditEvent.objects.get(entry=entry, action="restore")
    assert "Update: The earlier wording is back" in event.detail


@pytest.mark.django_db
def test_the_restore_service_refuses_a_live_entrys_text_without_a_note(editor_member):
    from desk import history

    entry = corrected_entry(editor_member)

    with pytest.raises(history.RestoreError, match="public note"):
        history.restore(
            entry, EntryRevision.objects.get(entry=entry, entry_version=1), user=editor_member
        )

    entry.refresh_from_db()
    assert entry.version == 2


@pytest.mark.django_db
def test_restoring_a_draft_needs_no_public_note(editor_member):
    from desk import history

    entry = harbour_entry()
    entry.status, entry.publish_at = Entry.Status.DRAFT, None
    workflow.save_entry(entry, user=editor_member)
    entry.body = "A second draft."
    workflow.save_entry(entry, user=editor_member)

    response = signed_in(editor_member).get(restore_url(entry, 2))
    assert response.context["note_form"] is None
    history.restore(
        entry, EntryRevision.objects.get(entry=entry, entry_version=2), user=editor_member
    )

    entry.refresh_from_db()
    assert (entry.body, entry.version, entry.corrections.count()) == ("The harbour reopened.", 4, 0)
