"""A blocked sender stays blocked whatever spelling of their mailbox they type next."""

import importlib
import time

import pytest
from django.apps import apps

from comments import services
from comments.forms import make_form_token
from comments.models import Block, Comment, normalize_email
from tests.factories import EntryFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fresh_counters")]

# Fourteen ways to write the mailbox blocked@gmail.com; Gmail delivers each of them there.
VARIANTS = [
    "blocked@gmail.com",
    "BLOCKED@GMAIL.COM",
    "b.l.o.c.k.e.d@gmail.com",
    "blocked@googlemail.com",
    "B.Locked@GoogleMail.com",
    "blocked+spam@gmail.com",
    "b.locked+a+b@googlemail.com",
    '"blocked"@gmail.com',
    '"b.l.o.c.k.e.d"@gmail.com',
    '"blocked+x"@gmail.com',
    '"bl\\ocked"@gmail.com',
    "  blocked@gmail.com  ",
    "blocked@gmail.com.",
    "blocked@ｇｍａｉｌ.com",  # fullwidth letters: the same domain once IDNA-mapped
]


@pytest.mark.parametrize("typed", VARIANTS)
def test_every_spelling_of_a_blocked_gmail_mailbox_is_blocked(typed):
    Block.objects.create(kind=Block.Kind.EMAIL, value="blocked@gmail.com")
    assert normalize_email(typed) == "blocked@gmail.com"
    assert services.is_blocked(email=typed, ip_address=None)


@pytest.mark.parametrize("typed", VARIANTS)
def test_a_block_typed_in_any_spelling_is_stored_as_the_mailbox(typed):
    block = Block.objects.create(kind=Block.Kind.EMAIL, value=typed)
    assert block.value == "blocked@gmail.com"


@pytest.mark.parametrize(
    ("typed", "compared"),
    [
        # Dots are the mailbox's own at other providers, and other domains are other mailboxes.
        ("b.locked@example.org", "b.locked@example.org"),
        ("blocked@gmail.co", "blocked@gmail.co"),
        ("blocked@mail.gmail.com", "blocked@mail.gmail.com"),
        ('"Ada Lovelace"@Example.org', "ada lovelace@example.org"),
        ("ada@BÜCHER.example", "ada@xn--bcher-kva.example"),
        ("+only@gmail.com", "+only@gmail.com"),  # nothing before the tag: kept as typed
        ("not an address", "not an address"),
    ],
)
def test_other_addresses_keep_what_makes_them_theirs(typed, compared):
    assert normalize_email(typed) == compared


@pytest.mark.parametrize("typed", VARIANTS[:12])  # the ones Django's EmailField accepts
def test_a_reader_posting_as_a_variant_of_a_blocked_mailbox_is_refused(client, typed):
    Block.objects.create(kind=Block.Kind.EMAIL, value="B.Locked@googlemail.com")
    entry = EntryFactory()
    data = {
        "name": "Spammer",
        "email": typed.strip(),
        "body": "Buy now.",
        "website": "",
        "token": make_form_token(entry.pk, issued_at=time.time() - 60),
    }
    response = client.post(f"/comments/post/{entry.pk}/", data)
    assert response.status_code == 403
    assert Comment.objects.count() == 0


def test_the_per_email_rate_limit_counts_gmail_spellings_as_one_sender(client, settings):
    settings.COMMENTS_RATE_LIMIT = 2
    entry = EntryFactory()
    statuses = []
    for n, email in enumerate(["ada@gmail.com", "a.da@gmail.com", "A.D.A@googlemail.com"]):
        data = {
            "name": "Ada",
            "email": email,
            "body": f"Remark {n}.",
            "website": "",
            "token": make_form_token(entry.pk, issued_at=time.time() - 60),
        }
        statuses.append(
            client.post(f"/comments/post/{entry.pk}/", data, REMOTE_ADDR=f"198.51.100.{n}")
        )
    assert [r.status_code for r in statuses] == [302, 302, 429]


def test_an_ip_block_matches_the_address_however_it_was_typed():
    block = Block.objects.create(kind=Block.Kind.IP, value="2001:DB8:0::1")
    assert block.value == "2001:db8::1"
    assert services.is_blocked(email="someone@example.org", ip_address="2001:db8::1")


def test_blocks_stored_before_are_normalised_and_duplicates_dropped():
    migration = importlib.import_module("comments.migrations.0005_normalize_blocks_per_provider")
    # Stored the old way (update() skips the model's normalisation).
    kept = Block.objects.create(kind=Block.Kind.EMAIL, value="placeholder-1@example.org")
    dropped = Block.objects.create(kind=Block.Kind.EMAIL, value="placeholder-2@example.org")
    already = Block.objects.create(kind=Block.Kind.EMAIL, value="blocked@gmail.com")
    ip = Block.objects.create(kind=Block.Kind.IP, value="placeholder")
    Block.objects.filter(pk=kept.pk).update(value="b.l.o.c.k.e.d@gmail.com")
    Block.objects.filter(pk=dropped.pk).update(value="blocked@googlemail.com")
    Block.objects.filter(pk=ip.pk).update(value="2001:DB8::1")
    migration.normalize(apps, None)
    assert sorted(Block.objects.values_list("kind", "value")) == [
        ("email", "blocked@gmail.com"),
        ("ip", "2001:db8::1"),
    ]
    assert Block.objects.filter(kind="email").get().pk == kept.pk  # the oldest stays
    assert not Block.objects.filter(pk__in=[dropped.pk, already.pk]).exists()
