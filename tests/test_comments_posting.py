"""Readers post comments: nothing public until approved, and every refusal is explicit."""

import datetime
import time

import pytest
from django.utils import timezone

from comments import services
from comments.forms import STARTED_COOKIE, make_form_token, make_started_stamp
from comments.models import Block, Comment
from tests.factories import EntryFactory

# The rate limit lives in the cache: each test starts with none of it.
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fresh_cache")]

AWAITS = "your comment awaits moderation"


def post_url(entry):
    return f"/comments/post/{entry.pk}/"


def form_data(entry, **overrides):
    """What a reader's browser sends: the form rendered a minute ago, honeypot left empty."""
    data = {
        "name": "Ada",
        "email": "ada@example.com",
        "body": "A thoughtful remark.",
        "website": "",
        "token": make_form_token(entry.pk, issued_at=time.time() - 60),
    }
    data.update(overrides)
    return data


def test_entry_page_shows_the_comment_form_with_a_signed_token(client, entry):
    html = client.get(entry.get_absolute_url()).content.decode()
    assert f'action="/comments/post/{entry.pk}/"' in html
    assert 'name="token"' in html
    # No per-reader CSRF token: the page is shared by every anonymous reader (page cache).
    assert "csrfmiddlewaretoken" not in html
    assert "0 comments" in html


def test_signed_in_users_form_carries_a_csrf_token(client, entry, editor):
    client.force_login(editor)
    assert "csrfmiddlewaretoken" in client.get(entry.get_absolute_url()).content.decode()


def test_reader_comment_is_stored_pending_and_redirects_with_a_message(client, entry):
    response = client.post(post_url(entry), form_data(entry), REMOTE_ADDR="198.51.100.4")
    assert response.status_code == 302
    assert response["Location"] == f"{entry.get_absolute_url()}#comments"
    comment = Comment.objects.get()
    assert comment.status == Comment.Status.PENDING
    assert (comment.name, comment.email, comment.body) == (
        "Ada",
        "ada@example.com",
        "A thoughtful remark.",
    )
    assert comment.ip_address == "198.51.100.4"
    assert comment.moderated_by is None
    page = client.get(response["Location"]).content.decode()
    assert AWAITS in page
    assert "A thoughtful remark." not in page  # pending is not public


def test_reloading_after_posting_does_not_post_again(client, entry):
    response = client.post(post_url(entry), form_data(entry), follow=True)
    assert response.redirect_chain[-1][1] == 302
    assert response.request["REQUEST_METHOD"] == "GET"
    client.get(entry.get_absolute_url())
    assert Comment.objects.count() == 1


def test_signed_in_staff_comment_is_approved_at_once_and_audited(client, entry, editor):
    client.force_login(editor)
    response = client.post(post_url(entry), form_data(entry), follow=True)
    comment = Comment.objects.get()
    assert comment.status == Comment.Status.APPROVED
    assert comment.user == editor
    assert comment.moderated_by == editor
    assert comment.moderated_at is not None
    html = response.content.decode()
    assert "Your comment is published." in html
    assert "A thoughtful remark." in html


def test_signed_in_reader_who_is_not_staff_still_waits_for_moderation(
    client, entry, django_user_model
):
    reader = django_user_model.objects.create_user("reader", "r@example.com", "pw")
    client.force_login(reader)
    client.post(post_url(entry), form_data(entry))
    comment = Comment.objects.get()
    assert comment.status == Comment.Status.PENDING
    assert comment.user == reader


def test_signed_in_post_without_csrf_token_is_refused(entry, django_user_model):
    from django.test import Client

    strict = Client(enforce_csrf_checks=True)
    strict.force_login(django_user_model.objects.create_user("reader", "r@example.com", "pw"))
    response = strict.post(post_url(entry), form_data(entry))
    assert response.status_code == 403
    assert not Comment.objects.exists()


def test_get_on_the_post_url_leads_to_the_entrys_comment_form_and_stores_nothing(client, entry):
    response = client.get(post_url(entry))
    assert response.status_code == 302
    assert response["Location"] == f"{entry.get_absolute_url()}#comment-form"
    assert client.put(post_url(entry)).status_code == 405
    assert not Comment.objects.exists()


def test_anonymous_post_needs_no_csrf_token_but_still_the_signed_stamp(entry):
    """Anonymous pages are shared by the page cache; the stamp and honeypot guard the form."""
    from django.test import Client

    strict = Client(enforce_csrf_checks=True)
    assert strict.post(post_url(entry), form_data(entry)).status_code == 302
    assert Comment.objects.count() == 1
    strict.post(post_url(entry), form_data(entry, token="forged"))
    assert Comment.objects.count() == 1


def test_filled_honeypot_is_dropped_silently(client, entry):
    response = client.post(
        post_url(entry), form_data(entry, website="http://spam.example"), follow=True
    )
    assert response.status_code == 200
    assert AWAITS in response.content.decode()
    assert not Comment.objects.exists()


