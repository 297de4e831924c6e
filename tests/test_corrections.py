"""Corrections, clarifications and updates: the service, the desk page, and every public surface."""

import datetime
import json
import re
from xml.etree import ElementTree

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from desk.corrections import CorrectionError, add_correction
from desk.models import AuditEvent, EntryRevision
from events.models import Correction, Entry
from reading.sitemaps import URLS_PER_PAGE
from tests.factories import CitationFactory, EntryFactory

pytestmark = pytest.mark.django_db

ATOM = "{http://www.w3.org/2005/Atom}"


@pytest.fixture
def live():
    return EntryFactory(
        headline="Talks resume on Monday in Geneva",
        slug="talks-resume",
        body="The delegations met on Monday morning.",
    )


def corrected(entry, user, **kwargs) -> Correction:
    kwargs.setdefault("kind", Correction.Kind.CORRECTION)
    kwargs.setdefault("note", "The talks resumed on Tuesday, not Monday.")
    return add_correction(entry, user=user, **kwargs)


def dated(correction: Correction, when: datetime.datetime) -> Correction:
    Correction.objects.filter(pk=correction.pk).update(created=when)
    Entry.objects.filter(pk=correction.entry_id).update(updated=when)
    correction.refresh_from_db()
    return correction


# --- the service -------------------------------------------------------------------------------


def test_a_correction_keeps_the_published_text_before_and_after(live, editor_member):
    correction = corrected(
        live, editor_member, headline="Talks resume on Tuesday in Geneva", body="They met Tuesday."
    )
    live.refresh_from_db()
    assert live.headline == "Talks resume on Tuesday in Geneva"
    assert (correction.headline_before, correction.body_before) == (
        "Talks resume on Monday in Geneva",
        "The delegations met on Monday morning.",
    )
    assert (correction.headline_after, correction.body_after) == (
        "Talks resume on Tuesday in Geneva",
        "They met Tuesday.",
    )
    assert correction.author == editor_member and correction.changed_text


def test_a_text_change_is_a_new_version_with_a_revision_and_one_audit_event(live, editor_member):
    version = live.version
    corrected(live, editor_member, headline="Talks resume on Tuesday in Geneva")
    live.refresh_from_db()
    assert live.version == version + 1
    revision = EntryRevision.objects.get(entry=live, entry_version=live.version)
    assert revision.action == AuditEvent.Action.CORRECT
    event = AuditEvent.objects.get(entry=live)
    assert event.action == AuditEvent.Action.CORRECT
    assert event.user == editor_member
    assert event.detail == "Correction: The talks resumed on Tuesday, not Monday."


def test_a_note_alone_changes_no_text_but_moves_the_modified_time(live, editor_member):
    before = live.updated
    correction = corrected(live, editor_member, kind="update", note="Talks continue tomorrow.")
    live.refresh_from_db()
    assert not correction.changed_text
    assert live.version == 1 and live.updated == correction.created > before
    assert AuditEvent.objects.get(entry=live).action == AuditEvent.Action.CORRECT


def test_an_empty_note_is_refused_and_nothing_changes(live, editor_member):
    with pytest.raises(CorrectionError, match="empty note"):
        corrected(live, editor_member, note="   ", headline="Changed anyway?")
    live.refresh_from_db()
    assert live.headline == "Talks resume on Monday in Geneva" and live.version == 1
    assert not Correction.objects.exists() and not AuditEvent.objects.exists()


def test_a_reporter_cannot_add_a_correction(live, reporter):
    with pytest.raises(CorrectionError, match="Only editors"):
        corrected(live, reporter)
    assert not Correction.objects.exists()


@pytest.mark.parametrize("trait", ["draft", "scheduled"])
def test_only_a_live_entry_is_corrected(editor_member, trait):
    entry = EntryFactory(**{trait: True})
    with pytest.raises(CorrectionError, match="Only a live entry"):
        corrected(entry, editor_member)
    assert not Correction.objects.exists()


def test_an_unknown_kind_and_an_empty_headline_are_refused(live, editor_member):
    with pytest.raises(CorrectionError, match="Unknown kind"):
        corrected(live, editor_member, kind="retraction")
    with pytest.raises(CorrectionError, match="headline cannot be empty"):
        corrected(live, editor_member, headline="  ")
    assert not Correction.objects.exists()


