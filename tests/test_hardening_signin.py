"""Admin sign-in throttling: django-axes with a limit per username and address, and per address."""

import datetime

import pytest
from axes.models import AccessAttempt
from django.core.management import call_command

LOGIN = "/admin/login/?next=/admin/"
PASSWORD = "pw-editor-1"  # the editor fixture's


def sign_in(client, username="editor", password=PASSWORD, ip="203.0.113.7"):
    return client.post(LOGIN, {"username": username, "password": password}, REMOTE_ADDR=ip)


def signed_in(response) -> bool:
    return response.status_code == 302 and response["Location"] == "/admin/"


def assert_locked_out(response, settings):
    assert response.status_code == 429
    assert response["Retry-After"] == str(15 * 60)
    page = response.content.decode()
    assert "Too many sign-in attempts" in page
    assert "blocked for 15 minutes" in page and "even with the right password" in page


def test_four_failures_then_the_right_password_signs_in(client, editor):
    for _ in range(4):
        assert sign_in(client, password="wrong").status_code == 200
    assert signed_in(sign_in(client))


def test_five_failures_lock_the_username_at_that_address_even_with_the_right_password(
    client, editor, settings
):
    responses = [sign_in(client, password=f"wrong-{n}") for n in range(5)]
    assert [r.status_code for r in responses[:4]] == [200] * 4
    assert_locked_out(responses[4], settings)
    assert_locked_out(sign_in(client), settings)
    # The count lives in the database, where every gunicorn worker reads it.
    assert AccessAttempt.objects.get(username="editor").failures_since_start == 5


def test_the_lock_is_per_username_and_address(client, editor, django_user_model):
    django_user_model.objects.create_superuser("chief", "chief@example.com", "pw-chief-1")
    for _ in range(5):
        sign_in(client, password="wrong")
    assert signed_in(sign_in(client, ip="198.51.100.2"))  # same user, another address
    client.logout()
    assert signed_in(sign_in(client, username="chief", password="pw-chief-1"))


def test_an_address_trying_many_usernames_is_locked_at_the_larger_limit(client, editor, settings):
    assert settings.SIGNIN_IP_FAILURE_LIMIT == 20
    for n in range(19):  # 19 usernames, one failure each: under both limits
        assert sign_in(client, username=f"guess{n}", password="wrong").status_code == 200
    assert_locked_out(sign_in(client, username="guess19", password="wrong"), settings)
    assert_locked_out(sign_in(client), settings)  # a real account, right password
    assert signed_in(sign_in(client, ip="198.51.100.2"))


def test_refused_attempts_do_not_extend_the_lock_which_ends_after_15_minutes(
    client, editor, settings
):
    for _ in range(5):
        sign_in(client, password="wrong")
    for _ in range(3):
        assert_locked_out(sign_in(client), settings)
    assert AccessAttempt.objects.get().failures_since_start == 5
    # Fifteen minutes pass (the attempts are dated back rather than the clock moved forward).
    AccessAttempt.objects.update(
        attempt_time=datetime.datetime.now(datetime.UTC) - datetime.timedelta(minutes=15, seconds=1)
    )
    assert signed_in(sign_in(client))


def test_an_administrator_unlocks_with_axes_reset(client, editor, settings):
    for _ in range(5):
        sign_in(client, password="wrong")
    assert_locked_out(sign_in(client), settings)
    call_command("axes_reset_username", "editor")
    assert signed_in(sign_in(client))


def test_an_administrator_unlocks_in_the_admin(client, editor, django_user_model, settings):
    for _ in range(5):
        sign_in(client, password="wrong")
    chief = django_user_model.objects.create_superuser("chief", "chief@example.com", "pw-c-1")
    admin = type(client)()
    admin.force_login(chief)
    changelist = admin.get("/admin/axes/accessattempt/")
    assert changelist.status_code == 200 and b"203.0.113.7" in changelist.content
    attempt = AccessAttempt.objects.get()
    response = admin.post(f"/admin/axes/accessattempt/{attempt.pk}/delete/", {"post": "yes"})
    assert response.status_code == 302
    assert signed_in(sign_in(client))


@pytest.mark.django_db
def test_the_public_site_is_not_throttled(client):
    """Axes watches authentication only; readers never sign in."""
    for _ in range(10):
        assert client.get("/").status_code == 200
