"""The tag admin: rename, merge with a preview and undo, aliases, autocomplete, housekeeping."""

import pytest
from django.contrib.auth.models import Group
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from taggit.models import Tag

from desk.models import TagMerge
from events.models import Entry, TagAlias, TaggedEntry
from tests.factories import EntryFactory, UserFactory
from tests.test_admin_entries import ADD_URL, entry_form

pytestmark = pytest.mark.django_db

CHANGELIST = reverse("admin:taggit_tag_changelist")
HOUSEKEEPING = reverse("admin:taggit_tag_housekeeping")


def staff(group: str) -> Client:
    user = UserFactory(is_staff=True)
    user.groups.add(Group.objects.get(name=group))
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def editors():
    return staff("Editors")


def change_url(tag: Tag) -> str:
    return reverse("admin:taggit_tag_change", args=[tag.pk])


def tag_form(name: str, aliases=(), initial=0, **extra):
    data = {
        "name": name,
        "aliases-TOTAL_FORMS": str(len(aliases)),
        "aliases-INITIAL_FORMS": str(initial),
        "aliases-MIN_NUM_FORMS": "0",
        "aliases-MAX_NUM_FORMS": "1000",
    }
    for i, alias in enumerate(aliases):
        data[f"aliases-{i}-name"] = alias
    data.update(extra)
    return data


def test_taggits_broken_merge_action_is_replaced(editors):
    EntryFactory(tags=["Kiev"])
    html = editors.get(CHANGELIST).content.decode()
    assert 'value="merge_selected"' in html
    assert "render_tag_form" not in html
    assert "Housekeeping" in html


def test_editor_renames_a_tag_in_the_admin_and_the_old_page_redirects(editors, client):
    EntryFactory(tags=["Kiev"])
    tag = Tag.objects.get(name="Kiev")
    response = editors.post(change_url(tag), tag_form("Kyiv"))
    assert response.status_code == 302
    tag.refresh_from_db()
    assert (tag.name, tag.slug) == ("Kyiv", "kyiv")
    assert client.get("/tags/kiev/")["Location"] == "/tags/kyiv/"


def test_admin_rename_onto_an_existing_name_is_refused_with_a_merge_link(editors):
    EntryFactory(tags=["Kiev", "Kyiv"])
    kiev, kyiv = Tag.objects.get(name="Kiev"), Tag.objects.get(name="Kyiv")
    response = editors.post(change_url(kiev), tag_form("kyiv"))
    assert response.status_code == 200
    html = response.content.decode()
    assert "already exists" in html
    preview = f"{reverse('admin:taggit_tag_merge_preview')}?tags={kiev.pk}&amp;tags={kyiv.pk}"
    assert preview in html
    assert Tag.objects.get(pk=kiev.pk).name == "Kiev"


def test_editor_adds_an_alias_inline_and_one_that_is_a_tags_name_is_refused(editors, client):
    EntryFactory(tags=["Kyiv", "Lviv"])
    kyiv = Tag.objects.get(name="Kyiv")
    assert editors.post(change_url(kyiv), tag_form("Kyiv", ["Kiev"])).status_code == 302
    assert TagAlias.objects.get().name == "Kiev"
    assert client.get("/tags/kiev/")["Location"] == "/tags/kyiv/"
    response = editors.post(change_url(kyiv), tag_form("Kyiv", ["Lviv"]))
    assert "already a tag&#x27;s name" in response.content.decode()
    assert TagAlias.objects.count() == 1


def test_typing_an_alias_in_the_entry_form_stores_the_canonical_tag(editor_client):
    EntryFactory(tags=["Kyiv"])
    TagAlias.objects.create(tag=Tag.objects.get(name="Kyiv"), name="Kiev")
    response = editor_client.post(ADD_URL, entry_form(tags="kiev, Ukraine"))
    assert response.status_code == 302
    entry = Entry.objects.get(slug="botswana-ends-diplomatic-relations")
    assert sorted(entry.tags.names()) == ["Kyiv", "Ukraine"]
    assert not Tag.objects.filter(name__iexact="kiev").exists()


def test_autocomplete_shows_aliases_as_alias_arrow_tag(editor_client):
    EntryFactory(tags=["Kyiv", "Kiev Oblast"])
    TagAlias.objects.create(tag=Tag.objects.get(name="Kyiv"), name="Kiev")
    url = reverse("admin:events_entry_tag_autocomplete")
    assert editor_client.get(url, {"term": "kie"}).json() == [
        {"value": "Kiev Oblast", "label": "Kiev Oblast"},
        {"value": "Kyiv", "label": "Kiev → Kyiv"},
    ]


# --- merge action: preview, apply, undo ------------------------------------------------------


def test_merge_action_previews_how_many_entries_change_then_merges(editors, client):
    EntryFactory(tags=["Kiev", "Kyiv"])
    EntryFactory(tags=["Kiev"])
    EntryFactory(tags=["Kyiv"])
    kiev, kyiv = Tag.objects.get(name="Kiev"), Tag.objects.get(name="Kyiv")
    action = {"action": "merge_selected", "_selected_action": [kiev.pk, kyiv.pk]}
    preview = editors.post(CHANGELIST, action)
    assert preview.status_code == 200
    text = preview.content.decode()
    assert "2 entries change, 1 of them gain “Kyiv”" in text
    assert Tag.objects.count() == 2  # a preview changes nothing
    response = editors.post(CHANGELIST, {**action, "target": kyiv.pk, "apply": "1"}, follow=True)
    assert "Merged “Kiev” into “Kyiv”: 2 entries changed." in response.content.decode()
    assert "Undo this merge" in response.content.decode()
    assert list(Tag.objects.values_list("name", flat=True)) == ["Kyiv"]
    assert TaggedEntry.objects.filter(tag=kyiv).count() == 3
    assert client.get("/tags/kiev/rss/")["Location"] == "/tags/kyiv/rss/"


