"""Headers and exposure: CSP, Permissions-Policy, HSTS preload only on request, gunicorn's bind
and Server header (the last two against a real gunicorn)."""

import os
import re
import runpy
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from tests.hardening_support import free_port

pytestmark = pytest.mark.entry(headline="Headers drill", tags=["drills"], body="Some *body*.")

ROOT = Path(__file__).resolve().parent.parent


def directives(header: str) -> dict[str, set[str]]:
    parsed = {}
    for part in header.split(";"):
        name, *values = part.split()
        parsed[name] = set(values)
    return parsed


def public_pages(entry) -> list[str]:
    return [
        "/",
        entry.get_absolute_url(),
        "/events/?q=drill",
        "/tags/",
        "/tags/drills/",
        "/sources/",
        "/2014/",
        "/2014/02/",
        "/2014/02/19/",
        "/no-such-page/",
    ]


def test_public_pages_forbid_inline_script_and_style(client, entry):
    for url in public_pages(entry):
        policy = directives(client.get(url)["Content-Security-Policy"])
        assert policy["script-src"] == {"'self'"}, url
        assert policy["style-src"] == {"'self'"}, url
        assert policy["default-src"] == {"'self'"}
        assert policy["object-src"] == {"'none'"} and policy["base-uri"] == {"'none'"}
        assert policy["frame-ancestors"] == {"'none'"} and policy["form-action"] == {"'self'"}


def test_public_pages_have_no_inline_script_or_style(client, entry):
    """What the policy forbids is not in our templates; JSON-LD is data, which CSP leaves alone,
    and a script from our own static files (the live updates) is no inline script."""
    for url in public_pages(entry):
        page = client.get(url).content.decode()
        scripts = re.findall(r"<script\b[^>]*>", page)
        assert all(
            'type="application/ld+json"' in tag or re.search(r' src="/static/js/[\w.]+"', tag)
            for tag in scripts
        ), (url, scripts)
        assert "<style" not in page and not re.search(r"\sstyle=", page), url
        assert not re.search(r"\son[a-z]+=", page), url


def test_admin_has_a_policy_that_lets_it_work(admin_client):
    policy = directives(admin_client.get("/admin/events/entry/add/")["Content-Security-Policy"])
    assert policy["script-src"] == {"'self'"}
    assert policy["style-src"] == {"'self'", "'unsafe-inline'"}
    assert policy["img-src"] == {"'self'", "data:"}


def test_every_response_has_a_permissions_policy(client, entry, admin_client):
    for response in (client.get("/"), client.get("/healthz"), admin_client.get("/admin/")):
        policy = response["Permissions-Policy"]
        assert "camera=()" in policy and "geolocation=()" in policy and "microphone=()" in policy


def test_hsts_preload_is_off_unless_asked_for():
    production = {"SECRET_KEY": "x" * 50, "ALLOWED_HOSTS": "news.example.org"}
    code = "from django.conf import settings; print(settings.SECURE_HSTS_PRELOAD)"
    for env, expected in (({}, "False"), ({"SECURE_HSTS_PRELOAD": "1"}, "True")):
        result = subprocess.run(
            [sys.executable, "-c", f"import django; django.setup(); {code}"],
            cwd=ROOT,
            env={
                **os.environ,
                "DJANGO_SETTINGS_MODULE": "newsroom.settings.production",
                **production,
                **env,
            },
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert result.stdout.strip() == expected, result.stderr


def test_gunicorn_binds_loopback_by_default():
    clean = {k: v for k, v in os.environ.items() if k not in {"GUNICORN_BIND", "PORT"}}
    saved = os.environ.copy()
    os.environ.clear()
    os.environ.update(clean)
    try:
        config = runpy.run_path(str(ROOT / "newsroom" / "gunicorn.conf.py"))
    finally:
        os.environ.clear()
        os.environ.update(saved)
    assert config["bind"] == "127.0.0.1:8000"
    assert config["forwarded_allow_ips"] == "127.0.0.1"


def test_real_gunicorn_sends_no_server_header_and_the_security_headers(tmp_path):
    port = free_port()
    env = {
        **{k: v for k, v in os.environ.items() if k != "DJANGO_ALLOW_ASYNC_UNSAFE"},
        "DJANGO_SETTINGS_MODULE": "newsroom.settings.production",
        "SECRET_KEY": "x" * 50,
        "ALLOWED_HOSTS": "127.0.0.1",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
        "GUNICORN_BIND": f"127.0.0.1:{port}",
        "WEB_CONCURRENCY": "1",
    }
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "-c", "newsroom/gunicorn.conf.py", "newsroom.asgi"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                request = urllib.request.Request(
                    f"http://127.0.0.1:{port}/healthz", headers={"X-Forwarded-Proto": "https"}
                )
                response = urllib.request.urlopen(request, timeout=5)
                break
            except OSError:
                assert server.poll() is None, server.stderr.read().decode()
                assert time.monotonic() < deadline, "gunicorn did not answer within 30 s"
                time.sleep(0.2)
        headers = response.headers
        assert response.status == 200
        assert "Server" not in headers  # neither a server's name nor its version
        assert "Content-Security-Policy" in headers and "Permissions-Policy" in headers
        # Believed from 127.0.0.1 (forwarded_allow_ips): the request is HTTPS, so HSTS is sent.
        assert headers["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains"
    finally:
        server.terminate()
        server.wait(timeout=30)
