"""What public pages tell shared caches, and how writes purge the edge (Varnish, Fastly,
Cloudflare) by key: each adapter speaks its provider's documented purge-by-key API to a local
HTTP server of this test, and a purge the edge did not take stays recorded until it does.
"""

import datetime
import gzip
import http.server
import json
import threading

import pytest
from django.test import Client

from reading import edge, pagecache, pagekeys
from reading.models import PageInvalidation
from tests.desk_support import publish_now
from tests.factories import EntryFactory, redis_page_cache


class Recorder(http.server.BaseHTTPRequestHandler):
    """Answers every request with the status the test chose, remembering what it got."""

    def _answer(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        headers = {name.lower(): value for name, value in self.headers.items()}
        self.server.seen.append((self.command, self.path, headers, body))  # type: ignore[attr-defined]
        self.send_response(self.server.status)  # type: ignore[attr-defined]
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"{}")

    do_POST = do_PURGE = _answer

    def log_message(self, *args) -> None:
        pass


@pytest.fixture
def purge_server():
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Recorder)
    server.seen, server.status = [], 200  # type: ignore[attr-defined]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


@pytest.fixture
def shared_cache(settings):
    with redis_page_cache(settings, "edge"):
        settings.PAGE_INVALIDATION_CHECK_SECONDS = 3600
        yield settings


def base(server) -> str:
    return f"http://127.0.0.1:{server.server_address[1]}"


@pytest.mark.django_db
def test_public_pages_tell_shared_caches_what_to_keep_and_private_ones_stay_private(
    client, editor, settings
):
    settings.EDGE_CACHE_SECONDS = 3600
    entry = EntryFactory(headline="Harbour reopens")
    for url in ("/", "/events/", entry.get_absolute_url(), "/feeds/rss/", "/sitemap.xml"):
        control = client.get(url)["Cache-Control"]
        assert "public" in control and "s-maxage=3600" in control, url
        assert "stale-while-revalidate=30" in control and "stale-if-error=86400" in control
        assert "max-age=0" in control  # browsers ask again; only shared caches keep it
    staff = Client()
    staff.force_login(editor)
    for url in ("/", entry.get_absolute_url()):
        control = staff.get(url)["Cache-Control"]
        assert "private" in control and "s-maxage" not in control, url
    draft = EntryFactory(headline="Embargoed", draft=True)
    assert "private" in staff.get(draft.get_absolute_url())["Cache-Control"]
    assert "s-maxage" not in staff.get("/admin/").get("Cache-Control", "")


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("header", "separator"), [("xkey", " "), ("Surrogate-Key", " "), ("Cache-Tag", ",")]
)
def test_the_keys_header_is_one_setting_in_each_edges_spelling(client, settings, header, separator):
    settings.EDGE_KEYS_HEADER = header
    response = client.get("/events/")
    expected = pagekeys.edge_keys({pagekeys.ALL, pagekeys.LISTS})
    assert response[header] == separator.join(expected)


@pytest.mark.django_db
def test_public_pages_and_feeds_are_gzipped_and_the_desk_is_not(client, editor):
    EntryFactory(headline="Harbour reopens", event_date=datetime.date(2014, 3, 1))
    for url in ("/events/", "/feeds/rss/", "/feeds/atom/", "/2014/03/01/"):
        response = client.get(url, HTTP_ACCEPT_ENCODING="gzip")
        assert response["Content-Encoding"] == "gzip", url
        assert b"Harbour reopens" in gzip.decompress(response.content), url
        assert "Accept-Encoding" in response["Vary"]
    # Pages with secrets (CSRF tokens, a signed-in session) beside reflected input: never.
    staff = Client()
    staff.force_login(editor)
    for url in ("/admin/events/entry/?q=reflected", "/events/?q=reflected"):
        response = staff.get(url, HTTP_ACCEPT_ENCODING="gzip")
        assert response.status_code == 200
        assert "Content-Encoding" not in response, url
    assert "Content-Encoding" not in client.get("/admin/login/", HTTP_ACCEPT_ENCODING="gzip")


@pytest.mark.django_db
def test_the_varnish_adapter_sends_an_xkey_purge_to_every_address(purge_server, settings):
    settings.EDGE_PURGE = "varnish"
    settings.EDGE_PURGE_URLS = [base(purge_server), base(purge_server) + "/"]
    assert edge.purge({"entry:1", "lists"})
    assert len(purge_server.seen) == 2
    method, _, headers, _ = purge_server.seen[0]
    assert method == "PURGE"
    assert sorted(headers["xkey-purge"].split()) == pagekeys.edge_keys({"entry:1", "lists"})


