"""Revisions: compare any two word by word; restore one, across renamed tags and edited sources."""

from typing import Any

import pytest
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from taggit.models import Tag

from desk import history, workflow
from desk.history import RestoreError, compare
from desk.models import AuditEvent, EntryRevision
from desk.snapshots import EntrySnapshot, SourceSnapshot
from events.models import Entry
from events.textdiff import DELETE, EQUAL, INSERT, Segment
from sources.models import Citation, Source
from tests.factories import EntryFactory, SourceFactory, UserFactory, signed_in


def kept(entry, version):
    """The revision that kept `entry` at `version` (the test fails if there is none)."""
    found = history.revision_of(entry, version)
    assert found is not None, f"no revision of version {version}"
    return found


# --- comparing snapshots (no database) ---------------------------------------------------------


def snap(**fields):
    values: dict[str, Any] = {
        "event_date": "2014-02-19",
        "headline": "Botswana ends relations",
        "slug": "s",
    }
    values.update(fields)
    return EntrySnapshot(**values)


def src(url, **details):
    return SourceSnapshot(url=f"https://example.org/{url}", title=url.title(), **details)


def test_a_changed_word_is_shown_deleted_then_inserted_among_the_words_kept():
    old = snap(headline="Botswana ends diplomatic relations with North Korea.")
    new = snap(headline="Botswana cuts diplomatic relations with North Korea.")

    [headline] = compare(old, new).texts

    assert headline.name == "headline"
    assert headline.segments == [
        Segment(EQUAL, "Botswana "),
        Segment(DELETE, "ends"),
        Segment(INSERT, "cuts"),
        Segment(EQUAL, " diplomatic relations with North Korea."),
    ]
    assert headline.html == (
        "Botswana <del>ends</del><ins>cuts</ins> diplomatic relations with North Korea."
    )


def test_words_added_to_the_body_are_inserted_and_unchanged_fields_are_not_listed():
    old = snap(body="The UN reported the findings.")
    new = snap(body="The UN reported the findings on Monday.")

    comparison = compare(old, new)

    assert [t.name for t in comparison.texts] == ["body"]
    assert str(comparison.texts[0].html) == "The UN reported the findings<ins> on Monday</ins>."


def test_the_diff_escapes_html_in_the_text():
    comparison = compare(snap(body="a"), snap(body="a <script>alert(1)</script>"))

    html = str(comparison.texts[0].html)
    assert "<script>" not in html
    assert "&lt;script&gt;" in html


def test_a_long_body_is_aligned_word_by_word_not_rewritten_wholesale():
    words = " ".join(f"word{i % 7} the" for i in range(400))
    comparison = compare(snap(body=words), snap(body=words.replace("word3", "WORD3", 1)))

    [body] = comparison.texts
    assert [s.op for s in body.segments] == [EQUAL, DELETE, INSERT, EQUAL]
    assert (body.segments[1].text, body.segments[2].text) == ("word3", "WORD3")


def test_tags_added_and_removed_compare_without_regard_to_case():
    old = snap(tags=("North Korea", "Botswana"))
    new = snap(tags=("north korea", "Diplomacy"))

    comparison = compare(old, new)

    assert comparison.tags_added == ["Diplomacy"]
    assert comparison.tags_removed == ["Botswana"]
    assert comparison.tags_renamed == []


def test_a_tag_kept_under_its_id_with_another_name_shows_as_renamed():
    old = snap(tags=("Kiev",), tag_ids={"Kiev": 7})
    new = snap(tags=("Kyiv",), tag_ids={"Kyiv": 7})

    comparison = compare(old, new)

    assert comparison.tags_renamed == [("Kiev", "Kyiv")]
    assert (comparison.tags_added, comparison.tags_removed) == ([], [])


def test_sources_added_and_removed_are_listed_with_their_positions():
    old = snap(sources=(src("a"), src("b")))
    new = snap(sources=(src("c"), src("a")))

    comparison = compare(old, new)

    assert [(pos, s.url) for pos, s in comparison.sources_added] == [(1, src("c").url)]
    assert [(pos, s.url) for pos, s in comparison.sources_removed] == [(2, src("b").url)]
    # "a" moved from 1 to 2 only because "c" was put before it: that is not a move.
    assert comparison.sources_moved == []


