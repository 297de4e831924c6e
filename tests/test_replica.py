"""The read replica: anonymous readers' GETs read from "replica", everything else from "default".

Two real aliases: the test settings add "replica" as a test mirror of the default database (the
same test database through a connection of its own) and these tests turn the router on. Each
alias's queries are captured on its own connection, so a read sent to the wrong one shows.
Transactional tests: inside a transaction every read goes to the primary (as the router
promises), and the replica's connection sees only committed rows.
"""

import contextlib
import json
import os
import subprocess
import sys

import pytest
from django.core.management import call_command
from django.db import connections, router, transaction
from django.http import HttpResponse
from django.test.utils import CaptureQueriesContext
from django.urls import include, path

from events.models import Entry
from newsroom import process
from newsroom.routers import public_read
from tests.factories import EntryFactory
from tests.hardening_support import base_settings, refused_port, swapped_database
from tests.test_comments_posting import form_data


def _counts_entries(request):
    return HttpResponse(str(Entry.objects.count()))


# The admin's own pages read nothing for an anonymous visitor (they redirect to sign in), so a
# view under /admin/ that reads shows where an anonymous read there would go.
urlpatterns = [
    path("admin/count/", _counts_entries),
    path("", include("newsroom.urls")),
]

pytestmark = [
    pytest.mark.django_db(transaction=True, databases=["default", "replica"]),
    pytest.mark.urls(__name__),
    pytest.mark.entry(headline="Read from the replica", tags=["replicas"]),
]


@pytest.fixture(autouse=True)
def replica_router(settings):
    """The router as settings/base.py installs it when DATABASE_REPLICA_URL is set."""
    settings.DATABASE_ROUTERS = ["newsroom.routers.ReplicaRouter"]


@contextlib.contextmanager
def queries():
    """The SQL each alias ran during the block: {"default": [...], "replica": [...]}."""
    found: dict[str, list[str]] = {}
    with (
        CaptureQueriesContext(connections["default"]) as default,
        CaptureQueriesContext(connections["replica"]) as replica,
    ):
        yield found
    found["default"] = [q["sql"] for q in default.captured_queries]
    found["replica"] = [q["sql"] for q in replica.captured_queries]


# --- routing ---------------------------------------------------------------------------------


@pytest.mark.parametrize("method", ["get", "head"])
def test_an_anonymous_read_of_public_pages_reads_the_replica_only(client, entry, method):
    urls = [entry.get_absolute_url(), "/events/", "/tags/replicas/", "/sources/"]
    if method == "get":
        urls.append("/api/v1/entries/")  # (the API answers HEAD with 405)
    for url in urls:
        with queries() as sql:
            response = getattr(client, method)(url)
        assert response.status_code == 200, url
        assert sql["replica"], url
        assert sql["default"] == [], url


def test_a_signed_in_editor_reads_public_pages_from_the_primary(client, entry, editor):
    client.force_login(editor)
    with queries() as sql:
        response = client.get(entry.get_absolute_url())
    assert response.status_code == 200 and b"Read from the replica" in response.content
    assert sql["replica"] == []
    assert any("events_entry" in q for q in sql["default"])


def test_the_admin_reads_the_primary(client, entry, editor):
    client.force_login(editor)
    with queries() as sql:
        response = client.get("/admin/events/entry/")
    assert response.status_code == 200 and b"Read from the replica" in response.content
    assert sql["replica"] == [] and sql["default"]


def test_an_anonymous_read_under_the_admin_path_reads_the_primary(client, entry):
    with queries() as sql:
        response = client.get("/admin/count/")
    assert response.content == b"1"
    assert sql["replica"] == [] and sql["default"]


def test_the_changes_feed_reads_the_primary(client, entry):
    """A lagging replica could hand a mirror a cursor past a change it has not received."""
    with queries() as sql:
        response = client.get("/api/v1/changes/")
    assert response.status_code == 200
    assert sql["replica"] == [] and sql["default"]


def test_an_anonymous_comment_post_reads_and_writes_the_primary(client, entry):
    with queries() as sql:
        response = client.post(f"/comments/post/{entry.pk}/", form_data(entry))
    assert response.status_code == 302
    assert sql["replica"] == []
    assert any(q.startswith("INSERT") and "comments_comment" in q for q in sql["default"])


def test_a_public_read_inside_atomic_reads_the_primary(entry):
    with public_read():
        assert router.db_for_read(Entry) == "replica"
        with transaction.atomic(), queries() as sql:
            assert router.db_for_read(Entry) == "default"
            assert Entry.objects.get().headline == "Read from the replica"
        assert router.db_for_read(Entry) == "replica"
    assert sql["replica"] == [] and sql["default"]


def test_writes_go_to_the_primary_even_during_a_public_read(entry):
    with public_read(), queries() as sql:
        assert router.db_for_write(Entry) == "default"
        EntryFactory(headline="Written during a public read")
    assert sql["replica"] == []
    assert any(q.startswith("INSERT") and "events_entry" in q for q in sql["default"])


