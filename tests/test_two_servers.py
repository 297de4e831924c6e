"""Two app servers (gunicorn) on one PostgreSQL database and one Redis behave as one site.

Starts two gunicorn instances on different ports with REDIS_URL set (so the shared page cache
and the comment rate limit live in Redis), and checks what a load balancer in front of them
needs: a publish through one is visible through the other at once, the comment rate limit holds
across both, and a signed-in session works on both. PostgreSQL and the Redis at 127.0.0.1:6379
only (CI has both); skipped elsewhere.
"""

import contextlib
import http.cookies
import os
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

from comments.forms import make_form_token
from comments.models import Comment
from tests.factories import EntryFactory
from tests.hardening_support import free_port, require_redis

ROOT = Path(__file__).resolve().parent.parent
REDIS_URL = "redis://127.0.0.1:6379/9"  # a database of its own, emptied before the servers start

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        os.environ.get("DATABASE_URL", "").split(":")[0] not in ("postgres", "postgresql"),
        reason="two servers share one database: PostgreSQL only",
    ),
]


def shared_redis():
    """The real Redis (as in CI); with none, the test fails saying so (never a skip)."""
    import redis

    require_redis()
    return redis.Redis.from_url(REDIS_URL)


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


class Browser:
    """A cookie-keeping HTTP client that does not follow redirects."""

    def __init__(self):
        self.cookies: dict[str, str] = {}
        self.opener = urllib.request.build_opener(NoRedirect)

    def request(self, url: str, data: dict | None = None) -> tuple[int, str]:
        body = urllib.parse.urlencode(data).encode() if data is not None else None
        request = urllib.request.Request(url, data=body)
        if self.cookies:
            request.add_header("Cookie", "; ".join(f"{k}={v}" for k, v in self.cookies.items()))
        try:
            response = self.opener.open(request, timeout=30)
        except urllib.error.HTTPError as error:
            response = error
        for header in response.headers.get_all("Set-Cookie") or []:
            for name, morsel in http.cookies.SimpleCookie(header).items():
                self.cookies[name] = morsel.value
        return response.status, response.read().decode()


def database_url() -> str:
    """This test run's PostgreSQL database, as a DATABASE_URL for the servers."""
    db = connection.settings_dict
    password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
    return (
        f"postgres://{db['USER']}{password}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}"
        f"/{db['NAME']}"
    )


@contextlib.contextmanager
def gunicorn_servers(
    env_for: Callable[[int], dict[str, str]], count: int = 2
) -> Iterator[list[str]]:
    """`count` gunicorn servers, each started with env_for(its port); yields their URLs once
    every one answers, and stops them after."""
    started, urls = [], []
    for _ in range(count):
        port = free_port()
        env = env_for(port)
        started.append(
            subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "gunicorn",
                    "-c",
                    "newsroom/gunicorn.conf.py",
                    "newsroom.asgi",
                ],
                cwd=ROOT,
                env=env,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
        )
        urls.append(f"http://127.0.0.1:{port}")
    try:
        for url in urls:
            deadline = time.time() + 60
            while True:
                try:
                    urllib.request.urlopen(f"{url}/robots.txt", timeout=5).read()
                    break
                except OSError:
                    if time.time() > deadline:
                        raise
                    time.sleep(0.3)
        yield urls
    finally:
        for process in started:
            process.terminate()
        for process in started:
            process.wait(timeout=30)


@pytest.fixture
def servers():
    shared_redis().flushdb()

    def env_for(port: int) -> dict[str, str]:
        return {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "newsroom.settings.dev",
            "DEBUG": "0",
            "SECRET_KEY": settings.SECRET_KEY,  # the form stamps made here must verify there
            "ALLOWED_HOSTS": "127.0.0.1",
            "DATABASE_URL": database_url(),
            "REDIS_URL": REDIS_URL,
            "GUNICORN_BIND": f"127.0.0.1:{port}",
            "WEB_CONCURRENCY": "2",
            "GUNICORN_ACCESS_LOG": "",
        }

    with gunicorn_servers(env_for) as urls:
        yield urls


def make_editor(django_user_model, username: str, password: str):
    """A superuser whose password the servers can check (their hashers, not the tests' MD5)."""
    from django.contrib.auth.hashers import PBKDF2PasswordHasher

    user = django_user_model.objects.create_superuser(username, f"{username}@example.com")
    user.password = PBKDF2PasswordHasher().encode(password, "twoservers", iterations=1000)
    user.save(update_fields=["password"])
    return user


def sign_in(browser: Browser, base: str, username: str, password: str) -> None:
    browser.request(f"{base}/admin/login/")
    status, _ = browser.request(
        f"{base}/admin/login/?next=/admin/",
        {
            "username": username,
            "password": password,
            "csrfmiddlewaretoken": browser.cookies["csrftoken"],
            "next": "/admin/",
        },
    )
    assert status == 302 and "sessionid" in browser.cookies


def test_publish_through_one_server_is_visible_through_the_other_at_once(
    servers, django_user_model
):
    one, two = servers
    make_editor(django_user_model, "chief", "pw-chief-1")
    draft = EntryFactory(headline="Glacier collapses", draft=True)
    reader = Browser()
    for _ in range(2):  # the second answer comes from the shared page cache
        assert "Glacier collapses" not in reader.request(f"{two}/events/")[1]
    editor = Browser()
    sign_in(editor, one, "chief", "pw-chief-1")
    status, _ = editor.request(
        f"{one}/admin/events/entry/",
        {
            "action": "publish_now",
            "_selected_action": str(draft.pk),
            "csrfmiddlewaretoken": editor.cookies["csrftoken"],
        },
    )
    assert status == 302
    assert "Glacier collapses" in reader.request(f"{two}/events/")[1]
    assert reader.request(f"{two}{draft.get_absolute_url()}")[0] == 200


def test_a_signed_in_session_works_on_both_servers(servers, django_user_model):
    one, two = servers
    make_editor(django_user_model, "chief", "pw-chief-1")
    editor = Browser()
    sign_in(editor, one, "chief", "pw-chief-1")
    for base in (one, two):
        status, html = editor.request(f"{base}/admin/")
        assert status == 200 and "chief" in html
    draft = EntryFactory(headline="Embargoed draft", draft=True)
    status, html = editor.request(f"{two}{draft.get_absolute_url()}")
    assert status == 200 and "Embargoed draft" in html


def test_the_comment_rate_limit_holds_across_both_servers(servers):
    one, two = servers
    entry = EntryFactory(headline="Open thread")
    limit = settings.COMMENTS_RATE_LIMIT
    statuses = []
    for n in range(limit + 1):
        base = (one, two)[n % 2]
        status, _ = Browser().request(
            f"{base}/comments/post/{entry.pk}/",
            {
                "name": "Sam",
                "email": "sam@example.com",
                "body": f"Comment {n}",
                "token": make_form_token(entry.pk, issued_at=time.time() - 60),
                "website": "",
            },
        )
        statuses.append(status)
    assert statuses == [302] * limit + [429]
    assert Comment.objects.filter(entry=entry).count() == limit
