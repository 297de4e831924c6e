"""A database outage is a 503 in the site's layout, a few log lines, and over without a restart.

The default connection is pointed at a real server that is down (a refused port, or a SQLite file
that cannot be opened) or hung (a port that accepts and never answers); nothing is mocked.
"""

import logging
import time

import pytest
from django.db import connection
from django.http import HttpResponse
from django.test import Client
from django.urls import include, path

from newsroom.cache import strict_cache
from newsroom.urls import handler500  # noqa: F401 (this URLconf answers errors as the site's does)
from tests.factories import EntryFactory
from tests.hardening_support import base_settings, default_database, refused_port, silent_server


def _writes_the_session(request):
    # The view itself needs no database; SessionMiddleware saves the session afterwards.
    request.session["seen"] = True
    return HttpResponse("ok")


def _counts_in_the_cache_strictly(request):
    strict_cache().add("strict-counter", 0)
    return HttpResponse("counted")


def _fails(request):
    raise RuntimeError("a bug, not an outage")


def _sleeps_in_postgresql(request):
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_sleep(3)")
    return HttpResponse("slept")


urlpatterns = [
    path("test/session/", _writes_the_session),
    path("test/strict-cache/", _counts_in_the_cache_strictly),
    path("test/sleep/", _sleeps_in_postgresql),
    path("test/fails/", _fails),
    path("", include("newsroom.urls")),
]

pytestmark = [
    pytest.mark.urls(__name__),
    pytest.mark.usefixtures("no_outage_left_over"),
    pytest.mark.entry(headline="Database outage drill", tags=["drills"]),
]

on_postgresql = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="PostgreSQL statement timeout (the PostgreSQL pass)"
)


def database_down():
    """The default database refusing connections, on this run's engine."""
    if connection.vendor == "postgresql":
        port_context = refused_port()
        port = port_context.__enter__()
        return _chained(port_context, default_database(HOST="127.0.0.1", PORT=str(port)))
    return default_database(NAME="/nonexistent/newsroom/db.sqlite3")


class _chained:
    def __init__(self, outer, inner):
        self.outer, self.inner = outer, inner

    def __enter__(self):
        return self.inner.__enter__()

    def __exit__(self, *exc):
        self.inner.__exit__(*exc)
        self.outer.__exit__(*exc)


def outage_log(caplog) -> list[str]:
    return [r.message for r in caplog.records if r.name == "newsroom.outages"]


def request_log(caplog) -> list[logging.LogRecord]:
    return [r for r in caplog.records if r.name == "django.request"]


def assert_outage_page(response, settings):
    assert response.status_code == 503
    assert response["Retry-After"] == str(settings.OUTAGE_RETRY_AFTER)
    page = response.content.decode()
    assert 'class="masthead"' in page and "/static/css/site.css" in page  # the site's layout
    assert "Please try again in a moment." in page


def test_public_pages_answer_503_during_an_outage_with_one_log_line(
    client, entry, caplog, settings
):
    urls = ["/", entry.get_absolute_url(), "/events/", "/tags/drills/", "/sources/", "/2014/"]
    with database_down():
        for url in urls * 5:
            assert_outage_page(client.get(url), settings)
    assert len(outage_log(caplog)) == 1, outage_log(caplog)
    assert outage_log(caplog)[0].startswith("Database unavailable: OperationalError")
    assert request_log(caplog) == []  # no "Service Unavailable" line, no traceback per request


def test_service_resumes_without_a_restart_and_says_so_once(client, entry, caplog):
    with database_down():
        assert client.get(entry.get_absolute_url()).status_code == 503
    response = client.get(entry.get_absolute_url())
    assert response.status_code == 200 and b"Database outage drill" in response.content
    assert client.get("/").status_code == 200
    messages = outage_log(caplog)
    assert len(messages) == 2 and messages[1].startswith("Database back after"), messages


def test_error_raised_by_a_middleware_is_a_503_too(entry, caplog, settings):
    client = Client(raise_request_exception=False)
    with database_down():
        response = client.get("/test/session/")
    assert_outage_page(response, settings)
    assert len(outage_log(caplog)) == 1 and request_log(caplog) == []