def test_management_commands_and_code_outside_requests_read_the_primary(entry, tmp_path):
    assert router.db_for_read(Entry) == "default"
    with queries() as sql:
        call_command("export_events", output=str(tmp_path / "entries.jsonl"))
    assert "Read from the replica" in (tmp_path / "entries.jsonl").read_text()
    assert sql["replica"] == [] and sql["default"]


def test_the_mark_of_a_public_read_ends_with_the_request(client, entry):
    assert client.get(entry.get_absolute_url()).status_code == 200
    assert router.db_for_read(Entry) == "default"


def test_rows_from_either_alias_may_be_related_and_only_the_primary_is_migrated(entry):
    from_replica = Entry.objects.using("replica").get()
    from_primary = Entry.objects.using("default").get()
    assert router.allow_relation(from_replica, from_primary) is True
    assert router.allow_migrate("default", "events", model_name="entry") is True
    assert router.allow_migrate("replica", "events", model_name="entry") is False


# --- settings --------------------------------------------------------------------------------


def test_database_replica_url_adds_a_replica_configured_like_the_primary(monkeypatch):
    monkeypatch.setattr(process, "role", process.WEB)
    with base_settings(
        DATABASE_URL="postgres://writer@primary.example:5432/newsroom",
        DATABASE_REPLICA_URL="postgres://reader@replica.example:5433/newsroom",
        DB_CONN_MAX_AGE="30",
        DB_CONNECT_TIMEOUT="3",
        DB_STATEMENT_TIMEOUT_MS="4000",
    ) as base:
        primary, replica = base.DATABASES["default"], base.DATABASES["replica"]
        routers = base.DATABASE_ROUTERS
    assert (replica["HOST"], replica["PORT"], replica["USER"]) == (
        "replica.example",
        5433,
        "reader",
    )
    assert replica["TEST"] == {"MIRROR": "default"}
    same = ("ENGINE", "CONN_MAX_AGE", "CONN_HEALTH_CHECKS", "OPTIONS")
    assert {key: replica[key] for key in same} == {key: primary[key] for key in same}
    assert (replica["CONN_MAX_AGE"], replica["CONN_HEALTH_CHECKS"]) == (30, True)
    assert replica["OPTIONS"] == {"connect_timeout": 3, "options": "-c statement_timeout=4000"}
    assert routers == ["newsroom.routers.ReplicaRouter"]


def test_without_database_replica_url_there_is_no_replica_and_every_read_is_the_primarys(
    tmp_path,
):
    """A process started as production would be, but without DATABASE_REPLICA_URL."""
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_REPLICA_URL"}
    env.update(
        DJANGO_SETTINGS_MODULE="newsroom.settings.dev",
        DATABASE_URL=f"sqlite:///{tmp_path / 'unused.sqlite3'}",
    )
    script = """
import json, django
django.setup()
from django.db import connections, router
from events.models import Entry
from newsroom.routers import ReplicaRouter, public_read
with public_read():
    reads = [router.db_for_read(Entry), ReplicaRouter().db_for_read(Entry)]
routers = [type(r).__name__ for r in router.routers]
print(json.dumps({"aliases": list(connections), "routers": routers, "reads": reads}))
"""
    result = subprocess.run(
        [sys.executable, "-c", script], env=env, capture_output=True, text=True, check=True
    )
    assert json.loads(result.stdout) == {
        "aliases": ["default"],
        "routers": [],
        "reads": ["default", "default"],
    }


# --- outages ---------------------------------------------------------------------------------


@contextlib.contextmanager
def replica_down():
    """The replica refusing connections, on this run's engine."""
    if connections["default"].vendor == "postgresql":
        with refused_port() as port, swapped_database("replica", HOST="127.0.0.1", PORT=str(port)):
            yield
    else:
        with swapped_database("replica", NAME="/nonexistent/newsroom/replica.sqlite3"):
            yield


def test_a_replica_that_is_down_is_a_503_for_readers_while_editors_work_on(
    client, entry, editor, caplog, settings, no_outage_left_over
):
    staff = type(client)()
    staff.force_login(editor)
    with replica_down():
        for _ in range(3):
            response = client.get(entry.get_absolute_url())
            assert response.status_code == 503
            assert response["Retry-After"] == str(settings.OUTAGE_RETRY_AFTER)
            assert b"Please try again in a moment." in response.content
            # The editor reads the primary: served, and the replica's outage is not over.
            assert staff.get(entry.get_absolute_url()).status_code == 200
    assert client.get(entry.get_absolute_url()).status_code == 200
    log = [r.message for r in caplog.records if r.name == "newsroom.outages"]
    assert len(log) == 2, log
    assert log[0].startswith("Database (replica) unavailable: OperationalError")
    assert log[1].startswith("Database (replica) back after")
