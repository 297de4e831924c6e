"""Hostile and careless input: who may read drafts by URL, what the public output says about
accounts, files that imports must read or refuse cleanly, and what a refused request logs.

(Feeds, pages and JSON-LD under hostile text: tests/test_hostile_feeds.py; moved slugs in the
API: tests/test_api_moved.py.)
"""

import io
import json
import logging
import shutil
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.utils.module_loading import import_string

from events.models import Entry
from tests.factories import EntryFactory, UserFactory, import_events, json_ld, member

pytestmark = pytest.mark.django_db


# --- drafts by URL: previews need the entry's view or change permission ------------------------


UNPUBLISHED: dict[str, dict] = {
    "draft": {"draft": True},
    "review": {"status": Entry.Status.REVIEW, "publish_at": None},
    "scheduled": {"scheduled": True},
}


@pytest.mark.parametrize("state", sorted(UNPUBLISHED))
def test_unpublished_entry_is_404_for_a_moderator_and_staff_without_entry_permission(
    client, moderator, state
):
    entry = EntryFactory(headline="Embargoed story", **UNPUBLISHED[state])
    for user in (moderator, member("plain_staff", None)):
        client.force_login(user)
        response = client.get(entry.get_absolute_url())
        assert response.status_code == 404, (state, user.username)
        assert "Embargoed story" not in response.content.decode()


@pytest.mark.parametrize("group", ["Reporters", "Editors"])
@pytest.mark.parametrize("state", sorted(UNPUBLISHED))
def test_reporters_and_editors_see_the_preview_of_an_unpublished_entry(client, group, state):
    entry = EntryFactory(headline="Embargoed story", **UNPUBLISHED[state])
    client.force_login(member("desk_member", group))
    response = client.get(entry.get_absolute_url())
    assert response.status_code == 200
    assert "Preview" in response.content.decode()
    assert response["Cache-Control"] == "private, no-cache"


def test_a_moderator_still_reads_live_entries(client, moderator):
    entry = EntryFactory(headline="Live story")
    client.force_login(moderator)
    assert client.get(entry.get_absolute_url()).status_code == 200


# --- the author in public output: a full name or the newsroom, never a login name -------------


def test_json_ld_names_the_author_by_full_name(client):
    author = UserFactory(username="jdoe_login", first_name="Jane", last_name="Doe")
    entry = EntryFactory(author=author)
    html = client.get(entry.get_absolute_url()).content.decode()
    assert json_ld(html)["author"] == {"@type": "Person", "name": "Jane Doe"}
    assert "jdoe_login" not in html


def test_json_ld_names_the_newsroom_when_the_author_has_no_full_name(client, settings):
    settings.SITE_NAME = "The Harbour Times"
    entry = EntryFactory(author=UserFactory(username="reporter"))
    html = client.get(entry.get_absolute_url()).content.decode()
    assert json_ld(html)["author"] == {"@type": "Organization", "name": "The Harbour Times"}
    assert '"reporter"' not in html


def test_no_public_output_carries_the_author_login_name(client, settings):
    settings.API_RATE_LIMIT = 0
    settings.API_CHANGES_SETTLE_SECONDS = 0
    from api.changes import record_all_live

    entry = EntryFactory(author=UserFactory(username="zq_login_name"), tags=["Harbour"])
    record_all_live()
    urls = [
        entry.get_absolute_url(),
        "/",
        "/events/",
        "/feeds/rss/",
        "/feeds/atom/",
        "/tags/harbour/rss/",
        f"/api/v1/entries/{entry.pk}/",
        "/api/v1/entries/",
        "/api/v1/changes/",
        "/sitemap-news.xml",
    ]
    for url in urls:
        response = client.get(url)
        assert response.status_code == 200, url
        assert "zq_login_name" not in response.content.decode(), url


def test_comment_form_of_a_signed_in_account_is_not_filled_with_its_login_name(client):
    entry = EntryFactory()
    client.force_login(member("zq_login_name", "Editors", email="desk@example.com"))
    html = client.get(entry.get_absolute_url()).content.decode()
    assert 'name="name"' in html
    assert "zq_login_name" not in html


def test_comment_form_is_filled_with_the_full_name_when_there_is_one(client):
    entry = EntryFactory()
    client.force_login(member("zq_login_name", "Editors", first_name="Ann", last_name="Lee"))
    html = client.get(entry.get_absolute_url()).content.decode()
    assert 'value="Ann Lee"' in html


# --- imports: hostile files are refused with file:line: reason, careful ones accepted ----------


GOOD_LINE = json.dumps(
    {
        "event_date": "2014-02-19",
        "slug": "good",
        "headline": "Good",
        "status": "published",
        "publish_at": "2014-02-19T12:00:00+00:00",
    }
)


