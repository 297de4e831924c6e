"""Two app servers (gunicorn) on PostgreSQL and a Redis of this test's own: a write the cache
missed reaches every reader within 10 s.

The in-process version of these cases is tests/test_durable_invalidation.py; here the editor's
write, the command and the readers are separate processes, as in production: the server that
takes the write is not the one that serves the reader, so only the other processes' periodic
check (PAGE_INVALIDATION_CHECK_SECONDS, 5 s by default) can apply the invalidation.
"""

import datetime
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.conf import settings

from events.models import Entry
from reading.models import PageInvalidation
from tests.factories import EntryFactory
from tests.hardening_support import redis_server
from tests.test_two_servers import (
    Browser,
    database_url,
    gunicorn_servers,
    make_editor,
    sign_in,
)

ROOT = Path(__file__).resolve().parent.parent
BOUND_SECONDS = 10

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        os.environ.get("DATABASE_URL", "").split(":")[0] not in ("postgres", "postgresql"),
        reason="two servers share one database: PostgreSQL only",
    ),
]


def server_env(**extra: str) -> dict[str, str]:
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "newsroom.settings.dev",
        "DEBUG": "0",
        "SECRET_KEY": settings.SECRET_KEY,
        "ALLOWED_HOSTS": "127.0.0.1",
        "DATABASE_URL": database_url(),
        "GUNICORN_ACCESS_LOG": "",
        **extra,
    }
    if "REDIS_URL" not in extra:
        env.pop("REDIS_URL", None)
    return env


@pytest.fixture
def redis():
    with redis_server() as server:
        yield server


@pytest.fixture
def servers(redis):
    def env_for(port: int) -> dict[str, str]:
        return server_env(
            REDIS_URL=redis.url,
            CACHE_RETRY_SECONDS="2",
            GUNICORN_BIND=f"127.0.0.1:{port}",
            WEB_CONCURRENCY="2",
        )

    with gunicorn_servers(env_for) as urls:
        yield urls


def answers_for(url: str, seconds: float) -> list[tuple[float, int, str]]:
    """(time since the start, status, body) of a new anonymous reader's GETs for `seconds`."""
    started, seen = time.monotonic(), []
    while (elapsed := time.monotonic() - started) < seconds:
        status, body = Browser().request(url)
        seen.append((elapsed, status, body))
        time.sleep(0.2)
    return seen


def test_an_entry_unpublished_while_redis_hangs_is_404_on_the_other_server_within_10_s(
    servers, redis, django_user_model
):
    one, two = servers
    make_editor(django_user_model, "chief", "pw-chief-1")
    entry = EntryFactory(headline="Withdrawn for legal reasons")
    url = f"{two}{entry.get_absolute_url()}"
    for _ in range(2):  # the second answer comes from the shared page cache
        assert Browser().request(url)[0] == 200
    editor = Browser()
    sign_in(editor, one, "chief", "pw-chief-1")

    redis.pause()
    try:
        status, _ = editor.request(
            f"{one}/admin/events/entry/",
            {
                "action": "move_to_draft",
                "_selected_action": str(entry.pk),
                "csrfmiddlewaretoken": editor.cookies["csrftoken"],
            },
        )
        assert status == 302
        assert Entry.objects.get(pk=entry.pk).status == Entry.Status.DRAFT
        assert PageInvalidation.objects.exists()  # the bump after the commit did not get through
    finally:
        redis.resume()

    seen = answers_for(url, BOUND_SECONDS + 1)
    late = [status for elapsed, status, _ in seen if elapsed >= BOUND_SECONDS]
    assert late and set(late) == {404}, [(round(t, 1), status) for t, status, _ in seen]


def test_a_correction_by_a_command_without_redis_is_served_within_10_s(servers, django_user_model):
    _, two = servers
    make_editor(django_user_model, "chief", "pw-chief-1")
    entry = EntryFactory(
        headline="Talks resume on Monday", slug="talks", event_date=datetime.date(2014, 2, 19)
    )
    url = f"{two}{entry.get_absolute_url()}"
    for _ in range(2):
        assert "Talks resume on Monday" in Browser().request(url)[1]

    subprocess.run(
        [
            *(sys.executable, "manage.py", "correct_entry", "2014-02-19/talks", "--as", "chief"),
            *("--note", "The talks resumed on Tuesday.", "--headline", "Talks resume on Tuesday"),
        ],
        cwd=ROOT,
        env=server_env(),  # no REDIS_URL: the command's cache is its own memory
        check=True,
        capture_output=True,
    )

    seen = answers_for(url, BOUND_SECONDS + 1)
    late = [
        "Talks resume on Tuesday" in body for elapsed, _, body in seen if elapsed >= BOUND_SECONDS
    ]
    assert late and all(late), [(round(t, 1), "Tuesday" in body) for t, _, body in seen]
