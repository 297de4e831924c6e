"""Project plumbing: production settings are safe, demo content loads the samples faithfully."""

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.utils import timezone

from events.models import Entry
from sources.models import Source

ROOT = Path(__file__).resolve().parent.parent
PRODUCTION = {
    "DJANGO_SETTINGS_MODULE": "newsroom.settings.production",
    "SECRET_KEY": "x" * 20 + "a-long-random-production-secret-for-the-test-0123456789",
    "ALLOWED_HOSTS": "news.example.org",
    "DATABASE_URL": "sqlite:///:memory:",
    "REDIS_URL": "redis://127.0.0.1:6379/0",
}


def _manage(*args, env):
    # The test run itself sets DJANGO_ALLOW_ASYNC_UNSAFE for Playwright; production never would.
    skip = {*PRODUCTION, "DJANGO_ALLOW_ASYNC_UNSAFE"}
    clean = {k: v for k, v in os.environ.items() if k not in skip}
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_check_deploy_passes_with_production_variables():
    result = _manage("check", "--deploy", "--fail-level", "WARNING", env=PRODUCTION)
    assert result.returncode == 0, result.stdout + result.stderr


def test_check_deploy_warns_when_production_has_no_shared_cache():
    env = {k: v for k, v in PRODUCTION.items() if k != "REDIS_URL"}
    result = _manage("check", "--deploy", "--fail-level", "WARNING", env=env)
    assert result.returncode != 0
    assert "newsroom.W001" in result.stderr and "Set REDIS_URL" in result.stderr


@pytest.mark.parametrize("missing", ["SECRET_KEY", "ALLOWED_HOSTS"])
def test_production_refuses_to_start_without_its_secrets(missing):
    env = {k: v for k, v in PRODUCTION.items() if k != missing}
    result = _manage("check", env=env)
    assert result.returncode != 0
    assert f"The environment variable {missing} is required in production" in result.stderr


@pytest.mark.django_db
def test_demo_content_is_the_sample_page_its_related_entries_and_the_four_articles(capsys):
    call_command("load_demo")
    out = capsys.readouterr().out
    seed = Entry.objects.filter(event_date__year__lte=2020)
    assert seed.published().count() == 15
    botswana = Entry.objects.get(event_date="2014-02-19")
    assert botswana.headline.startswith("Botswana ends diplomatic relations with North Korea")
    assert sorted(botswana.tags.names()) == ["North Korea", "human rights"]
    assert botswana.citations.get().source.publisher.name == "Global Post"
    assert Entry.objects.filter(tags__name="North Korea").count() == 15
    independent = Source.objects.get(url__contains="a9241856", publisher__name="The Independent")
    assert (independent.byline, str(independent.published_on)) == ("Kate Ng", "2019-12-11")
    assert Source.objects.filter(entries__in=seed).distinct().count() == 5
    assert "Demo editor: sign in at /admin/ as 'editor' with password " in out


DEMO_LINE = re.compile(
    r"^Demo (editor|reporter|moderator): sign in at /admin/ as '\1' with password (\S+)$"
)


def demo_passwords(out: str) -> dict[str, str]:
    return {m.group(1): m.group(2) for line in out.splitlines() if (m := DEMO_LINE.match(line))}


@pytest.mark.django_db
def test_demo_accounts_are_group_members_not_superusers_each_printed_on_one_line(capsys):
    call_command("load_demo")
    passwords = demo_passwords(capsys.readouterr().out)
    assert set(passwords) == {"editor", "reporter", "moderator"}
    groups = {"editor": "Editors", "reporter": "Reporters", "moderator": "Moderators"}
    for username, password in passwords.items():
        user = get_user_model().objects.get(username=username)
        assert user.check_password(password) and user.is_staff and not user.is_superuser
        assert list(user.groups.values_list("name", flat=True)) == [groups[username]]


@pytest.mark.django_db
def test_a_second_run_changes_nothing_an_editor_did_and_keeps_the_passwords(capsys):
    call_command("load_demo")
    first = demo_passwords(capsys.readouterr().out)
    deleted = Entry.objects.get(event_date="2014-02-19")
    edited = Entry.objects.exclude(pk=deleted.pk).first()
    deleted.delete()
    edited.headline = "Edited by the desk"
    edited.save()
    edited.tags.set(["Only tag"])
    before = sorted(Entry.objects.values_list("pk", "headline", "search_tags"))

    call_command("load_demo")
    out = capsys.readouterr().out
    assert demo_passwords(out) == {}
    assert f"not loaded, the database already has {len(before)} entries" in out
    assert "'editor' exists, password unchanged" in out and "changepassword editor" in out
    assert sorted(Entry.objects.values_list("pk", "headline", "search_tags")) == before
    assert not Entry.objects.filter(event_date="2014-02-19").exists()
    for username, password in first.items():
        assert get_user_model().objects.get(username=username).check_password(password)


@pytest.mark.django_db
def test_demo_entries_are_published_on_their_event_date(capsys):
    call_command("load_demo", "--no-accounts")
    for entry in Entry.objects.all():
        assert timezone.localtime(entry.publish_at).date() == entry.event_date