def test_the_database_refuses_an_empty_note_too(live):
    from django.db import IntegrityError, transaction

    with pytest.raises(IntegrityError), transaction.atomic():
        Correction.objects.create(entry=live, note="", headline_before="a", headline_after="a")


def test_the_command_adds_a_correction_and_says_why_it_refuses(live, editor_member, tmp_path):
    body = tmp_path / "body.md"
    body.write_text("They met on Tuesday morning.", encoding="utf-8")
    call_command(
        "correct_entry",
        "2014-02-19/talks-resume",
        "--as",
        "amy_editor",
        "--note",
        "Tuesday, not Monday.",
        "--body-file",
        str(body),
    )
    assert Correction.objects.get().body_after == "They met on Tuesday morning."
    with pytest.raises(CommandError, match="empty note"):
        call_command("correct_entry", "2014-02-19/talks-resume", "--as", "amy_editor", "--note", "")
    with pytest.raises(CommandError, match="No entry"):
        call_command("correct_entry", "2014-02-19/nope", "--as", "amy_editor", "--note", "x")


# --- the desk page -----------------------------------------------------------------------------


def test_an_editor_adds_a_correction_from_the_admin(client, live, editor_member):
    client.force_login(editor_member)
    change = client.get(f"/admin/events/entry/{live.pk}/change/").content.decode()
    url = f"/admin/events/entry/{live.pk}/correct/"
    assert f'href="{url}"' in change
    form = client.get(url)
    assert form.status_code == 200
    assert form.context["form"].initial["headline"] == live.headline
    response = client.post(
        url,
        {
            "kind": "clarification",
            "note": "Geneva means the Palais des Nations.",
            "headline": live.headline,
            "body": live.body,
        },
    )
    assert response.status_code == 302
    correction = Correction.objects.get()
    assert correction.kind == "clarification" and not correction.changed_text


def test_the_admin_refuses_an_empty_note_with_a_message_and_keeps_the_text(
    client, live, editor_member
):
    client.force_login(editor_member)
    response = client.post(
        f"/admin/events/entry/{live.pk}/correct/",
        {"kind": "correction", "note": "", "headline": "Typed headline", "body": ""},
    )
    assert response.status_code == 200
    assert "empty note" in response.content.decode()
    assert response.context["form"]["headline"].value() == "Typed headline"
    live.refresh_from_db()
    assert live.headline == "Talks resume on Monday in Geneva"
    assert not Correction.objects.exists()


def test_reporters_get_no_correction_page_nor_link(client, live, reporter):
    client.force_login(reporter)
    assert client.get(f"/admin/events/entry/{live.pk}/correct/").status_code == 403
    change = client.get(f"/admin/events/entry/{live.pk}/change/").content.decode()
    assert "/correct/" not in change


# --- the public surfaces -----------------------------------------------------------------------


@pytest.fixture
def with_correction(live, editor_member):
    correction = corrected(
        live, editor_member, headline="Talks resume on Tuesday in Geneva", body="They met Tuesday."
    )
    return dated(correction, datetime.datetime(2024, 3, 3, 9, 30, tzinfo=datetime.UTC))


def test_the_entry_page_shows_the_dated_note_linking_to_what_changed(client, with_correction):
    html = client.get(with_correction.entry.get_absolute_url()).content.decode()
    assert "Corrected <time" in html and "3 March 2024</time>:" in html
    assert "The talks resumed on Tuesday, not Monday." in html
    assert f'href="/corrections/{with_correction.pk}/"' in html


def test_what_changed_compares_the_published_texts_word_by_word(client, with_correction):
    response = client.get(f"/corrections/{with_correction.pk}/")
    html = response.content.decode()
    assert response.status_code == 200
    assert "<del>Monday</del><ins>Tuesday</ins>" in html
    assert "Corrected" in html and "3 March 2024" in html


def test_what_changed_never_shows_a_draft(client, with_correction, editor_member):
    entry = with_correction.entry
    Entry.objects.filter(pk=entry.pk).update(status=Entry.Status.DRAFT, body="Secret draft")
    assert client.get(f"/corrections/{with_correction.pk}/").status_code == 404
    assert client.get("/corrections/").context["corrections"].count() == 0
    # An editor previewing it sees the same 404: the page is public, the text is published.
    client.force_login(editor_member)
    assert client.get(f"/corrections/{with_correction.pk}/").status_code == 404