def test_sources_put_in_another_order_are_moved():
    old = snap(sources=(src("a"), src("b"), src("c")))
    new = snap(sources=(src("c"), src("a"), src("b")))

    comparison = compare(old, new)

    assert [(m.source.url, m.old_position, m.new_position) for m in comparison.sources_moved] == [
        (src("c").url, 3, 1)
    ]
    assert comparison.sources_added == comparison.sources_removed == []


def test_a_source_whose_details_changed_is_listed_with_the_fields():
    old = snap(sources=(src("a", byline="A. Reporter"),))
    new = snap(sources=(src("a", byline="B. Reporter"),))

    [edit] = compare(old, new).sources_edited

    assert edit.fields == ("byline",)


def test_status_publish_time_date_and_slug_are_compared_as_values():
    old = snap(status="draft", publish_at=None)
    new = snap(
        status="published",
        publish_at="2014-02-19T12:00:00+00:00",
        slug="other",
        event_date="2014-02-20",
    )

    comparison = compare(old, new)

    assert [v.name for v in comparison.values] == ["event_date", "slug", "status", "publish_at"]
    status = comparison.values[2]
    assert (status.old, status.new) == ("Draft", "Published")
    assert comparison.values[3].old == "–"


def test_identical_snapshots_have_no_changes():
    one = snap(tags=("A",), sources=(src("a"),))
    assert not compare(one, one).has_changes


# --- restoring ---------------------------------------------------------------------------------


def first_version(user, *, tags=(), sources=(), **fields) -> Entry:
    """An entry saved once through the desk, with its first revision."""
    entry = EntryFactory(tags=list(tags), **fields)
    for position, source in enumerate(sources):
        Citation.objects.create(entry=entry, source=source, position=position)
    workflow.keep_revision(entry, user=user, action=AuditEvent.Action.CREATE)
    return entry


def edit(entry, user, *, tags=None, sources=None, **fields) -> Entry:
    """One more saved version, as the admin saves it."""
    for name, value in fields.items():
        setattr(entry, name, value)
    if tags is not None:
        entry.tags.set(tags)
    if sources is not None:
        Citation.objects.filter(entry=entry).delete()
        for position, source in enumerate(sources):
            Citation.objects.create(entry=entry, source=source, position=position)
    return workflow.save_entry(entry, user=user)


def tag_names(entry):
    return sorted(entry.tags.values_list("name", flat=True))


def cited_urls(entry):
    return list(entry.citations.order_by("position").values_list("source__url", flat=True))


@pytest.mark.django_db
def test_restore_brings_the_text_back_as_a_new_version_with_its_own_revision(editor_member):
    entry = first_version(editor_member, headline="First words")
    edit(entry, editor_member, headline="Second words", body="Added later.")
    first = kept(entry, 1)

    entry = history.restore(entry, first, user=editor_member, note="The first wording is back.")

    entry.refresh_from_db()
    assert (entry.headline, entry.body, entry.version) == ("First words", "", 3)
    newest = history.revisions_of(entry).first()
    assert (newest.entry_version, newest.action) == (3, AuditEvent.Action.RESTORE)
    assert newest.revision.user == editor_member
    assert EntryRevision.objects.filter(entry=entry).count() == 3
    event = AuditEvent.objects.filter(entry=entry, action=AuditEvent.Action.RESTORE).get()
    assert (event.user, event.detail) == (
        editor_member,
        "Restored version 1. Update: The first wording is back.",
    )


@pytest.mark.django_db
def test_restore_keeps_the_publishing_state_as_it_is_now(editor_member):
    entry = first_version(editor_member, draft=True, headline="Draft words")
    edit(entry, editor_member, headline="Live words", status=Entry.Status.PUBLISHED)

    history.restore(entry, kept(entry, 1), user=editor_member, note="Earlier wording restored.")

    entry.refresh_from_db()
    assert entry.headline == "Draft words"
    assert entry.is_live


@pytest.mark.django_db
def test_restore_across_a_tag_rename_uses_the_renamed_tag_and_creates_none(editor_member):
    entry = first_version(editor_member, tags=["Kiev"])
    edit(entry, editor_member, tags=["Ukraine"])
    Tag.objects.filter(name="Kiev").update(name="Kyiv")
    tags_before = Tag.objects.count()

    history.restore(entry, kept(entry, 1), user=editor_member)

    assert tag_names(entry) == ["Kyiv"]
    assert Tag.objects.count() == tags_before
    assert not Tag.objects.filter(name__iexact="kiev").exists()


