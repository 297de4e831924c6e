"""Live updates over real servers: two gunicorns with the production worker class (ASGI) on one
PostgreSQL database. An editor publishes, corrects and withdraws through server one's desk; a
reader's stream on server two hears it, and a reader who comes back with Last-Event-ID gets
exactly what was missed. PostgreSQL only (CI has it); skipped elsewhere, saying so.
"""

import concurrent.futures
import contextlib
import dataclasses
import os
import subprocess
import sys
import time
import urllib.error
import urllib.request

import pytest
from django.conf import settings
from django.db import connection

from desk import workflow
from desk.snapshots import snapshot_of
from events.models import Entry
from stories import services as stories
from stories.models import Story
from tests.factories import EntryFactory
from tests.hardening_support import free_port, wait_for_url
from tests.live_support import Message, Stream
from tests.test_two_servers import (
    ROOT,
    Browser,
    database_url,
    gunicorn_servers,
    make_editor,
    sign_in,
)

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        os.environ.get("DATABASE_URL", "").split(":")[0] not in ("postgres", "postgresql"),
        reason="two servers share one database: PostgreSQL only",
    ),
]

APP_NAME = "newsroom-live-test"  # the servers' PostgreSQL application_name, to count them


def server_env(port: int, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in {"DJANGO_ALLOW_ASYNC_UNSAFE"}}
    env.pop("REDIS_URL", None)  # the change log alone carries updates across servers
    return {
        **env,
        "DJANGO_SETTINGS_MODULE": "newsroom.settings.dev",
        "DEBUG": "0",
        "SECRET_KEY": settings.SECRET_KEY,
        "ALLOWED_HOSTS": "127.0.0.1",
        "DATABASE_URL": f"{database_url()}?application_name={APP_NAME}",
        "GUNICORN_BIND": f"127.0.0.1:{port}",
        "WEB_CONCURRENCY": "1",
        "GUNICORN_ACCESS_LOG": "",
        "LIVE_POLL_SECONDS": "0.2",
        "LIVE_HEARTBEAT_SECONDS": "1",
        "LIVE_IDLE_SECONDS": "120",
        **extra,
    }


@pytest.fixture
def servers():
    with gunicorn_servers(server_env) as urls:
        yield urls


def start_server(port: int, **extra: str) -> subprocess.Popen:
    """The production command on `port`; returns once it answers."""
    process = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "-c", "newsroom/gunicorn.conf.py", "newsroom.asgi"],
        cwd=ROOT,
        env=server_env(port, **extra),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    wait_for_url(f"http://127.0.0.1:{port}/robots.txt")
    return process


@contextlib.contextmanager
def one_server(**extra: str):
    port = free_port()
    process = start_server(port, **extra)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        process.terminate()
        process.wait(timeout=30)


@pytest.fixture
def floods():
    """A developing story readers can see (one live entry), and two drafts written for it."""
    live = EntryFactory(headline="River rises", slug="river-rises", story="Kestrel floods")
    story = Story.objects.get(slug="kestrel-floods")
    story.status = Story.Status.DEVELOPING
    story.save()
    drafts = []
    for n in range(3):
        draft = EntryFactory(headline=f"Levee update {n}", slug=f"levee-{n}", draft=True)
        stories.set_story(draft, story)
        drafts.append(draft)
    return story, live, drafts


@pytest.fixture
def editor(django_user_model):
    return make_editor(django_user_model, "chief", "pw-chief-1")


def desk_action(desk: Browser, base: str, action: str, entry: Entry) -> None:
    status, _ = desk.request(
        f"{base}/admin/events/entry/",
        {
            "action": action,
            "_selected_action": str(entry.pk),
            "csrfmiddlewaretoken": desk.cookies["csrftoken"],
        },
    )
    assert status == 302


def signed_in_desk(base: str) -> Browser:
    desk = Browser()
    sign_in(desk, base, "chief", "pw-chief-1")
    return desk


def opened(base: str, path: str, **kwargs) -> Stream:
    stream = Stream(f"{base}{path}", **kwargs)
    assert stream.status == 200, getattr(stream, "body", "")
    # The first heartbeat proves the stream is open and registered before anything is done.
    assert stream.next(skip_comments=False).comment == "heartbeat"
    return stream


