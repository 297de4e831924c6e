"""One client address behind proxies, and one rate-limit counter: sign-in, comments and the API.

The proxy in front of the app appends the peer it saw to X-Forwarded-For; whatever the client
wrote before that is the client's to forge. Rotating it must not reset any limit.
"""

import time

import pytest
from django.conf import settings as django_settings
from django.test import RequestFactory

from comments.forms import make_form_token
from comments.models import Comment
from newsroom import ratelimit
from newsroom.clients import client_address, parse_address
from tests.factories import EntryFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fresh_counters")]

ATTACKER = "203.0.113.7"  # the address our proxy saw and appended


@pytest.fixture
def behind_one_proxy(settings):
    settings.CLIENT_IP_HEADER = "X-Forwarded-For"
    settings.CLIENT_IP_TRUSTED_PROXIES = 1


def forged(n: int) -> str:
    """An X-Forwarded-For the client started with a made-up address; our proxy added its peer."""
    return f"10.{n // 250}.{n % 250}.1, {ATTACKER}"


# --- the function -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "address"),
    [
        ("203.0.113.7", "203.0.113.7"),
        ("203.0.113.7:51234", "203.0.113.7"),
        (" 203.0.113.7 ", "203.0.113.7"),
        ("2001:db8::1", "2001:db8::1"),
        ("[2001:db8::1]", "2001:db8::1"),
        ("[2001:db8::1]:443", "2001:db8::1"),
        ("2001:DB8:0:0::1", "2001:db8::1"),
        ("fe80::1%eth0", "fe80::1"),
        ("::ffff:203.0.113.7", "203.0.113.7"),
        ('"[2001:db8::1]:443"', "2001:db8::1"),
        ("unknown", None),
        ("", None),
        ("203.0.113.7:port", None),
        ("999.1.1.1", None),
    ],
)
def test_an_address_is_read_without_port_brackets_or_zone(typed, address):
    assert parse_address(typed) == address


def request_with(**meta):
    return RequestFactory().get("/", **meta)


def test_remote_addr_is_the_address_by_default(settings):
    assert settings.CLIENT_IP_HEADER == "REMOTE_ADDR"
    request = request_with(REMOTE_ADDR="198.51.100.1", HTTP_X_FORWARDED_FOR="192.0.2.1")
    assert client_address(request) == "198.51.100.1"


def test_the_address_is_counted_from_the_right_of_x_forwarded_for(settings, behind_one_proxy):
    request = request_with(REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR=f"192.0.2.1, {ATTACKER}")
    assert client_address(request) == ATTACKER
    settings.CLIENT_IP_TRUSTED_PROXIES = 2  # a CDN, then our load balancer
    request = request_with(
        REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR=f"192.0.2.1, {ATTACKER}, 198.51.100.50"
    )
    assert client_address(request) == ATTACKER


def test_the_header_may_be_named_either_way(settings):
    for name in ("X-Forwarded-For", "x-forwarded-for", "HTTP_X_FORWARDED_FOR"):
        settings.CLIENT_IP_HEADER = name
        request = request_with(REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR=ATTACKER)
        assert client_address(request) == ATTACKER


@pytest.mark.parametrize(
    "header",
    [None, "", "garbage", "203.0.113.7:port", "   ,  "],
)
def test_a_missing_or_invalid_header_falls_back_to_remote_addr(header, behind_one_proxy):
    meta = {"REMOTE_ADDR": "10.0.0.2"}
    if header is not None:
        meta["HTTP_X_FORWARDED_FOR"] = header
    assert client_address(request_with(**meta)) == "10.0.0.2"


def test_a_list_shorter_than_the_proxy_chain_falls_back_to_remote_addr(settings):
    settings.CLIENT_IP_HEADER = "X-Forwarded-For"
    settings.CLIENT_IP_TRUSTED_PROXIES = 2
    request = request_with(REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR=ATTACKER)
    assert client_address(request) == "10.0.0.2"


def test_the_older_setting_name_is_still_read():
    """COMMENTS_IP_HEADER in the environment sets CLIENT_IP_HEADER (settings read at start-up)."""
    import os
    import subprocess
    import sys

    code = "from django.conf import settings; print(settings.CLIENT_IP_HEADER)"
    env = {**os.environ, "COMMENTS_IP_HEADER": "HTTP_X_REAL_IP"}
    env.pop("CLIENT_IP_HEADER", None)
    env["DJANGO_SETTINGS_MODULE"] = "newsroom.settings.test"
    result = subprocess.run(
        [sys.executable, "-c", f"import django; django.setup(); {code}"],
        env=env,
        capture_output=True,
        text=True,
        check=True,
        cwd=django_settings.BASE_DIR,
    )
    assert result.stdout.strip() == "HTTP_X_REAL_IP"