def test_form_posted_faster_than_the_minimum_time_is_dropped_silently(client, entry, settings):
    settings.COMMENTS_MIN_SECONDS = 5
    # The page's (shared) token; the reader's start, one second ago, is the "started" cookie.
    token = make_form_token(entry.pk, issued_at=time.time() - 3600, shared=True)
    client.cookies[STARTED_COOKIE] = make_started_stamp(now=time.time() - 1)
    response = client.post(post_url(entry), form_data(entry, token=token), follow=True)
    assert response.status_code == 200
    assert AWAITS in response.content.decode()
    assert not Comment.objects.exists()


def test_form_posted_after_the_minimum_time_is_taken(client, entry, settings):
    settings.COMMENTS_MIN_SECONDS = 5
    token = make_form_token(entry.pk, issued_at=time.time() - 6)
    client.post(post_url(entry), form_data(entry, token=token))
    assert Comment.objects.count() == 1


@pytest.mark.parametrize("token", ["", "forged", "eyJlIjoxLCJ0IjowfQ:abc:def"])
def test_missing_or_forged_token_is_dropped_silently(client, entry, token):
    response = client.post(post_url(entry), form_data(entry, token=token), follow=True)
    assert response.status_code == 200
    assert AWAITS in response.content.decode()
    assert not Comment.objects.exists()


def test_token_from_another_entry_is_dropped_silently(client, entry):
    other = EntryFactory()
    token = make_form_token(other.pk, issued_at=time.time() - 60)
    client.post(post_url(entry), form_data(entry, token=token))
    assert not Comment.objects.exists()


def test_form_left_open_too_long_asks_to_submit_again(client, entry, settings):
    settings.COMMENTS_FORM_MAX_AGE_HOURS = 1
    token = make_form_token(entry.pk, issued_at=time.time() - 2 * 3600)
    response = client.post(post_url(entry), form_data(entry, token=token))
    assert response.status_code == 400
    assert "please submit it again" in response.content.decode()
    assert not Comment.objects.exists()


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("name", "", "This field is required."),
        ("email", "not-an-email", "Enter a valid email address."),
        ("body", "", "This field is required."),
        ("body", "x" * 3001, "at most 3000 characters"),
    ],
)
def test_invalid_form_is_shown_again_with_errors_and_nothing_stored(
    client, entry, field, value, message
):
    response = client.post(post_url(entry), form_data(entry, **{field: value}))
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not Comment.objects.exists()


def test_body_of_exactly_3000_characters_is_taken(client, entry):
    client.post(post_url(entry), form_data(entry, body="x" * 3000))
    assert len(Comment.objects.get().body) == 3000


def test_comment_on_a_draft_is_404(client):
    draft = EntryFactory(draft=True)
    assert client.post(post_url(draft), form_data(draft)).status_code == 404
    assert not Comment.objects.exists()


def test_comment_on_a_scheduled_entry_is_404(client):
    scheduled = EntryFactory(scheduled=True)
    assert client.post(post_url(scheduled), form_data(scheduled)).status_code == 404


def test_comment_on_an_unknown_entry_is_404(client, entry):
    assert client.post("/comments/post/999999/", form_data(entry)).status_code == 404


def test_comment_on_an_entry_closed_by_the_editor_is_403_with_a_message(client):
    closed = EntryFactory(comments_open=False)
    response = client.post(post_url(closed), form_data(closed))
    assert response.status_code == 403
    assert "Comments are closed on this entry." in response.content.decode()
    assert not Comment.objects.exists()
    page = client.get(closed.get_absolute_url()).content.decode()
    assert "Comments are closed." in page
    assert 'name="token"' not in page


def test_comments_close_by_themselves_after_the_configured_days(client, settings):
    settings.COMMENTS_CLOSE_AFTER_DAYS = 30
    old = EntryFactory(publish_at=timezone.now() - datetime.timedelta(days=30, minutes=1))
    recent = EntryFactory(publish_at=timezone.now() - datetime.timedelta(days=29, hours=23))
    assert client.post(post_url(old), form_data(old)).status_code == 403
    assert client.post(post_url(recent), form_data(recent)).status_code == 302
    assert list(Comment.objects.values_list("entry", flat=True)) == [recent.pk]


def test_zero_close_after_days_keeps_comments_open(client, settings):
    settings.COMMENTS_CLOSE_AFTER_DAYS = 0
    old = EntryFactory(publish_at=timezone.now() - datetime.timedelta(days=3650))
    assert client.post(post_url(old), form_data(old)).status_code == 302


def test_blocked_email_is_refused_whatever_its_case(client, entry):
    Block.objects.create(kind=Block.Kind.EMAIL, value="Spammer@Example.com")
    response = client.post(post_url(entry), form_data(entry, email="SPAMMER@example.com"))
    assert response.status_code == 403
    assert "Comments from this address are not accepted." in response.content.decode()
    assert not Comment.objects.exists()


def test_blocked_ip_is_refused(client, entry):
    Block.objects.create(kind=Block.Kind.IP, value="203.0.113.9")
    response = client.post(post_url(entry), form_data(entry), REMOTE_ADDR="203.0.113.9")
    assert response.status_code == 403
    assert not Comment.objects.exists()
    assert client.post(post_url(entry), form_data(entry), REMOTE_ADDR="203.0.113.10").status_code
    assert Comment.objects.count() == 1


