"""Varnish in front of gunicorn, from the shipped deploy/varnish/default.vcl, purged by key.

Starts a throwaway redis-server, one gunicorn (our gunicorn.conf.py, REDIS_URL on it) and
varnishd (own port, own -n work directory) with the shipped configuration pointed at that
gunicorn. The test process publishes the way editors do (the entry list's "Publish now"); the
apply step after the commit purges the shared cache and sends the xkey purge to Varnish. Promises:
a publish is visible through Varnish within a second; a page that does not show the entry stays
in Varnish (its Age keeps growing); a page is compressed at the edge.

PostgreSQL only (gunicorn must see the test's database, as in tests/test_two_servers.py).
`make varnish` installs Varnish where we are root (CI); elsewhere, without varnishd, the test is
skipped, saying so.
"""

import contextlib
import datetime
import glob
import gzip
import os
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from email.message import Message
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

from tests.desk_support import publish_now
from tests.factories import EntryFactory
from tests.hardening_support import free_port, redis_server, wait_for_url
from tests.live_support import Stream

ROOT = Path(__file__).resolve().parent.parent
VCL = ROOT / "deploy" / "varnish" / "default.vcl"


def varnish_missing() -> str:
    """Why Varnish cannot run here, or "" (root without it fails: `make varnish` installs it)."""
    if shutil.which("varnishd") and glob.glob("/usr/lib/*/varnish/vmods/libvmod_xkey.so"):
        return ""
    if os.geteuid() == 0:
        return ""  # the test fails below: as root, `make varnish` should have installed it
    return "varnishd with varnish-modules' xkey is not installed (run `make varnish` as root)"


pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        os.environ.get("DATABASE_URL", "").split(":")[0] not in ("postgres", "postgresql"),
        reason="gunicorn shares the test database: PostgreSQL only",
    ),
    pytest.mark.skipif(bool(varnish_missing()), reason=varnish_missing() or "-"),
]


def fetch(url: str, **headers) -> tuple[int, Message, bytes]:
    """(status, headers, body); the headers are looked up in any case, as HTTP says (uvicorn
    sends lower-case names)."""
    request = urllib.request.Request(url, headers=headers)
    with urllib.request.urlopen(request, timeout=30) as response:
        return response.status, response.headers, response.read()


@contextlib.contextmanager
def gunicorn(redis_url: str):
    db = connection.settings_dict
    password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
    address = f"{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}"
    port = free_port()
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "newsroom.settings.dev",
        "DEBUG": "0",
        "SECRET_KEY": settings.SECRET_KEY,
        "ALLOWED_HOSTS": "127.0.0.1",
        "DATABASE_URL": f"postgres://{db['USER']}{password}@{address}/{db['NAME']}",
        "REDIS_URL": redis_url,
        "GUNICORN_BIND": f"127.0.0.1:{port}",
        "WEB_CONCURRENCY": "2",
        "GUNICORN_ACCESS_LOG": "",
        "EDGE_CACHE_SECONDS": "3600",
    }
    process = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "-c", "newsroom/gunicorn.conf.py", "newsroom.asgi"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        wait_for_url(f"http://127.0.0.1:{port}/robots.txt")
        yield port
    finally:
        process.terminate()
        process.wait(timeout=30)


