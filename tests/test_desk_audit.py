"""The audit trail: a read-only list editors filter by user, action and date; the entry timeline."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from desk import history, workflow
from desk.models import AuditEvent
from tests.factories import EntryFactory, member, signed_in

pytestmark = pytest.mark.django_db

Action = AuditEvent.Action
LIST_URL = reverse("admin:desk_auditevent_changelist")


@pytest.fixture
def other_editor():
    return member("ben_editor", "Editors")


def event(action, user, entry, *, when, detail=""):
    created = workflow.record(action, user=user, entry=entry, detail=detail)
    AuditEvent.objects.filter(pk=created.pk).update(created=when)
    return created


@pytest.fixture
def trail(editor_member, other_editor):
    """Three events by two editors on two days, in three actions."""
    kiev = EntryFactory(headline="Protesters clash in Kiev")
    vote = EntryFactory(headline="Parliament votes on the budget")
    day = datetime.datetime(2014, 2, 19, 9, tzinfo=datetime.UTC)
    return {
        "publish": event(Action.PUBLISH, editor_member, kiev, when=day),
        "restore": event(
            Action.RESTORE,
            other_editor,
            kiev,
            when=day + datetime.timedelta(days=1),
            detail="Restored version 2",
        ),
        "unpublish": event(
            Action.UNPUBLISH, editor_member, vote, when=day + datetime.timedelta(days=1)
        ),
    }


def listed(response):
    return {e.pk for e in response.context["cl"].result_list}


def test_editors_see_the_whole_trail_newest_first(trail, editor_member):
    response = signed_in(editor_member).get(LIST_URL)

    assert response.status_code == 200
    assert listed(response) == {e.pk for e in trail.values()}
    assert list(response.context["cl"].result_list)[-1] == trail["publish"]


def test_the_trail_filters_by_action(trail, editor_member):
    response = signed_in(editor_member).get(LIST_URL, {"action__exact": "restore"})

    assert listed(response) == {trail["restore"].pk}


def test_the_trail_filters_by_user(trail, editor_member, other_editor):
    response = signed_in(editor_member).get(LIST_URL, {"user__id__exact": other_editor.pk})

    assert listed(response) == {trail["restore"].pk}


def test_the_trail_filters_by_date(trail, editor_member):
    response = signed_in(editor_member).get(
        LIST_URL, {"created__year": 2014, "created__month": 2, "created__day": 19}
    )

    assert listed(response) == {trail["publish"].pk}


def test_the_trail_searches_entry_labels_and_details(trail, editor_member):
    client = signed_in(editor_member)

    assert listed(client.get(LIST_URL, {"q": "budget"})) == {trail["unpublish"].pk}
    assert listed(client.get(LIST_URL, {"q": "version 2"})) == {trail["restore"].pk}


def test_the_trail_of_one_entry_is_reached_from_its_revisions_page(trail, editor_member):
    entry = trail["publish"].entry
    client = signed_in(editor_member)

    page = client.get(reverse("admin:events_entry_revisions", args=[entry.pk]))
    link = f"{LIST_URL}?entry__id__exact={entry.pk}"
    assert link in page.content.decode()
    assert listed(client.get(link)) == {trail["publish"].pk, trail["restore"].pk}


def test_an_event_keeps_its_entry_label_after_the_entry_is_deleted(trail, editor_member):
    entry = trail["unpublish"].entry
    entry.delete()

    response = signed_in(editor_member).get(LIST_URL, {"q": "budget"})

    assert listed(response) == {trail["unpublish"].pk}
    assert "Parliament votes on the budget" in response.content.decode()


def test_the_trail_list_runs_a_constant_number_of_queries(
    editor_member, django_assert_max_num_queries
):
    entry = EntryFactory()
    when = timezone.now()
    for n in range(60):
        event(Action.EDIT, editor_member, entry, when=when, detail=f"Edit {n}")
    client = signed_in(editor_member)

    with django_assert_max_num_queries(12):
        response = client.get(LIST_URL)
    assert len(response.context["cl"].result_list) == 60


# --- nobody writes the trail through the admin -------------------------------------------------


def test_reporters_cannot_see_the_trail(trail, reporter):
    client = signed_in(reporter)

    assert client.get(LIST_URL).status_code == 403
    change = reverse("admin:desk_auditevent_change", args=[trail["publish"].pk])
    assert client.get(change).status_code == 403


@pytest.mark.parametrize("who", ["editor_member", "editor"])  # a group member and a superuser
def test_nobody_adds_changes_or_deletes_audit_events(trail, request, who):
    client = signed_in(request.getfixturevalue(who))
    pk = trail["publish"].pk
    change = reverse("admin:desk_auditevent_change", args=[pk])

    assert client.get(reverse("admin:desk_auditevent_add")).status_code == 403
    assert client.post(change, {"detail": "rewritten"}).status_code == 403
    assert client.post(reverse("admin:desk_auditevent_delete", args=[pk])).status_code == 403
    client.post(LIST_URL, {"action": "delete_selected", "_selected_action": [pk]})
    assert AuditEvent.objects.filter(pk=pk, detail="").exists()
    assert client.get(LIST_URL).context["action_form"] is None  # no bulk actions at all


def test_editors_read_one_event_without_a_save_button(trail, editor_member):
    change = reverse("admin:desk_auditevent_change", args=[trail["restore"].pk])

    response = signed_in(editor_member).get(change)

    assert response.status_code == 200
    page = response.content.decode()
    assert "Restored version 2" in page
    assert 'name="_save"' not in page


# --- the entry's timeline ----------------------------------------------------------------------


def test_the_timeline_shows_a_save_once_with_its_revision_and_events_without_one(editor_member):
    entry = EntryFactory(draft=True)
    workflow.save_entry(entry, user=editor_member)  # version 2: a revision and an event
    workflow.record(Action.RETURN, user=editor_member, entry=entry, detail="Needs a source.")
    entry.headline = "A better headline"
    workflow.save_entry(entry, user=editor_member)  # version 3

    items = history.timeline(entry)

    assert [(i.action, i.revision.entry_version if i.revision else None) for i in items] == [
        (Action.EDIT, 3),
        (Action.RETURN, None),
        (Action.EDIT, 2),
        (Action.FOUND, 1),  # as the factory left it, kept before the first desk edit
    ]
    assert items[1].detail == "Needs a source."
    assert items[0].user == editor_member


def test_the_timeline_pairs_a_revision_only_with_an_event_of_its_action_and_user(
    editor_member, other_editor
):
    entry = EntryFactory()
    revision = workflow.keep_revision(entry, user=editor_member, action=Action.EDIT)
    workflow.record(Action.EDIT, user=other_editor, entry=entry)  # someone else, same moment

    items = history.timeline(entry)

    assert len(items) == 2
    assert {(i.user, i.revision, i.event is not None) for i in items} == {
        (other_editor, None, True),
        (editor_member, revision, False),
    }


def test_the_revisions_page_shows_the_timeline(editor_member):
    entry = EntryFactory(draft=True)
    workflow.save_entry(entry, user=editor_member)
    workflow.record(Action.RETURN, user=editor_member, entry=entry, detail="Needs a source.")

    response = signed_in(editor_member).get(
        reverse("admin:events_entry_revisions", args=[entry.pk])
    )

    assert [i.action for i in response.context["timeline"]] == [
        Action.RETURN,
        Action.EDIT,
        Action.FOUND,
    ]
    assert "Needs a source." in response.content.decode()