@pytest.mark.parametrize("depth", [17, 5_000, 200_000])
def test_deeply_nested_json_line_is_refused_with_file_line_and_reason(tmp_path, depth):
    path = tmp_path / "nested.jsonl"
    nested = "[" * depth + "]" * depth
    path.write_text(f"{GOOD_LINE}\n" + GOOD_LINE[:-1] + f', "x": {nested}}}\n', encoding="utf-8")
    err = io.StringIO()
    with pytest.raises(CommandError, match="1 file"):
        call_command("import_events", str(path), stdout=io.StringIO(), stderr=err)
    assert f"error: {path}:2: nested deeper than 16 levels" in err.getvalue()
    assert "Traceback" not in err.getvalue()
    assert Entry.objects.count() == 0


def test_an_exported_record_is_well_within_the_nesting_limit(tmp_path):
    from interchange.jsonlines import MAX_NESTING, entry_record, export_queryset, nesting
    from tests.factories import CitationFactory, CommentFactory

    entry = EntryFactory(tags=["Harbour"])
    CitationFactory(entry=entry)
    CommentFactory(entry=entry, status="approved")
    record = json.loads(json.dumps(entry_record(export_queryset().get(pk=entry.pk)), default=str))
    assert nesting(record) <= MAX_NESTING // 2


def test_json_lines_file_with_a_byte_order_mark_is_imported(tmp_path):
    path = tmp_path / "bom.jsonl"
    path.write_bytes(b"\xef\xbb\xbf" + GOOD_LINE.encode() + b"\n")
    out, err = import_events(path)
    assert err == ""
    assert "entries created: 1" in out
    assert Entry.objects.get().slug == "good"


def test_a_byte_order_mark_after_the_first_line_is_still_refused(tmp_path):
    path = tmp_path / "bom-inside.jsonl"
    second = GOOD_LINE.replace('"good"', '"other"')
    path.write_bytes(GOOD_LINE.encode() + b"\n\xef\xbb\xbf" + second.encode() + b"\n")
    err = io.StringIO()
    with pytest.raises(CommandError):
        call_command("import_events", str(path), stdout=io.StringIO(), stderr=err)
    assert f"error: {path}:2: not JSON" in err.getvalue()
    assert Entry.objects.count() == 0


FIXTURE_ROOT = Path(__file__).parent / "fixtures" / "archive"


def test_archive_pages_with_a_byte_order_mark_are_imported(tmp_path):
    shutil.copytree(FIXTURE_ROOT, tmp_path / "archive")
    pages = sorted((tmp_path / "archive").rglob("*.md"))
    assert pages
    for page in pages:
        page.write_bytes(b"\xef\xbb\xbf" + page.read_bytes())
    out, err = io.StringIO(), io.StringIO()
    call_command("import_archive", str(tmp_path / "archive"), stdout=out, stderr=err)
    assert err.getvalue() == ""
    with_bom = set(Entry.objects.values_list("event_date", "slug", "headline"))

    Entry.objects.all().delete()
    call_command("import_archive", str(FIXTURE_ROOT), stdout=io.StringIO(), stderr=io.StringIO())
    assert with_bom == set(Entry.objects.values_list("event_date", "slug", "headline"))
    assert len(with_bom) >= 3


# --- logs: a refused request is one line ------------------------------------------------------


@pytest.fixture
def console_log():
    """The console handler as newsroom/settings/base.py's LOGGING builds it, on a buffer."""
    from newsroom.settings import base

    config = base.LOGGING["handlers"]["console"]
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    for name in config.get("filters", []):
        handler.addFilter(import_string(base.LOGGING["filters"][name]["()"])())
    root = logging.getLogger()
    root.addHandler(handler)
    try:
        yield stream
    finally:
        root.removeHandler(handler)


def test_a_403_logs_one_line_without_a_traceback(client, console_log):
    client.force_login(member("rita", "Reporters"))
    response = client.get("/admin/auth/user/")
    assert response.status_code == 403
    lines = console_log.getvalue().splitlines()
    assert len(lines) == 1, lines
    assert "Forbidden (Permission denied): /admin/auth/user/" in lines[0]
    assert "[403 PermissionDenied]" in lines[0]


def test_a_suspicious_request_logs_one_line_without_a_traceback(client, console_log):
    response = client.get("/", HTTP_HOST="attacker.example")
    assert response.status_code == 400
    lines = console_log.getvalue().splitlines()
    assert len(lines) == 1, lines
    assert "Invalid HTTP_HOST header: 'attacker.example'" in lines[0]
    assert "DisallowedHost" in lines[0] and "Traceback" not in lines[0]


def test_a_server_error_keeps_its_traceback(console_log):
    try:
        raise RuntimeError("boom")
    except RuntimeError:
        logging.getLogger("django.request").error(
            "Internal Server Error: /x/", exc_info=True, extra={"status_code": 500}
        )
    assert "Traceback (most recent call last)" in console_log.getvalue()
    assert "RuntimeError: boom" in console_log.getvalue()