def test_a_publish_through_one_server_reaches_a_stream_on_the_other_and_a_reader_who_reconnects_gets_exactly_what_was_missed(  # noqa: E501
    servers, floods, editor
):
    one, two = servers
    story, _, (first, second, third) = floods
    desk = signed_in_desk(one)
    reader = opened(two, f"/stories/{story.slug}/live/")
    desk_action(desk, one, "publish_now", first)
    event = reader.next()
    assert (event.event, event.json["entry"]) == ("new", first.pk)
    assert "Levee update 0" in event.json["html"] and event.json["story"] == story.slug
    assert event.id
    reader.close()

    desk_action(desk, one, "publish_now", second)
    desk_action(desk, one, "publish_now", third)
    back = Stream(f"{two}/stories/{story.slug}/live/", last_event_id=event.id)
    missed = back.events(2)
    assert [(m.event, m.json["entry"]) for m in missed] == [
        ("new", second.pk),
        ("new", third.pk),
    ]
    # Nothing else was missed: next comes the heartbeat, then nothing but heartbeats.
    assert back.next(skip_comments=False).comment == "heartbeat"
    back.close()
    # The query-string form (a script reopening after an idle end) replays the same, on server one.
    again = Stream(f"{one}/stories/{story.slug}/live/?last-event-id={event.id}")
    assert [m.json["entry"] for m in again.events(2)] == [second.pk, third.pk]
    again.close()


def test_a_correction_arrives_as_an_edit_with_its_note_and_a_withdrawal_as_withdrawn(
    servers, floods, editor
):
    one, two = servers
    story, live, _ = floods
    desk = signed_in_desk(one)
    reader = opened(two, f"/stories/{story.slug}/live/")
    home = opened(two, "/live/")
    status, _ = desk.request(
        f"{one}/admin/events/entry/{live.pk}/correct/",
        {
            "kind": "correction",
            "note": "The river rose two metres, not three.",
            "headline": "River rises two metres",
            "body": live.body,
            "csrfmiddlewaretoken": desk.cookies["csrftoken"],
        },
    )
    assert status == 302
    edits = [reader.next() for _ in range(2)]  # the text's update and the correction's note
    assert {m.event for m in edits} == {"edit"}
    assert all(m.json["entry"] == live.pk for m in edits)
    noted = [m.json for m in edits if m.json.get("note")]
    assert noted and noted[0]["note"] == "The river rose two metres, not three."
    assert "River rises two metres" in noted[0]["html"]
    assert "The river rose two metres, not three." in noted[0]["html"]  # shown with the card
    assert home.next().json["entry"] == live.pk  # the home page hears it too

    desk_action(desk, one, "move_to_draft", live)
    gone = reader.next()
    while gone.event == "edit":  # the home stream may still be catching up; the story's not
        gone = reader.next()
    assert (gone.event, gone.json) == ("withdrawn", {"entry": live.pk})
    reader.close()
    home.close()


def test_an_update_waiting_for_review_or_held_sends_nothing(servers, floods, editor):
    one, two = servers
    story, live, (in_review, to_publish, _) = floods
    reader = opened(two, f"/stories/{story.slug}/live/")
    in_review.status = Entry.Status.REVIEW
    in_review.save()
    held = dataclasses.replace(snapshot_of(live), headline="Unreviewed headline")
    workflow.hold_change(live, held, user=editor)
    # The next thing readers hear is the entry published after them: nothing came before it.
    desk_action(signed_in_desk(one), one, "publish_now", to_publish)
    event = reader.next()
    assert (event.event, event.json["entry"]) == ("new", to_publish.pk)
    assert "Unreviewed headline" not in event.json["html"]
    reader.close()


def test_the_stream_is_never_cached_or_compressed_and_refuses_cleanly(servers, floods):
    one, _ = servers
    story, _, _ = floods
    stream = opened(one, f"/stories/{story.slug}/live/", headers={"Accept-Encoding": "gzip"})
    assert stream.headers["Content-Type"] == "text/event-stream; charset=utf-8"
    assert stream.headers["Cache-Control"] == "no-cache"
    assert stream.headers["X-Accel-Buffering"] == "no"
    assert "Content-Encoding" not in stream.headers and "ETag" not in stream.headers
    stream.close()

    EntryFactory(headline="Secret", draft=True, story="Unannounced")
    assert Story.objects.filter(slug="unannounced").exists()
    assert Stream(f"{one}/stories/unannounced/live/").status == 404
    assert Stream(f"{one}/stories/no-such-story/live/").status == 404
    bad = Stream(f"{one}/live/", last_event_id="not-a-cursor")
    assert bad.status == 400 and "Last-Event-ID" in bad.body
    assert Stream(f"{one}/live/?last-event-id=%00%ff").status == 400

    story.status = Story.Status.CONCLUDED
    story.save()
    assert Stream(f"{one}/stories/{story.slug}/live/").status == 204  # EventSource stops