@pytest.mark.django_db
def test_restore_of_a_tag_deleted_since_creates_it_again(editor_member):
    entry = first_version(editor_member, tags=["Crimea"])
    edit(entry, editor_member, tags=[])
    Tag.objects.filter(name="Crimea").delete()

    history.restore(entry, kept(entry, 1), user=editor_member)

    assert tag_names(entry) == ["Crimea"]


@pytest.mark.django_db
def test_restore_of_a_tag_merged_since_finds_the_surviving_tag_whatever_its_case(editor_member):
    entry = first_version(editor_member, tags=["Kiev"])
    edit(entry, editor_member, tags=[])
    # "Kiev" was merged into a tag spelled "KIEV": the old one is gone, its name survives.
    Tag.objects.filter(name="Kiev").delete()
    survivor = Tag.objects.create(name="KIEV")

    history.restore(entry, kept(entry, 1), user=editor_member)

    assert list(entry.tags.all()) == [survivor]
    assert Tag.objects.filter(name__iexact="kiev").count() == 1


@pytest.mark.django_db
def test_restore_after_a_source_was_edited_cites_it_again_with_its_details_as_now(editor_member):
    source = SourceFactory(title="Old title")
    entry = first_version(editor_member, sources=[source])
    edit(entry, editor_member, sources=[])
    Source.objects.filter(pk=source.pk).update(title="Corrected title")

    history.restore(entry, kept(entry, 1), user=editor_member)

    assert cited_urls(entry) == [source.url]
    source.refresh_from_db()
    assert source.title == "Corrected title"
    assert Source.objects.count() == 1


@pytest.mark.django_db
def test_restore_after_a_source_was_deleted_recreates_it_from_the_revision(editor_member):
    source = SourceFactory(title="Gone article", byline="C. Writer")
    url = source.url
    entry = first_version(editor_member, sources=[source])
    edit(entry, editor_member, sources=[])
    source.delete()

    history.restore(entry, kept(entry, 1), user=editor_member)

    assert cited_urls(entry) == [url]
    recreated = Source.objects.get(url=url)
    assert (recreated.title, recreated.byline) == ("Gone article", "C. Writer")


@pytest.mark.django_db
def test_restore_puts_the_sources_back_in_their_order(editor_member):
    a, b = SourceFactory(), SourceFactory()
    entry = first_version(editor_member, sources=[a, b])
    edit(entry, editor_member, sources=[b, a])

    history.restore(entry, kept(entry, 1), user=editor_member)

    assert cited_urls(entry) == [a.url, b.url]


@pytest.mark.django_db
def test_a_reporter_cannot_restore(reporter, editor_member):
    entry = first_version(editor_member, headline="First words")
    edit(entry, editor_member, headline="Second words")

    with pytest.raises(PermissionDenied):
        history.restore(entry, kept(entry, 1), user=reporter)

    entry.refresh_from_db()
    assert (entry.headline, entry.version) == ("Second words", 2)


@pytest.mark.django_db
def test_restore_refuses_a_revision_of_another_entry(editor_member):
    entry = first_version(editor_member)
    other = first_version(editor_member)

    with pytest.raises(RestoreError, match="another entry"):
        history.restore(entry, kept(other, 1), user=editor_member)


@pytest.mark.django_db
def test_restore_refuses_a_version_with_the_same_content_and_keeps_no_revision(editor_member):
    entry = first_version(editor_member, headline="Same words")
    edit(entry, editor_member, status=Entry.Status.DRAFT)  # only the publishing state changed

    with pytest.raises(RestoreError, match="nothing to restore"):
        history.restore(entry, kept(entry, 1), user=editor_member)

    assert EntryRevision.objects.filter(entry=entry).count() == 2


@pytest.mark.django_db
def test_restore_refuses_a_slug_another_entry_of_the_day_now_has(editor_member):
    entry = first_version(editor_member, slug="the-slug")
    edit(entry, editor_member, slug="new-slug")
    EntryFactory(slug="the-slug", event_date=entry.event_date)

    with pytest.raises(RestoreError, match="the-slug"):
        history.restore(entry, kept(entry, 1), user=editor_member)

    entry.refresh_from_db()
    assert (entry.slug, entry.version) == ("new-slug", 2)


# --- the admin pages ---------------------------------------------------------------------------


def url(name, entry, *args):
    return reverse(f"admin:events_entry_{name}", args=[entry.pk, *args])


