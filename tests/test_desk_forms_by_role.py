"""Forms by role: a reporter sees no control they cannot use, and a refusal explains itself in
the desk's layout instead of a bare "403 Forbidden"."""

import re

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.test import Client

from events.models import Entry
from tests.factories import EntryFactory

pytestmark = pytest.mark.django_db

EDITORS_ONLY = ("status", "publish_at", "publish_without_sources", "review_note")


def signed_in(username: str, group: str) -> Client:
    user = get_user_model().objects.create_user(username, password="pw", is_staff=True)
    user.groups.add(Group.objects.get(name=group))
    client = Client()
    client.force_login(user)
    return client


def visible_rows(html: str) -> set[str]:
    """The form rows a person sees: those the admin does not mark hidden."""
    return {
        name
        for classes, name in re.findall(r'<div class="form-row([^"]*) field-(\w+)', html)
        if "hidden" not in classes.split()
    }


def test_a_reporter_sees_no_publishing_control_on_a_new_entry():
    page = signed_in("rita", "Reporters").get("/admin/events/entry/add/").content.decode()
    rows = visible_rows(page)
    assert "status" in rows  # draft or submit for review: theirs to choose
    assert not rows & {"publish_at", "publish_without_sources", "review_note"}
    assert '<option value="published"' not in page


def test_a_reporter_on_a_live_entry_does_not_get_the_status_menu():
    entry = EntryFactory()
    page = signed_in("rita", "Reporters").get(f"/admin/events/entry/{entry.pk}/change/")
    rows = visible_rows(page.content.decode())
    assert not rows & set(EDITORS_ONLY)
    assert {"headline", "tags", "body", "comments_open"} <= rows


def test_an_editor_sees_every_publishing_control():
    page = signed_in("alice", "Editors").get("/admin/events/entry/add/").content.decode()
    assert set(EDITORS_ONLY) <= visible_rows(page)


def test_a_reporter_posting_an_editors_field_changes_nothing():
    entry = EntryFactory(status=Entry.Status.DRAFT, publish_at=None, review_note="Check the date")
    rita = signed_in("rita", "Reporters")
    form = rita.get(f"/admin/events/entry/{entry.pk}/change/").context["adminform"].form
    data = {k: v for k, v in form.initial.items() if v is not None and k != "tags"}
    data.update(
        {
            "event_date": "2014-02-19",
            "headline": entry.headline,
            "slug": entry.slug,
            "status": "draft",
            "review_note": "I wrote this note myself",
            "publish_at_0": "2030-01-01",
            "publish_at_1": "10:00",
            "citations-TOTAL_FORMS": "0",
            "citations-INITIAL_FORMS": "0",
            "_continue": "1",
        }
    )
    rita.post(f"/admin/events/entry/{entry.pk}/change/", data)
    entry.refresh_from_db()
    assert (entry.review_note, entry.publish_at) == ("Check the date", None)


@pytest.mark.parametrize(("kwargs", "what"), [({}, "live"), ({"scheduled": True}, "scheduled")])
def test_a_reporter_opening_the_delete_page_of_a_published_entry_reads_why(kwargs, what):
    entry = EntryFactory(**kwargs)
    response = signed_in("rita", "Reporters").get(
        f"/admin/events/entry/{entry.pk}/delete/",
        HTTP_REFERER=f"http://testserver/admin/events/entry/{entry.pk}/change/",
    )
    assert response.status_code == 403
    page = response.content.decode()
    assert f"Only editors can delete a {what} entry." in page
    assert "Newsroom desk" in page  # the desk's header, not a bare page
    assert f'<a href="http://testserver/admin/events/entry/{entry.pk}/change/">Go back</a>' in page
    assert Entry.objects.filter(pk=entry.pk).exists()


def test_a_reporter_still_deletes_a_draft():
    entry = EntryFactory(draft=True)
    response = signed_in("rita", "Reporters").get(f"/admin/events/entry/{entry.pk}/delete/")
    assert response.status_code == 200


def test_a_reporter_trying_to_restore_a_revision_reads_why():
    entry = EntryFactory()
    response = signed_in("rita", "Reporters").get(
        f"/admin/events/entry/{entry.pk}/revisions/1/restore/"
    )
    assert response.status_code == 403
    assert "Only editors can restore an earlier revision." in response.content.decode()


def test_refusals_outside_the_desk_stay_plain(client):
    response = client.get("/admin/events/entry/1/delete/")
    assert response.status_code == 302  # readers are sent to sign in, never shown the desk