def test_a_concluded_story_ends_its_open_streams(servers, floods):
    one, _ = servers
    story, _, _ = floods
    reader = opened(one, f"/stories/{story.slug}/live/")
    stories.close(Story.objects.get(pk=story.pk))
    message = reader.next()
    assert message.event == "concluded"
    assert reader.next().ended


def test_a_quiet_stream_sends_heartbeats_and_ends_when_idle(floods):
    story, _, _ = floods
    with one_server(LIVE_IDLE_SECONDS="3") as url:
        stream = Stream(f"{url}/stories/{story.slug}/live/")
        assert stream.status == 200
        messages: list[Message] = []
        while not (messages and messages[-1].ended):
            messages.append(stream.next(skip_comments=False))
        assert "heartbeat" in [m.comment for m in messages]
        assert messages[-2].event == "idle" and messages[-1].ended


def test_open_streams_are_capped_per_process_and_freed_when_readers_leave(floods):
    story, _, _ = floods
    with one_server(LIVE_MAX_STREAMS="2") as url:
        path = f"{url}/stories/{story.slug}/live/"
        held = [opened(url, f"/stories/{story.slug}/live/") for _ in range(2)]
        busy = Stream(path)
        assert busy.status == 503 and busy.headers["Retry-After"] == "5"
        for stream in held:
            stream.close()
        # The server notices the readers left (Django cancels their streams): room again.
        deadline = time.monotonic() + 30
        while (stream := Stream(path)).status == 503:
            assert time.monotonic() < deadline, "closed streams were never let go"
            time.sleep(0.2)
        assert stream.status == 200
        stream.close()


def test_open_streams_hold_no_database_connection(floods):
    story, _, _ = floods
    with one_server() as url:
        streams = [opened(url, f"/stories/{story.slug}/live/") for _ in range(30)]
        urllib.request.urlopen(f"{url}/stories/{story.slug}/", timeout=30).read()
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE application_name = %s", [APP_NAME]
            )
            (count,) = cursor.fetchone()
        # The hub's one connection and a page request's, not one per stream.
        assert count <= 3, f"{count} connections for 30 streams"
        for stream in streams:
            stream.close()


def server_connections() -> set[int]:
    """The backend pids of the server's PostgreSQL connections."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pid FROM pg_stat_activity WHERE application_name = %s", [APP_NAME])
        return {pid for (pid,) in cursor.fetchall()}


def fetch_pages(url: str, paths: list[str], *, parallel: int = 8) -> None:
    def fetch(path: str) -> bytes:
        return urllib.request.urlopen(url + path, timeout=30).read()

    with concurrent.futures.ThreadPoolExecutor(parallel) as pool:
        assert all(pool.map(fetch, paths))


def test_pages_under_asgi_reuse_their_threads_database_connections(floods):
    """Every page but the streams runs on one of ASGI_THREADS threads per worker, each keeping
    its connection from one request to the next, as a WSGI worker's would: no connect per
    request, and never more connections than threads."""
    story, live, _ = floods
    paths = ["/", "/events/", f"/stories/{story.slug}/", live.get_absolute_url()] * 15
    with one_server(ASGI_THREADS="2") as url:
        fetch_pages(url, paths)
        first = server_connections()
        fetch_pages(url, paths)
        assert 1 <= len(first) <= 2, f"{len(first)} connections for 2 threads"
        assert server_connections() == first  # the same connections, not new ones


def test_the_stream_needs_the_asgi_worker(floods):
    """Under the WSGI worker the pages work and the stream says 204 (EventSource stops)."""
    story, _, _ = floods
    port = free_port()
    env = server_env(port, GUNICORN_WORKER_CLASS="sync")
    process = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "-c", "newsroom/gunicorn.conf.py", "newsroom.wsgi"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        url = f"http://127.0.0.1:{port}"
        wait_for_url(f"{url}/robots.txt")
        with urllib.request.urlopen(f"{url}/stories/{story.slug}/live/", timeout=10) as response:
            assert response.status == 204
        with urllib.request.urlopen(f"{url}/stories/{story.slug}/", timeout=30) as response:
            assert response.status == 200
    except urllib.error.HTTPError as error:
        raise AssertionError(error) from None
    finally:
        process.terminate()
        process.wait(timeout=30)


def test_a_server_shutting_down_ends_its_streams_rather_than_waiting_on_them(floods):
    """gunicorn's graceful_timeout is 30 s: a worker still waiting on a stream by then is
    killed. Ending the streams lets it stop at once; readers reconnect elsewhere and replay."""
    story, _, _ = floods
    port = free_port()
    process = start_server(port)
    try:
        stream = opened(f"http://127.0.0.1:{port}", f"/stories/{story.slug}/live/")
        process.terminate()
        assert stream.next().ended
        assert process.wait(timeout=20) == 0
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