def test_undo_page_confirms_then_undoes(editors):
    EntryFactory(tags=["Kiev"])
    EntryFactory(tags=["Kyiv"])
    kiev, kyiv = Tag.objects.get(name="Kiev"), Tag.objects.get(name="Kyiv")
    editors.post(
        CHANGELIST,
        {"action": "merge_selected", "_selected_action": [kiev.pk, kyiv.pk], "target": kyiv.pk,
         "apply": "1"},
    )  # fmt: skip
    url = reverse("admin:taggit_tag_undo_merge", args=[TagMerge.objects.get().pk])
    assert "Yes, undo the merge" in editors.get(url).content.decode()
    assert Tag.objects.count() == 1
    response = editors.post(url, follow=True)
    assert "are back on the entries that had them" in response.content.decode()
    assert sorted(Tag.objects.values_list("name", flat=True)) == ["Kiev", "Kyiv"]
    response = editors.post(url, follow=True)
    assert "already been undone" in response.content.decode()


def test_merging_a_tag_into_itself_through_a_forged_target_is_refused(editors):
    EntryFactory(tags=["Kiev"])
    kiev = Tag.objects.get(name="Kiev")
    response = editors.post(
        CHANGELIST,
        {"action": "merge_selected", "_selected_action": [kiev.pk], "target": kiev.pk,
         "apply": "1"},
        follow=True,
    )  # fmt: skip
    assert "Select two tags or more to merge." in response.content.decode()
    assert Tag.objects.filter(pk=kiev.pk).exists()


def test_reporters_cannot_merge_or_delete_tags():
    reporters = staff("Reporters")
    EntryFactory(tags=["Kiev", "Kyiv"])
    ids = list(Tag.objects.values_list("pk", flat=True))
    reporters.post(reverse("admin:taggit_tag_merge_group"), {"tags": ids, "target": ids[0]})
    reporters.post(reverse("admin:taggit_tag_delete_unused"), {"all": "1"})
    assert Tag.objects.count() == 2
    assert not TagMerge.objects.exists()


# --- housekeeping page ---------------------------------------------------------------------------


def test_housekeeping_lists_duplicates_and_merges_them_in_one_click(editors, client):
    EntryFactory(tags=["Protests", "Ukraine"])
    EntryFactory(tags=["Protests"])
    EntryFactory(tags=["protest"])
    EntryFactory(tags=["Protèst"])
    html = editors.get(HOUSEKEEPING).content.decode()
    assert "Merge into “Protests”" in html
    group = list(Tag.objects.filter(name__in=["Protests", "protest", "Protèst"]))
    keep = Tag.objects.get(name="Protests")
    response = editors.post(
        reverse("admin:taggit_tag_merge_group"),
        {"tags": [t.pk for t in group], "target": keep.pk},
        follow=True,
    )
    assert "into “Protests”: 2 entries changed" in response.content.decode()
    assert sorted(Tag.objects.values_list("name", flat=True)) == ["Protests", "Ukraine"]
    assert client.get("/tags/protest/")["Location"] == "/tags/protests/"
    assert "Undo" in editors.get(HOUSEKEEPING).content.decode()


def test_housekeeping_bulk_deletes_unused_tags_only(editors):
    EntryFactory(tags=["Ukraine"])
    orphans = [Tag.objects.create(name=f"Orphan {i}") for i in range(3)]
    html = editors.get(HOUSEKEEPING).content.decode()
    assert "Orphan 0" in html and "Delete all 3 unused tags" in html
    url = reverse("admin:taggit_tag_delete_unused")
    used = Tag.objects.get(name="Ukraine")
    response = editors.post(url, {"tags": [orphans[0].pk, used.pk]}, follow=True)
    assert "Deleted 1 unused tag." in response.content.decode()
    response = editors.post(url, {"all": "1"}, follow=True)
    assert "Deleted 2 unused tags." in response.content.decode()
    response = editors.post(url, {"all": "1"}, follow=True)
    assert "Nothing deleted" in response.content.decode()
    assert list(Tag.objects.values_list("name", flat=True)) == ["Ukraine"]


def test_housekeeping_runs_a_fixed_number_of_queries(editors):
    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert editors.get(HOUSEKEEPING).status_code == 200
        return len(captured)

    EntryFactory(tags=["Protests", "protest"])
    Tag.objects.create(name="Orphan")
    small = queries()
    for i in range(20):
        EntryFactory(tags=[f"Topic {i}", f"topic {i}s", f"Topic {i + 1}"])
        Tag.objects.create(name=f"Unused {i}")
    pair = Tag.objects.filter(name__in=["Topic 3", "topic 3s"]).values_list("pk", flat=True)
    keep = Tag.objects.get(name="Topic 3").pk
    editors.post(reverse("admin:taggit_tag_merge_group"), {"tags": list(pair), "target": keep})
    assert queries() == small