def test_a_note_that_changed_no_text_says_so(client, live, editor_member):
    correction = corrected(live, editor_member, kind="update", note="Talks go on tomorrow.")
    html = client.get(f"/corrections/{correction.pk}/").content.decode()
    assert "changed nothing in the headline or the text" in html
    assert "Updated" in html


def test_json_ld_has_date_modified_and_the_note_as_correction_comment(client, with_correction):
    html = client.get(with_correction.entry.get_absolute_url()).content.decode()
    block = re.search(r'<script type="application/ld\+json">(.*?)</script>', html, re.S).group(1)
    data = json.loads(block)
    assert data["dateModified"] == "2024-03-03T09:30:00+00:00"
    assert data["correction"] == [
        {
            "@type": "CorrectionComment",
            "name": "Corrected 3 March 2024",
            "text": "The talks resumed on Tuesday, not Monday.",
            "datePublished": "2024-03-03T09:30:00+00:00",
            "url": f"http://testserver/corrections/{with_correction.pk}/",
        }
    ]


def test_atom_and_rss_feeds_carry_the_modified_time(client, with_correction):
    atom = ElementTree.fromstring(client.get("/feeds/atom/").content)
    entry = atom.find(f"{ATOM}entry")
    assert entry.find(f"{ATOM}updated").text == "2024-03-03T09:30:00+00:00"
    rss = ElementTree.fromstring(client.get("/feeds/rss/").content)
    item = rss.find("channel/item")
    assert item.find(f"{ATOM}updated").text == "2024-03-03T09:30:00+00:00"


def test_sitemap_lastmod_is_the_correction_time(client, with_correction):
    page = (with_correction.entry_id - 1) // URLS_PER_PAGE + 1  # pages are blocks of ids
    xml = client.get(f"/sitemap-entries.xml?p={page}").content.decode()
    assert "<lastmod>2024-03-03</lastmod>" in xml


def test_the_corrections_page_and_feeds_list_notes_newest_first(client, live, editor_member):
    other = EntryFactory(headline="Bridge reopens", slug="bridge")
    older = dated(
        corrected(live, editor_member, note="Older note."),
        datetime.datetime(2024, 3, 1, tzinfo=datetime.UTC),
    )
    newer = dated(
        corrected(other, editor_member, kind="update", note="Newer note."),
        datetime.datetime(2024, 3, 5, tzinfo=datetime.UTC),
    )
    page = client.get("/corrections/")
    assert list(page.context["corrections"]) == [newer, older]
    html = page.content.decode()
    assert html.index("Newer note.") < html.index("Older note.")
    rss = ElementTree.fromstring(client.get("/corrections/rss/").content)
    titles = [item.findtext("title") for item in rss.findall("channel/item")]
    assert titles == ["Updated: Bridge reopens", "Corrected: Talks resume on Monday in Geneva"]
    atom = ElementTree.fromstring(client.get("/corrections/atom/").content)
    links = [e.find(f"{ATOM}link").get("href") for e in atom.findall(f"{ATOM}entry")]
    assert links == [
        f"http://testserver/corrections/{newer.pk}/",
        f"http://testserver/corrections/{older.pk}/",
    ]


def test_the_entry_page_query_count_does_not_grow_with_corrections(
    client, live, editor_member, django_assert_max_num_queries
):
    CitationFactory(entry=live)
    corrected(live, editor_member, note="One.")
    url = live.get_absolute_url()
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as one:
        client.get(url)
    for n in range(4):
        corrected(live, editor_member, note=f"Note {n}.")
    with django_assert_max_num_queries(len(one)):
        response = client.get(url)
    assert len(response.context["entry"].corrections.all()) == 5


def test_notes_of_an_entry_that_is_not_live_stay_off_the_list(client, editor_member):
    entry = EntryFactory()
    correction = corrected(entry, editor_member)
    Entry.objects.filter(pk=entry.pk).update(publish_at=timezone.now() + datetime.timedelta(1))
    assert client.get("/corrections/").context["corrections"].count() == 0
    assert client.get(f"/corrections/{correction.pk}/").status_code == 404