def test_other_server_errors_stay_500_and_are_logged_as_before(caplog):
    response = Client(raise_request_exception=False).get("/test/fails/")
    assert response.status_code == 500 and b"Something went wrong" in response.content
    assert outage_log(caplog) == []
    assert [r.levelname for r in request_log(caplog)] == ["ERROR"]


def test_cache_unavailable_from_a_strict_operation_is_a_503(client, settings, caplog):
    """What the comment form gets when its rate limit cannot be counted: fail closed."""
    with refused_port() as port:
        settings.CACHES = {
            "default": {
                "BACKEND": "newsroom.cache.ResilientRedisCache",
                "LOCATION": f"redis://127.0.0.1:{port}/0",
                "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5},
            }
        }
        for _ in range(3):
            assert_outage_page(client.get("/test/strict-cache/"), settings)
    assert [m.split(":")[0] for m in outage_log(caplog)] == ["Cache (Redis) unavailable"]


def test_a_hung_postgresql_answers_503_within_the_connect_timeout(client, entry, settings):
    """libpq's connect_timeout (DB_CONNECT_TIMEOUT; 2 s is its minimum) bounds the wait."""
    with (
        silent_server() as port,
        base_settings(
            DATABASE_URL=f"postgres://postgres@127.0.0.1:{port}/newsroom", DB_CONNECT_TIMEOUT="2"
        ) as base,
    ):
        hung = base.DATABASES["default"]
        assert hung["OPTIONS"]["connect_timeout"] == 2
        with default_database(**hung):
            started = time.monotonic()
            assert_outage_page(client.get(entry.get_absolute_url()), settings)
            elapsed = time.monotonic() - started
    assert 1.5 < elapsed < 4, elapsed


@on_postgresql
def test_statement_timeout_of_web_requests_cancels_a_slow_query_with_a_503(
    client, db, settings, monkeypatch
):
    from newsroom import process

    monkeypatch.setattr(process, "role", process.WEB)
    with base_settings(DB_STATEMENT_TIMEOUT_MS="300") as base:
        web = base.DATABASES["default"]
    real = connection.settings_dict
    with default_database(**{**web, "NAME": real["NAME"], "OPTIONS": web["OPTIONS"]}):
        started = time.monotonic()
        assert_outage_page(client.get("/test/sleep/"), settings)
        assert time.monotonic() - started < 2


def test_healthz_answers_without_the_database(client, db):
    with database_down():
        response = client.get("/healthz")
    assert response.status_code == 200 and response.json() == {"status": "ok"}


def test_readyz_is_200_when_the_database_and_cache_answer(client, db):
    response = client.get("/readyz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "checks": {"database": "ok", "cache": "ok"}}


def test_readyz_is_503_naming_the_database_when_it_is_down(client, db):
    with database_down():
        response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json()["checks"] == {"database": "error: OperationalError", "cache": "ok"}


def test_readyz_is_503_naming_the_cache_when_redis_is_down(client, db, settings):
    with refused_port() as port:
        settings.CACHES = {
            "default": {
                "BACKEND": "newsroom.cache.ResilientRedisCache",
                "LOCATION": f"redis://127.0.0.1:{port}/0",
                "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5},
            }
        }
        response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json()["checks"] == {"database": "ok", "cache": "error: CacheUnavailable"}


@pytest.mark.django_db
def test_comment_post_fails_closed_with_a_503_when_the_rate_limit_cannot_be_counted(
    client, settings
):
    from comments.models import Comment
    from tests.test_comments_posting import form_data

    entry = EntryFactory()
    with refused_port() as port:
        redis = {
            "BACKEND": "newsroom.cache.ResilientRedisCache",
            "LOCATION": f"redis://127.0.0.1:{port}/0",
            "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5},
        }
        settings.CACHES = {"default": redis, "counters": {**redis, "FAIL_CLOSED": True}}
        response = client.post(f"/comments/post/{entry.pk}/", form_data(entry))
        # The page still shows: only the write that needs the counters is refused.
        page = client.get(entry.get_absolute_url())
    assert_outage_page(response, settings)
    assert not Comment.objects.exists()
    assert page.status_code == 200
