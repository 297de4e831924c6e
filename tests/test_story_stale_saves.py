"""A save made from an older version merges the entry's story like its other fields.

The story membership lives in stories.StoryEntry, not on the entry's row: each revision keeps
the story's name, and a stale save takes the other editor's story when only they changed it,
keeps its own when only it did, and refuses when both moved the entry to different stories.
"""

import pytest

from events.models import Entry
from stories.models import Story
from stories.services import set_story_named
from tests.factories import EntryFactory, change_url, member, signed_in
from tests.test_desk_workflow import form_for

pytestmark = pytest.mark.django_db


def story_name(entry: Entry) -> str | None:
    return Story.objects.filter(memberships__entry=entry).values_list("name", flat=True).first()


def two_editors(entry: Entry):
    """Two editors who both opened the entry at its current version."""
    a, b = signed_in(member("ed_a", "Editors")), signed_in(member("ed_b", "Editors"))
    return (a, form_for(entry, a)), (b, form_for(entry, b))


def test_a_stale_save_keeps_the_story_another_editor_set():
    entry = EntryFactory(headline="Harbour reopens")
    (a, form_a), (b, form_b) = two_editors(entry)
    assert a.post(change_url(entry), {**form_a, "story": "Harbour works"}).status_code == 302
    response = b.post(change_url(entry), {**form_b, "headline": "Harbour reopens at last"})
    assert response.status_code == 302
    entry.refresh_from_db()
    assert entry.headline == "Harbour reopens at last"
    assert story_name(entry) == "Harbour works"


def test_a_stale_save_that_sets_the_story_keeps_the_other_editors_edit():
    entry = EntryFactory(headline="Harbour reopens")
    (a, form_a), (b, form_b) = two_editors(entry)
    assert (
        a.post(change_url(entry), {**form_a, "headline": "Harbour reopens at last"}).status_code
        == 302
    )
    assert b.post(change_url(entry), {**form_b, "story": "Harbour works"}).status_code == 302
    entry.refresh_from_db()
    assert entry.headline == "Harbour reopens at last"
    assert story_name(entry) == "Harbour works"


def test_a_stale_save_that_leaves_the_story_takes_it_out_when_only_it_changed_it():
    entry = EntryFactory(headline="Harbour reopens")
    set_story_named(entry, "Harbour works")
    (a, form_a), (b, form_b) = two_editors(entry)
    assert form_b["story"] == "Harbour works"
    assert (
        a.post(change_url(entry), {**form_a, "headline": "Harbour reopens at last"}).status_code
        == 302
    )
    assert b.post(change_url(entry), {**form_b, "story": ""}).status_code == 302
    entry.refresh_from_db()
    assert entry.headline == "Harbour reopens at last"
    assert story_name(entry) is None


def test_two_editors_moving_the_entry_to_different_stories_is_refused_not_overwritten():
    entry = EntryFactory(headline="Harbour reopens")
    (a, form_a), (b, form_b) = two_editors(entry)
    assert a.post(change_url(entry), {**form_a, "story": "Harbour works"}).status_code == 302
    response = b.post(change_url(entry), {**form_b, "story": "Port strike"})
    assert response.status_code == 200
    assert "changed the same fields" in response.content.decode()
    assert story_name(entry) == "Harbour works"