def test_the_fastly_adapter_batch_purges_surrogate_keys_256_at_a_time(purge_server, settings):
    settings.EDGE_PURGE = "fastly"
    settings.FASTLY_API_URL = base(purge_server)
    settings.FASTLY_SERVICE_ID = "SU1Z0isxPaozGVKXdv0eY"
    settings.FASTLY_API_TOKEN = "fastly-token"
    keys = {f"entry:{n}" for n in range(300)}
    assert edge.purge(keys)
    assert [path for _, path, _, _ in purge_server.seen] == [
        "/service/SU1Z0isxPaozGVKXdv0eY/purge"
    ] * 2
    sent = []
    for method, _, headers, body in purge_server.seen:
        assert method == "POST" and headers["fastly-key"] == "fastly-token"
        sent += json.loads(body)["surrogate_keys"]
    assert [len(json.loads(b)["surrogate_keys"]) for *_, b in purge_server.seen] == [256, 44]
    assert sorted(sent) == pagekeys.edge_keys(keys)


def test_the_cloudflare_adapter_purges_cache_tags_30_at_a_time(purge_server, settings):
    settings.EDGE_PURGE = "cloudflare"
    settings.CLOUDFLARE_API_URL = base(purge_server) + "/client/v4"
    settings.CLOUDFLARE_ZONE_ID = "023e105f4ecef8ad9ca31a8372d0c353"
    settings.CLOUDFLARE_API_TOKEN = "cf-token"
    keys = {f"tag:{n}" for n in range(31)}
    assert edge.purge(keys)
    paths = {path for _, path, _, _ in purge_server.seen}
    assert paths == {"/client/v4/zones/023e105f4ecef8ad9ca31a8372d0c353/purge_cache"}
    bodies = [json.loads(body) for *_, body in purge_server.seen]
    assert [len(body["tags"]) for body in bodies] == [30, 1]
    assert all(h["authorization"] == "Bearer cf-token" for _, _, h, _ in purge_server.seen)


def test_an_edge_that_refuses_or_is_down_reports_the_purge_as_not_taken(purge_server, settings):
    settings.EDGE_PURGE = "fastly"
    settings.FASTLY_API_URL = base(purge_server)
    purge_server.status = 503
    assert not edge.purge({"entry:1"})
    settings.FASTLY_API_URL = "http://127.0.0.1:9"  # nothing listens there
    assert not edge.purge({"entry:1"})


@pytest.mark.django_db(transaction=True)
def test_a_purge_the_edge_did_not_take_stays_recorded_until_it_does(
    purge_server, shared_cache, client, editor
):
    shared_cache.EDGE_PURGE = "varnish"
    shared_cache.EDGE_PURGE_URLS = [base(purge_server)]
    draft = EntryFactory(headline="Glacier collapses", draft=True)
    purge_server.seen.clear()
    purge_server.status = 500
    publish_now(editor, draft)
    assert PageInvalidation.objects.count() == 1  # the edge refused: the record stays
    assert purge_server.seen
    # The page cache took its part: the app itself shows the entry already.
    assert "Glacier collapses" in client.get("/events/").content.decode()

    purge_server.status = 200
    assert pagecache.apply_page_invalidations() == 1
    assert not PageInvalidation.objects.exists()
    sent = purge_server.seen[-1][2]["xkey-purge"].split()
    assert pagekeys.edge_key(pagekeys.entry_key(draft.pk)) in sent
    assert pagekeys.edge_key(pagekeys.LISTS) in sent


@pytest.mark.django_db(transaction=True)
def test_a_shared_cache_keeps_no_page_past_the_next_scheduled_publish_time(shared_cache, client):
    shared_cache.EDGE_CACHE_SECONDS = 3600
    EntryFactory(headline="Harbour reopens")
    soon = datetime.datetime.now(datetime.UTC) + datetime.timedelta(seconds=90)
    EntryFactory(headline="Embargo lifts", publish_at=soon)
    control = client.get("/events/")["Cache-Control"]
    s_maxage = int(control.split("s-maxage=")[1].split(",")[0])
    assert 80 <= s_maxage <= 90
