"""Comment abuse: a form token is spent once, and a sender is one sender whatever `+tag` or case.

The single-use check is also run against the real Redis, from several threads at once, because
that is where its atomicity across gunicorn workers comes from.
"""

import threading
import time
import uuid

import pytest
from django.core.cache import caches
from django.core.exceptions import ValidationError

from comments.forms import make_form_token, spend_form_token
from comments.models import Block, Comment, normalize_email
from comments.views import ALREADY_SENT
from tests.hardening_support import redis_url, require_redis
from tests.test_comments_posting import form_data, post_url

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fresh_counters")]


def test_a_form_token_posted_thirty_times_stores_one_comment(client, entry):
    data = form_data(entry)
    statuses = [client.post(post_url(entry), data).status_code for _ in range(30)]
    assert statuses == [302] * 30  # never a 500, never an error page for a double click
    assert Comment.objects.count() == 1


def test_a_resent_form_is_told_it_was_already_sent(client, entry):
    data = form_data(entry)
    client.post(post_url(entry), data)
    response = client.post(post_url(entry), data, follow=True)
    assert response.status_code == 200
    assert ALREADY_SENT in response.content.decode()
    assert Comment.objects.count() == 1


def test_a_form_sent_back_with_errors_keeps_its_token_usable(client, entry):
    data = form_data(entry, body="")
    assert client.post(post_url(entry), data).status_code == 400
    data["body"] = "Now with words."
    assert client.post(post_url(entry), data).status_code == 302
    assert Comment.objects.get().body == "Now with words."


def test_each_rendered_form_has_its_own_token(entry):
    issued = time.time() - 60
    assert make_form_token(entry.pk, issued_at=issued) != make_form_token(
        entry.pk, issued_at=issued
    )


def test_one_token_sent_by_many_workers_at_once_is_spent_once_in_real_redis(settings):
    require_redis()
    redis = {
        "BACKEND": "newsroom.cache.ResilientRedisCache",
        "LOCATION": redis_url(),
        "KEY_PREFIX": f"test-{uuid.uuid4().hex}",
        "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5},
    }
    settings.CACHES = {"default": redis, "counters": {**redis, "FAIL_CLOSED": True}}
    token = make_form_token(1)
    start = threading.Barrier(12)
    results: list[bool] = []

    def spend():
        start.wait()
        results.append(spend_form_token(token))
        caches["counters"].close()

    threads = [threading.Thread(target=spend) for _ in range(12)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(results) == [False] * 11 + [True]
    caches["counters"].clear()


@pytest.mark.parametrize(
    "typed",
    ["blocked+1@spam.example", "Blocked@SPAM.example", " BLOCKED+news+x@spam.example "],
)
def test_a_block_holds_every_plus_address_and_case_of_the_sender(client, entry, typed):
    Block.objects.create(kind=Block.Kind.EMAIL, value="blocked@spam.example")
    response = client.post(post_url(entry), form_data(entry, email=typed.strip()))
    assert response.status_code == 403
    assert not Comment.objects.exists()


def test_a_block_typed_with_a_plus_address_blocks_the_mailbox(client, entry):
    Block.objects.create(kind=Block.Kind.EMAIL, value="Blocked+Old@spam.example")
    assert Block.objects.get().value == "blocked@spam.example"
    response = client.post(post_url(entry), form_data(entry, email="blocked+new@spam.example"))
    assert response.status_code == 403


def test_a_block_that_normalises_onto_an_existing_one_is_a_form_error_not_a_crash():
    Block.objects.create(kind=Block.Kind.EMAIL, value="blocked@spam.example")
    duplicate = Block(kind=Block.Kind.EMAIL, value="Blocked+2@spam.example")
    with pytest.raises(ValidationError, match="already exists"):
        duplicate.full_clean()


def test_the_per_email_rate_limit_counts_plus_addresses_as_one_sender(client, entry, settings):
    settings.COMMENTS_RATE_LIMIT = 2
    statuses = [
        client.post(
            post_url(entry),
            form_data(entry, email=f"ada+{n}@example.com"),
            REMOTE_ADDR=f"198.51.100.{n}",
        ).status_code
        for n in range(3)
    ]
    assert statuses == [302, 302, 429]
    assert Comment.objects.count() == 2


@pytest.mark.parametrize(
    ("typed", "compared"),
    [
        ("Ada@Example.org", "ada@example.org"),
        ("ada+news@example.org", "ada@example.org"),
        ("ada+@example.org", "ada@example.org"),
        ("+only@example.org", "+only@example.org"),  # nothing before the tag: kept as typed
        (" ADA+a+b@EXAMPLE.ORG ", "ada@example.org"),
    ],
)
def test_normalize_email(typed, compared):
    assert normalize_email(typed) == compared