@contextlib.contextmanager
def varnish(backend_port: int):
    assert not varnish_missing() and shutil.which("varnishd"), "run `make varnish` (as root)"
    with tempfile.TemporaryDirectory(prefix="newsroom-varnish-") as directory:
        # The shipped file, with the one line a deploy changes: where gunicorn listens.
        vcl = Path(directory) / "default.vcl"
        vcl.write_text(VCL.read_text().replace('.port = "8000";', f'.port = "{backend_port}";'))
        port = free_port()
        process = subprocess.Popen(
            [
                *("varnishd", "-F", "-a", f"127.0.0.1:{port}", "-f", str(vcl)),
                *("-n", str(Path(directory) / "work"), "-s", "malloc,64m"),
                *("-T", "none", "-j", "none"),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            wait_for_url(f"http://127.0.0.1:{port}/robots.txt", seconds=30)
            yield f"http://127.0.0.1:{port}"
        finally:
            process.terminate()
            process.wait(timeout=30)


@pytest.fixture
def edge(settings):
    with redis_server() as redis, gunicorn(redis.url) as app_port, varnish(app_port) as url:
        # This process writes like the desk: same Redis, and it purges this Varnish.
        config = {
            "BACKEND": "newsroom.cache.ResilientRedisCache",
            "LOCATION": redis.url,
            "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5},
        }
        settings.CACHES = {"default": config, "counters": {**config, "FAIL_CLOSED": True}}
        settings.EDGE_PURGE = "varnish"
        settings.EDGE_PURGE_URLS = [url]
        yield url


def age(headers: Message) -> int:
    return int(headers.get("Age", "0"))


def test_a_publish_shows_through_varnish_within_a_second_and_other_pages_stay_cached(edge, editor):
    old = EntryFactory(
        headline="Harbour reopens", slug="harbour", event_date=datetime.date(2014, 3, 1)
    )
    draft = EntryFactory(
        headline="Glacier collapses", event_date=datetime.date(2015, 6, 1), draft=True
    )
    unrelated = f"{edge}{old.get_absolute_url()}"
    for url in (f"{edge}/events/", unrelated):
        fetch(url)
    status, headers, body = fetch(f"{edge}/events/")
    assert status == 200 and headers["X-Cache"] == "hit"
    assert b"Glacier collapses" not in body
    assert "xkey" not in {name.lower() for name in headers}  # the keys stay between app and edge
    _, first, _ = fetch(unrelated)
    assert first["X-Cache"] == "hit"

    time.sleep(1.1)
    published = time.monotonic()
    publish_now(editor, draft)
    while b"Glacier collapses" not in fetch(f"{edge}/events/")[2]:
        assert time.monotonic() - published < 1.0, "the publish did not reach Varnish in 1 s"
        time.sleep(0.05)

    time.sleep(1.1)
    _, later, _ = fetch(unrelated)
    assert later["X-Cache"] == "hit"
    assert age(later) > age(first), "the unrelated page was purged or refetched"


def test_varnish_serves_public_pages_compressed_and_a_purge_must_name_its_keys(edge):
    EntryFactory(headline="Harbour reopens")
    _, headers, packed = fetch(f"{edge}/events/", **{"Accept-Encoding": "gzip, br"})
    assert headers.get("Content-Encoding") == "gzip"  # Varnish keeps the gzip copy, not Brotli
    assert "s-maxage=3600" in headers["Cache-Control"]
    assert b"Harbour reopens" in gzip.decompress(packed)
    # Readers who do not accept gzip get the same page, gunzipped by Varnish.
    for accepted in ({"Accept-Encoding": "br"}, {}):
        _, headers, body = fetch(f"{edge}/events/", **accepted)
        assert "Content-Encoding" not in headers, accepted
        assert body == gzip.decompress(packed), accepted
    request = urllib.request.Request(f"{edge}/", method="PURGE")
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(request, timeout=10)
    assert refused.value.code == 400  # no keys named: nothing purged


def test_a_live_stream_goes_through_varnish_as_it_is_sent(edge):
    """Piped, not cached or buffered: an entry published after the stream opened arrives."""
    stream = Stream(f"{edge}/live/")
    assert stream.status == 200
    assert stream.headers["Content-Type"] == "text/event-stream; charset=utf-8"
    assert "X-Cache" not in stream.headers  # piped: Varnish neither looked it up nor kept it
    entry = EntryFactory(headline="Through the edge")
    message = stream.next()
    assert (message.event, message.json["entry"]) == ("new", entry.pk)
    stream.close()