def test_rate_limit_per_ip_gives_429_and_stores_nothing(client, entry, settings):
    settings.COMMENTS_RATE_LIMIT = 3
    settings.COMMENTS_RATE_WINDOW_MINUTES = 10
    for n in range(3):
        response = client.post(
            post_url(entry), form_data(entry, email=f"r{n}@example.com"), REMOTE_ADDR="192.0.2.1"
        )
        assert response.status_code == 302
    response = client.post(
        post_url(entry), form_data(entry, email="r9@example.com"), REMOTE_ADDR="192.0.2.1"
    )
    assert response.status_code == 429
    assert "too many comments" in response.content.decode()
    assert Comment.objects.count() == 3
    # Another IP is not affected.
    response = client.post(
        post_url(entry), form_data(entry, email="r8@example.com"), REMOTE_ADDR="192.0.2.2"
    )
    assert response.status_code == 302


def test_rate_limit_per_email_holds_across_ips(client, entry, settings):
    settings.COMMENTS_RATE_LIMIT = 2
    for n in range(2):
        client.post(post_url(entry), form_data(entry), REMOTE_ADDR=f"192.0.2.{n + 10}")
    response = client.post(
        post_url(entry), form_data(entry, email="ADA@example.com"), REMOTE_ADDR="192.0.2.99"
    )
    assert response.status_code == 429
    assert Comment.objects.count() == 2


def test_rate_limit_resets_when_the_window_passes(client, entry, settings, monkeypatch):
    settings.COMMENTS_RATE_LIMIT = 1
    settings.COMMENTS_RATE_WINDOW_MINUTES = 10
    now = time.time()
    monkeypatch.setattr("newsroom.ratelimit.time.time", lambda: now)
    assert client.post(post_url(entry), form_data(entry)).status_code == 302
    assert client.post(post_url(entry), form_data(entry)).status_code == 429
    monkeypatch.setattr("newsroom.ratelimit.time.time", lambda: now + 601)
    assert client.post(post_url(entry), form_data(entry)).status_code == 302
    assert Comment.objects.count() == 2


def test_unparseable_client_ip_is_stored_as_none(client, entry):
    client.post(post_url(entry), form_data(entry), REMOTE_ADDR="not-an-ip")
    assert Comment.objects.get().ip_address is None


def test_ip_is_read_from_the_configured_proxy_header(client, entry, settings):
    settings.CLIENT_IP_HEADER = "HTTP_X_REAL_IP"
    client.post(post_url(entry), form_data(entry), HTTP_X_REAL_IP="2001:db8::1")
    assert Comment.objects.get().ip_address == "2001:db8::1"


def test_moderators_get_an_email_about_a_pending_comment_when_enabled(
    client, entry, moderator, settings, mailoutbox, django_capture_on_commit_callbacks
):
    settings.COMMENTS_NOTIFY_MODERATORS = True
    with django_capture_on_commit_callbacks(execute=True):
        client.post(post_url(entry), form_data(entry))
    assert len(mailoutbox) == 1
    assert mailoutbox[0].to == ["moderator@example.com"]
    assert "A thoughtful remark." in mailoutbox[0].body
    assert "awaits moderation" in mailoutbox[0].subject


def test_no_email_when_notifications_are_off(
    client, entry, moderator, settings, mailoutbox, django_capture_on_commit_callbacks
):
    settings.COMMENTS_NOTIFY_MODERATORS = False
    with django_capture_on_commit_callbacks(execute=True):
        client.post(post_url(entry), form_data(entry))
    assert mailoutbox == []


def test_nul_character_in_the_body_is_a_form_error_not_a_500(client, entry):
    response = client.post(post_url(entry), form_data(entry, body="hello\x00world"))
    assert response.status_code == 400
    assert "Null characters are not allowed." in response.content.decode()
    assert not Comment.objects.exists()


def test_out_of_range_entry_id_is_404_not_a_500(client, entry):
    response = client.post("/comments/post/99999999999999999999999/", form_data(entry))
    assert response.status_code == 404


# The posting service itself decides blocks and limits, so every caller gets them.


def test_posting_service_refuses_a_blocked_sender_whoever_calls_it():
    entry = EntryFactory()
    Block.objects.create(kind=Block.Kind.EMAIL, value="bot@spam.example")
    with pytest.raises(services.CommentRefused) as refusal:
        services.post_comment(
            entry=entry, name="Bot", email="BOT@spam.example", body="Hi", ip_address=None
        )
    assert refusal.value.status == 403
    assert not entry.comments.exists()


def test_posting_service_counts_the_rate_limit_whoever_calls_it(settings):
    settings.COMMENTS_RATE_LIMIT = 2
    entry = EntryFactory()

    def post():
        return services.post_comment(
            entry=entry, name="Ann", email="ann@example.com", body="Hi", ip_address="192.0.2.9"
        )

    post()
    post()
    with pytest.raises(services.CommentRefused) as refusal:
        post()
    assert refusal.value.status == 429
    assert entry.comments.count() == 2