def test_axes_reads_the_same_address():
    assert django_settings.AXES_CLIENT_IP_CALLABLE == "newsroom.clients.client_address"


# --- the counter --------------------------------------------------------------------------------


def test_the_counter_refuses_past_the_limit_and_says_until_when():
    now = 1_000_000.0
    waits = [ratelimit.hit("t", "k", limit=2, window_seconds=60, now=now) for _ in range(3)]
    assert waits == [0, 0, 20]  # the window runs from 999,960 to 1,000,020
    assert ratelimit.hit("t", "other", limit=2, window_seconds=60, now=now) == 0
    assert ratelimit.hit("other-scope", "k", limit=2, window_seconds=60, now=now) == 0
    assert ratelimit.hit("t", "k", limit=2, window_seconds=60, now=now + 20) == 0


def test_a_limit_of_zero_counts_nothing():
    assert all(ratelimit.hit("t", "k", limit=0, window_seconds=60) == 0 for _ in range(10))


# --- sign-in ------------------------------------------------------------------------------------

LOGIN = "/admin/login/?next=/admin/"


def test_rotating_x_forwarded_for_does_not_escape_the_sign_in_lockout(client, editor, settings):
    settings.CLIENT_IP_HEADER = "HTTP_X_FORWARDED_FOR"
    settings.CLIENT_IP_TRUSTED_PROXIES = 1
    statuses = [
        client.post(
            LOGIN,
            {"username": "editor", "password": f"wrong-{n}"},
            REMOTE_ADDR="10.0.0.2",
            HTTP_X_FORWARDED_FOR=forged(n),
        ).status_code
        for n in range(60)
    ]
    assert statuses[:4] == [200] * 4
    assert set(statuses[4:]) == {429}
    right = client.post(
        LOGIN,
        {"username": "editor", "password": "pw-editor-1"},
        REMOTE_ADDR="10.0.0.2",
        HTTP_X_FORWARDED_FOR=forged(61),
    )
    assert right.status_code == 429
    assert "_auth_user_id" not in client.session


# --- comments -----------------------------------------------------------------------------------


def comment(client, entry, n, **meta):
    data = {
        "name": "Ada",
        "email": f"sender{n}@example.com",  # a new email each time: only the per-IP limit holds
        "body": f"Remark number {n}.",
        "website": "",
        "token": make_form_token(entry.pk, issued_at=time.time() - 60),
    }
    return client.post(f"/comments/post/{entry.pk}/", data, **meta).status_code


def test_rotating_x_forwarded_for_does_not_escape_the_comment_limit(client, settings):
    settings.CLIENT_IP_HEADER = "HTTP_X_FORWARDED_FOR"
    settings.COMMENTS_RATE_LIMIT = 3
    entry = EntryFactory()
    statuses = [
        comment(client, entry, n, REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR=forged(n))
        for n in range(10)
    ]
    assert statuses == [302] * 3 + [429] * 7
    assert set(Comment.objects.values_list("ip_address", flat=True)) == {ATTACKER}


@pytest.mark.parametrize("header", ["REMOTE_ADDR", "HTTP_X_FORWARDED_FOR"])
def test_an_address_with_a_port_is_held_by_the_per_ip_comment_limit(client, settings, header):
    settings.CLIENT_IP_HEADER = header
    settings.COMMENTS_RATE_LIMIT = 3
    entry = EntryFactory()
    meta = {"REMOTE_ADDR": "10.0.0.2"}
    statuses = []
    for n in range(6):
        meta[header] = f"203.0.113.7:{51234 + n}"
        statuses.append(comment(client, entry, n, **meta))
    assert statuses == [302] * 3 + [429] * 3
    assert set(Comment.objects.values_list("ip_address", flat=True)) == {"203.0.113.7"}


# --- the API ------------------------------------------------------------------------------------


def test_rotating_x_forwarded_for_does_not_escape_the_api_limit(client, settings):
    settings.CLIENT_IP_HEADER = "X-Forwarded-For"
    settings.API_RATE_LIMIT = 5
    settings.API_RATE_WINDOW_SECONDS = 60
    statuses = [
        client.get("/api/v1/tags/", REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR=forged(n))
        for n in range(12)
    ]
    assert [r.status_code for r in statuses] == [200] * 5 + [429] * 7
    # Another client behind the same proxy has its own allowance.
    other = client.get("/api/v1/tags/", REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="192.0.2.9")
    assert other.status_code == 200
