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
from tests.factories import CitationFactory, EntryFactory, SourceFactory
from tests.hardening_support import default_database
from tests.test_desk_workflow import change_url, form_for, member

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
            except Exception as error:  # noqa: BLE001  (reported by the test, not swallowed)
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