@pytest.fixture
def entry_with_history(editor_member):
    entry = first_version(editor_member, headline="Botswana ends relations", tags=["Botswana"])
    edit(entry, editor_member, headline="Botswana cuts relations", tags=["Botswana", "Diplomacy"])
    return entry


@pytest.mark.django_db
def test_the_change_form_links_to_the_revisions(entry_with_history, editor_member):
    response = signed_in(editor_member).get(url("change", entry_with_history))

    assert url("revisions", entry_with_history) in response.content.decode()


@pytest.mark.django_db
def test_the_revisions_page_lists_who_when_and_what_with_restore_buttons(
    entry_with_history, editor_member
):
    response = signed_in(editor_member).get(url("revisions", entry_with_history))

    assert response.status_code == 200
    assert [r.entry_version for r in response.context["revisions"]] == [2, 1]
    page = response.content.decode()
    assert "amy_editor" in page and "Created" in page and "Edited" in page
    assert url("revisions_restore", entry_with_history, 1) in page
    # The current version cannot be restored onto itself: no button for it.
    assert url("revisions_restore", entry_with_history, 2) not in page


@pytest.mark.django_db
def test_a_reporter_reads_the_revisions_but_sees_no_restore_button(entry_with_history, reporter):
    response = signed_in(reporter).get(url("revisions", entry_with_history))

    assert response.status_code == 200
    page = response.content.decode()
    assert url("revisions_restore", entry_with_history, 1) not in page
    assert "Restore" not in page


@pytest.mark.django_db
def test_staff_without_entry_permissions_cannot_read_revisions(entry_with_history, moderator):
    response = signed_in(moderator).get(url("revisions", entry_with_history))

    assert response.status_code == 403


@pytest.mark.django_db
def test_a_reader_is_sent_to_sign_in(entry_with_history, client):
    response = client.get(url("revisions", entry_with_history))

    assert response.status_code == 302
    assert "/login/" in response["Location"]


@pytest.mark.django_db
def test_revisions_of_an_unknown_entry_are_404(editor_member):
    response = signed_in(editor_member).get(reverse("admin:events_entry_revisions", args=[999]))

    assert response.status_code == 404


@pytest.mark.django_db
def test_the_comparison_page_shows_the_word_diff_and_tags(entry_with_history, reporter):
    response = signed_in(reporter).get(
        url("revisions_compare", entry_with_history), {"old": 2, "new": 1}
    )

    assert response.status_code == 200
    # Picked in either order, the older version is "before".
    assert response.context["old"].entry_version == 1
    page = response.content.decode()
    assert "Botswana <del>ends</del><ins>cuts</ins> relations" in page
    assert "<ins>Diplomacy</ins>" in page


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("query", "message"),
    [
        ({"old": 1, "new": 1}, "Pick two different versions"),
        ({"old": 1, "new": 99}, "Pick a version this entry has"),
        ({"old": "x; DROP", "new": 1}, "Pick a version this entry has"),
        ({"new": 1}, "This field is required"),
    ],
)
def test_a_bad_comparison_request_shows_the_list_again_with_the_reason(
    entry_with_history, editor_member, query, message
):
    response = signed_in(editor_member).get(url("revisions_compare", entry_with_history), query)

    assert response.status_code == 200
    assert message in response.content.decode()
    assert "revisions" in response.context


@pytest.mark.django_db
def test_versions_of_another_entry_cannot_be_compared_through_this_one(
    entry_with_history, editor_member
):
    other = first_version(editor_member)
    edit(other, editor_member, headline="Elsewhere")
    other_revisions = {r.entry_version for r in history.revisions_of(other)}
    assert other_revisions == {1, 2}

    response = signed_in(editor_member).get(
        url("revisions_compare", entry_with_history), {"old": 1, "new": 2}
    )

    assert response.context["old"].entry_id == entry_with_history.pk
    assert response.context["new"].entry_id == entry_with_history.pk


@pytest.mark.django_db
def test_restore_asks_for_confirmation_on_get_and_changes_nothing(
    entry_with_history, editor_member
):
    response = signed_in(editor_member).get(url("revisions_restore", entry_with_history, 1))

    assert response.status_code == 200
    page = response.content.decode()
    assert "Yes, restore version 1" in page
    assert "<del>cuts</del><ins>ends</ins>" in page
    entry_with_history.refresh_from_db()
    assert entry_with_history.version == 2


@pytest.mark.django_db
def test_restore_by_post_restores_and_says_so(entry_with_history, editor_member):
    client = signed_in(editor_member)

    response = client.post(
        url("revisions_restore", entry_with_history, 1),
        {"kind": "correction", "note": "Botswana ended relations; it did not cut them."},
        follow=True,
    )

    entry_with_history.refresh_from_db()
    assert entry_with_history.headline == "Botswana ends relations"
    assert tag_names(entry_with_history) == ["Botswana"]
    assert entry_with_history.version == 3
    assert "Restored version 1 as version 3." in response.content.decode()


@pytest.mark.django_db
def test_restore_needs_the_csrf_token(entry_with_history, editor_member):
    client = Client(enforce_csrf_checks=True)
    client.force_login(editor_member)

    response = client.post(url("revisions_restore", entry_with_history, 1))

    assert response.status_code == 403
    entry_with_history.refresh_from_db()
    assert entry_with_history.version == 2


@pytest.mark.django_db
@pytest.mark.parametrize("method", ["get", "post"])
def test_a_reporter_is_refused_the_restore_page_and_the_restore(
    entry_with_history, reporter, method
):
    response = getattr(signed_in(reporter), method)(url("revisions_restore", entry_with_history, 1))

    assert response.status_code == 403
    entry_with_history.refresh_from_db()
    assert entry_with_history.version == 2


@pytest.mark.django_db
def test_restore_accepts_only_get_and_post(entry_with_history, editor_member):
    response = signed_in(editor_member).put(url("revisions_restore", entry_with_history, 1))

    assert response.status_code == 405


@pytest.mark.django_db
def test_restoring_a_version_the_entry_never_had_is_404(entry_with_history, editor_member):
    response = signed_in(editor_member).post(url("revisions_restore", entry_with_history, 42))

    assert response.status_code == 404


@pytest.mark.django_db
def test_a_refused_restore_says_why_and_changes_nothing(editor_member):
    entry = first_version(editor_member, slug="the-slug")
    edit(entry, editor_member, slug="new-slug")
    EntryFactory(slug="the-slug", event_date=entry.event_date)

    response = signed_in(editor_member).post(url("revisions_restore", entry, 1), follow=True)

    assert "which another entry of that day now has" in response.content.decode()
    entry.refresh_from_db()
    assert (entry.slug, entry.version) == ("new-slug", 2)


@pytest.mark.django_db
def test_the_revisions_page_runs_the_same_queries_for_20_revisions_as_for_one(editor_member):
    client = signed_in(editor_member)
    one = first_version(editor_member)
    many = first_version(editor_member, tags=["A", "B"], sources=[SourceFactory()])
    for n in range(19):
        edit(many, editor_member, headline=f"Headline number {n}")
    assert history.revisions_of(many).count() == 20
    client.get(url("revisions", one))  # warm the session and content type caches

    with CaptureQueriesContext(connection) as for_one:
        client.get(url("revisions", one))
    with CaptureQueriesContext(connection) as for_twenty:
        response = client.get(url("revisions", many))

    assert response.status_code == 200
    assert len(response.context["revisions"]) == 20
    assert len(for_twenty) == len(for_one)


@pytest.mark.django_db
def test_the_revisions_page_with_20_revisions_stays_within_its_query_budget(
    editor_member, django_assert_max_num_queries
):
    client = signed_in(editor_member)
    entry = first_version(editor_member)
    for n in range(19):
        edit(entry, editor_member, headline=f"Headline number {n}")

    with django_assert_max_num_queries(10):
        client.get(url("revisions", entry))


@pytest.mark.django_db
def test_revisions_of_reads_revisions_with_their_users_in_one_query(
    editor_member, django_assert_num_queries
):
    entry = first_version(editor_member)
    edit(entry, editor_member, headline="Again")

    with django_assert_num_queries(1):
        rows = [(r.entry_version, r.revision.user.username) for r in history.revisions_of(entry)]

    assert rows == [(2, "amy_editor"), (1, "amy_editor")]


@pytest.mark.django_db
def test_a_user_without_restore_permission_in_a_group_of_their_own_is_refused(
    entry_with_history,
):
    # Staff with every entry permission except restore_entry: still no restore.
    from django.contrib.auth.models import Permission

    user = UserFactory(is_staff=True)
    user.user_permissions.set(
        Permission.objects.filter(
            content_type__app_label="events", codename__endswith="_entry"
        ).exclude(codename="restore_entry")
    )

    response = signed_in(user).post(url("revisions_restore", entry_with_history, 1))

    assert response.status_code == 403
