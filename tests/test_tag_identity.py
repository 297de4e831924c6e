"""Tag identity: one key, one lookup, one slug rule, for every way a tag name comes in.

Every path a name takes (the desk's tag field, revision restore, the archive import, the JSON
Lines import, the reading filter) goes through events.tagging: a name is its tag whatever its
case or Unicode spelling ("STRASSE" is "Straße", "ΚΊΕΒΟΣ" is "Κίεβος"), an alias is its tag, a
renamed or merged-away name is the tag it went to; and tag operations count as changes of the
entries they touch, so a desk form opened before them is a stale save.
"""

import json

import pytest
from django.apps import apps
from django.db import transaction
from django.test import Client
from django.urls import reverse
from taggit.models import Tag

from desk import history, tags, workflow
from desk.models import AuditEvent
from events.models import Entry, TagAlias, TagKey
from events.tagging import canonical_names, find_tags, tag_key, tag_slug, tags_for
from interchange.archive_import import import_files
from interchange.jsonlines import import_lines
from tests.factories import (
    EntryFactory,
    change_url,
    names_of,
    signed_in,
    sourced_entry,
)

pytestmark = pytest.mark.django_db


def open_form(client: Client, entry: Entry, **changes) -> dict[str, str]:
    """GET the change page and return what it would post back, with `changes` typed over it."""
    from tests.test_desk_workflow import form_for

    return form_for(entry, client, **changes)


def first_revision(entry: Entry):
    revision = history.revision_of(entry, 1)
    assert revision is not None
    return revision


def archive_page(tmp_path, context: str):
    """An archive page whose one related entry ("other") carries the tags in `context`."""
    page = tmp_path / "news" / "2014" / "03" / "5" / "page.md"
    page.parent.mkdir(parents=True, exist_ok=True)
    page.write_text(
        "### [2014-03-05](/news/2014/03/5/index.md)\n\n# Page\n\n### Related:\n\n"
        f"1. [Protests in the capital ](/news/2013/01/1/other.md) _Context: {context}_\n",
        encoding="utf-8",
    )
    return page


def json_line(slug: str, *tag_items: dict, sources=()) -> str:
    return json.dumps(
        {
            "event_date": "2014-02-19",
            "slug": slug,
            "headline": f"Entry {slug}",
            "status": "published",
            "publish_at": "2014-02-19T00:00:00+00:00",
            "tags": list(tag_items),
            "sources": list(sources),
        }
    )


# --- item 3: a tag merge is never undone by a form opened before it --------------------------


def test_a_form_opened_before_a_merge_saves_an_unrelated_edit_without_bringing_the_tag_back(
    editor,
):
    entry = sourced_entry(body="Old body.", tags=["human rights"])
    others = [EntryFactory(tags=["human rights"]) for _ in range(9)]
    client = signed_in(editor)
    form = open_form(client, entry, body="A new body.")
    assert form["tags"] == "human rights"

    Tag.objects.create(name="X")
    merge = tags.merge_by_name(["human rights"], "X")
    assert "10 entries changed" in merge.audit_event.detail

    response = client.post(change_url(entry), form)
    assert response.status_code == 302
    entry.refresh_from_db()
    assert entry.body == "A new body."
    assert not Tag.objects.filter(name__iexact="human rights").exists()
    assert names_of(entry) == ["X"]
    assert all(names_of(other) == ["X"] for other in others)
    anonymous = Client()
    moved = anonymous.get("/tags/human-rights/")
    assert moved.status_code == 301 and moved["Location"] == "/tags/x/"


def test_tag_operations_bump_the_version_of_each_entry_they_touch_and_no_other(editor):
    kiev = EntryFactory(tags=["Kiev"])
    both = EntryFactory(tags=["Kiev", "Ukraine"])
    untouched = EntryFactory(tags=["Crimea"])

    def versions():
        return {e.pk: Entry.objects.get(pk=e.pk).version for e in (kiev, both, untouched)}

    start = versions()
    tag = tags.rename_tag(Tag.objects.get(name="Kiev"), "Kyiv", user=editor)
    assert versions() == {kiev.pk: start[kiev.pk] + 1, both.pk: start[both.pk] + 1,
                          untouched.pk: start[untouched.pk]}  # fmt: skip
    assert Entry.objects.get(pk=kiev.pk).last_edited_by == editor

    merge = tags.merge_tags([Tag.objects.get(name="Ukraine")], tag, user=editor)
    assert versions() == {kiev.pk: start[kiev.pk] + 1, both.pk: start[both.pk] + 2,
                          untouched.pk: start[untouched.pk]}  # fmt: skip

    tags.undo_merge(merge, user=editor)
    assert versions() == {kiev.pk: start[kiev.pk] + 1, both.pk: start[both.pk] + 3,
                          untouched.pk: start[untouched.pk]}  # fmt: skip


def test_the_version_bump_is_part_of_the_merge_and_rolls_back_with_it():
    entry = EntryFactory(tags=["Kiev", "Kyiv"])
    before = entry.version
    with pytest.raises(RuntimeError), transaction.atomic():
        tags.merge_tags([Tag.objects.get(name="Kiev")], Tag.objects.get(name="Kyiv"))
        raise RuntimeError("the merge's transaction fails after it")
    assert Entry.objects.get(pk=entry.pk).version == before
    assert names_of(entry) == ["Kiev", "Kyiv"]


def test_a_form_opened_before_a_merge_that_also_changed_the_tags_is_merged_not_lost(editor):
    entry = sourced_entry(tags=["human rights", "Asia"])
    client = signed_in(editor)
    form = open_form(client, entry, tags="human rights, Asia, Europe")
    tags.merge_tags([Tag.objects.get(name="human rights")], Tag.objects.create(name="Rights"))

    response = client.post(change_url(entry), form, follow=True)

    assert response.status_code == 200
    assert names_of(entry) == ["Asia", "Europe", "Rights"]
    assert not Tag.objects.filter(name="human rights").exists()


def test_a_form_opened_before_a_rename_keeps_the_renamed_tag(editor):
    entry = sourced_entry(tags=["Kiev"])
    client = signed_in(editor)
    form = open_form(client, entry, headline="Renamed while open")
    tags.rename_tag(Tag.objects.get(name="Kiev"), "Kyiv")

    assert client.post(change_url(entry), form).status_code == 302

    assert names_of(entry) == ["Kyiv"]
    assert not Tag.objects.filter(name="Kiev").exists()
    assert Entry.objects.get(pk=entry.pk).headline == "Renamed while open"


def test_typing_a_merged_away_name_gives_the_merge_target(editor):
    entry = sourced_entry(tags=["Asia"])
    EntryFactory(tags=["human rights"])
    tags.merge_tags([Tag.objects.get(name="human rights")], Tag.objects.create(name="X"))
    client = signed_in(editor)

    form = open_form(client, entry, tags="Asia, Human Rights")
    assert client.post(change_url(entry), form).status_code == 302

    assert names_of(entry) == ["Asia", "X"]
    assert not Tag.objects.filter(name__iexact="human rights").exists()


def test_restoring_a_revision_that_names_a_merged_away_tag_gives_the_target(editor):
    entry = EntryFactory(tags=["human rights"])
    EntryFactory(tags=["human rights"])
    workflow.keep_revision(entry, user=editor, action=AuditEvent.Action.CREATE)
    entry.tags.set([])
    workflow.save_entry(entry, user=editor)
    tags.merge_tags([Tag.objects.get(name="human rights")], Tag.objects.create(name="X"))

    history.restore(entry, first_revision(entry), user=editor)

    assert names_of(entry) == ["X"]
    assert not Tag.objects.filter(name__iexact="human rights").exists()


def test_imports_of_a_merged_away_name_give_the_merge_target(tmp_path):
    EntryFactory(tags=["human rights"])
    tags.merge_tags([Tag.objects.get(name="human rights")], Tag.objects.create(name="X"))

    with transaction.atomic():
        import_files([archive_page(tmp_path, "Human Rights")])
    report = import_lines([json_line("from-file", {"name": "human rights", "slug": ""})])

    assert report.entries_created == 1, report.errors
    assert names_of(Entry.objects.get(slug="other")) == ["X"]
    assert names_of(Entry.objects.get(slug="from-file")) == ["X"]
    assert not Tag.objects.filter(name__iexact="human rights").exists()


# --- item 17: one key, one lookup, one slug rule ---------------------------------------------


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("Straße", "STRASSE"),
        ("Straße", "strasse"),
        ("Київ", "КИЇВ"),
        ("Κίεβος", "ΚΊΕΒΟΣ"),
        ("North  Korea", "north korea"),
        ("ｋｙｉｖ", "Kyiv"),  # full-width letters (NFKC)
    ],
)
def test_names_of_one_tag_share_one_key(a, b):
    assert tag_key(a) == tag_key(b)


def test_accents_and_punctuation_still_make_another_tag():
    assert tag_key("Protést") != tag_key("Protest")
    assert tag_key("U.S.") != tag_key("US")


def test_every_tag_and_alias_stores_its_key():
    tag = Tag.objects.create(name="Straße", slug="strasse")
    assert TagKey.objects.get(tag=tag).key == "strasse"
    tag.name = "Strasse Nord"
    tag.save()
    assert TagKey.objects.get(tag=tag).key == "strasse nord"
    alias = tags.add_alias(tag, "ΚΊΕΒΟΣ")
    assert TagAlias.objects.get(pk=alias.pk).key == "κίεβοσ"


@pytest.fixture
def kyiv():
    """A tag "Kyiv" with the aliases "Straße" (any database) and "Київ", "Κίεβος" (SQLite too)."""
    EntryFactory(tags=["Kyiv"])
    tag = Tag.objects.get(name="Kyiv")
    for alias in ("Straße", "Київ", "Κίεβος"):
        tags.add_alias(tag, alias)
    return tag


TYPED = ["STRASSE", "strasse", "київ", "КИЇВ", "ΚΊΕΒΟΣ", "κίεβος"]


@pytest.mark.parametrize("typed", TYPED)
def test_the_lookup_resolves_an_alias_in_any_case_on_any_database(kyiv, typed):
    assert find_tags([typed]) == {tag_key(typed): kyiv}
    assert canonical_names([typed, "Ukraine"]) == ["Kyiv", "Ukraine"]


@pytest.mark.parametrize("typed", TYPED)
def test_the_desk_stores_the_aliased_tag_typed_in_any_case(kyiv, editor, typed):
    entry = sourced_entry(tags=["Ukraine"])
    client = signed_in(editor)
    tags_before = Tag.objects.count()

    form = open_form(client, entry, tags=f"Ukraine, {typed}")
    assert client.post(change_url(entry), form).status_code == 302

    assert names_of(entry) == ["Kyiv", "Ukraine"]
    assert Tag.objects.count() == tags_before


@pytest.mark.parametrize("typed", ["STRASSE", "ΚΊΕΒΟΣ"])
def test_the_archive_import_stores_the_aliased_tag_typed_in_any_case(kyiv, tmp_path, typed):
    with transaction.atomic():
        import_files([archive_page(tmp_path, f"{typed}, Ukraine")])
    assert names_of(Entry.objects.get(slug="other")) == ["Kyiv", "Ukraine"]


@pytest.mark.parametrize("typed", ["STRASSE", "КИЇВ"])
def test_the_json_lines_import_stores_the_aliased_tag_typed_in_any_case(kyiv, typed):
    report = import_lines([json_line("line", {"name": typed, "slug": ""})])
    assert report.entries_created == 1, report.errors
    assert names_of(Entry.objects.get(slug="line")) == ["Kyiv"]


def test_a_restore_resolves_an_alias_typed_in_another_case(kyiv, editor):
    entry = EntryFactory(tags=["Ukraine"])
    workflow.keep_revision(entry, user=editor, action=AuditEvent.Action.CREATE)
    revision = first_revision(entry)
    revision.snapshot = {**revision.snapshot, "tags": ["STRASSE"], "tag_ids": {}}
    revision.save(update_fields=["snapshot"])

    history.restore(entry, revision, user=editor)

    assert names_of(entry) == ["Kyiv"]
    assert not Tag.objects.filter(name__iexact="strasse").exists()


def test_the_reading_filter_finds_a_tag_by_any_spelling_of_its_name(client):
    EntryFactory(headline="On the street", tags=["Straße"])
    response = client.get("/events/", {"tag": "STRASSE"})
    assert response.status_code == 200
    assert [e.headline for e in response.context["page_obj"]] == ["On the street"]


def test_a_tag_name_in_another_case_or_spelling_is_the_same_tag_in_every_path(editor, tmp_path):
    entry = sourced_entry(tags=["Straße"])
    client = signed_in(editor)
    form = open_form(client, entry, tags="STRASSE, ΚΊΕΒΟΣ")
    assert client.post(change_url(entry), form).status_code == 302
    with transaction.atomic():
        import_files([archive_page(tmp_path, "strasse, Κίεβος")])
    report = import_lines([json_line("line", {"name": "STRASSE"}, {"name": "κίεβος"})])
    assert report.entries_created == 1, report.errors

    assert set(Tag.objects.values_list("name", flat=True)) == {"Straße", "ΚΊΕΒΟΣ"}
    for carrier in (entry, Entry.objects.get(slug="other"), Entry.objects.get(slug="line")):
        assert names_of(carrier) == ["Straße", "ΚΊΕΒΟΣ"]


def test_housekeeping_refuses_a_rename_or_alias_onto_another_spelling_of_a_tag():
    EntryFactory(tags=["Straße", "Avenue"])
    avenue = Tag.objects.get(name="Avenue")
    with pytest.raises(tags.TagRefusal, match="merge"):
        tags.rename_tag(avenue, "STRASSE")
    with pytest.raises(tags.TagRefusal, match="already a tag"):
        tags.add_alias(avenue, "strasse")
    tags.add_alias(avenue, "Allee")
    with pytest.raises(tags.TagRefusal, match="already an alias"):
        tags.add_alias(Tag.objects.get(name="Straße"), "ALLEE")
    assert tags.tag_named("STRASSE") == Tag.objects.get(name="Straße")


# "Київ" gets one slug everywhere: the desk's, the imports', a restore's.


def test_the_slug_rule_keeps_unicode_letters():
    assert tag_slug("Київ") == "київ"
    assert tag_slug("Κίεβος") == "κίεβος"
    assert tag_slug("North Korea") == "north-korea"
    assert tag_slug("$") == "tag"


def new_tag_slug_from_desk(editor, name: str) -> str:
    entry = sourced_entry()
    client = signed_in(editor)
    assert client.post(change_url(entry), open_form(client, entry, tags=name)).status_code == 302
    return Tag.objects.get(name=name).slug


def new_tag_slug_from_archive(tmp_path, name: str) -> str:
    with transaction.atomic():
        import_files([archive_page(tmp_path, name)])
    return Tag.objects.get(name=name).slug


def new_tag_slug_from_json_lines(name: str) -> str:
    report = import_lines([json_line(f"line-{Tag.objects.count()}", {"name": name})])
    assert report.entries_created == 1, report.errors
    return Tag.objects.get(name=name).slug


def new_tag_slug_from_restore(editor, name: str) -> str:
    entry = EntryFactory()
    workflow.keep_revision(entry, user=editor, action=AuditEvent.Action.CREATE)
    revision = first_revision(entry)
    revision.snapshot = {**revision.snapshot, "tags": [name], "tag_ids": {}}
    revision.save(update_fields=["snapshot"])
    history.restore(entry, revision, user=editor)
    return Tag.objects.get(name=name).slug


@pytest.mark.parametrize("path", ["desk", "archive", "json_lines", "restore", "service"])
def test_a_new_tag_gets_the_same_slug_from_every_path(editor, tmp_path, path):
    make = {
        "desk": lambda name: new_tag_slug_from_desk(editor, name),
        "archive": lambda name: new_tag_slug_from_archive(tmp_path, name),
        "json_lines": new_tag_slug_from_json_lines,
        "restore": lambda name: new_tag_slug_from_restore(editor, name),
        "service": lambda name: tags_for([name])[0].slug,
    }[path]
    assert make("Київ") == "київ"
    # A slug taken (by a tag of another name) gets the same suffix whichever path makes it.
    Tag.objects.create(name="Moskva", slug="москва")
    assert make("Москва") == "москва-1"


def test_the_json_lines_import_keeps_an_exported_slug_only_when_it_is_a_free_slug():
    lines = [
        json_line("a", {"name": "Київ", "slug": "kyiv-city"}),
        json_line("b", {"name": "Одеса", "slug": "Not a slug!"}),
    ]
    report = import_lines(lines)
    assert report.entries_created == 2, report.errors
    assert Tag.objects.get(name="Київ").slug == "kyiv-city"  # a mirror keeps its URLs
    assert Tag.objects.get(name="Одеса").slug == "одеса"
    assert TagKey.objects.filter(tag__name__in=["Київ", "Одеса"]).count() == 2


def test_two_spellings_typed_at_once_make_one_tag():
    made = tags_for(["STRASSE", "Straße", "strasse"])
    assert len(made) == 1
    assert Tag.objects.count() == 1


def test_the_migration_fills_keys_keeping_the_oldest_of_two_spellings():
    from importlib import import_module

    fill_keys = import_module("events.migrations.0016_tag_keys").fill_keys
    older = Tag.objects.create(name="Straße", slug="strasse")
    newer = Tag.objects.create(name="kyiv", slug="kyiv")
    TagKey.objects.all().delete()
    # A second spelling made before keys existed (no key of its own can be written).
    duplicate = Tag.objects.create(name="STRASSE", slug="strasse-1")
    TagKey.objects.all().delete()

    fill_keys(apps, None)

    assert dict(TagKey.objects.values_list("tag_id", "key")) == {
        older.pk: "strasse",
        newer.pk: "kyiv",
    }
    # The keyless duplicate is still found by its exact name, and the other spellings find
    # the oldest.
    assert find_tags(["STRASSE"])[tag_key("STRASSE")] in (older, duplicate)
    assert find_tags(["strasse"])[tag_key("strasse")] == older


# --- item 18 is in tests/test_json_lines_publishers.py ----------------------------------------


# --- the tag admin's add form ----------------------------------------------------------------


def test_the_tag_admin_adds_a_tag_by_the_one_slug_rule_and_refuses_another_spelling(editor):
    client = signed_in(editor)
    add = reverse("admin:taggit_tag_add")
    Tag.objects.create(name="Moskva", slug="москва")

    assert client.post(add, {"name": "Москва"}).status_code == 302
    assert Tag.objects.get(name="Москва").slug == "москва-1"
    assert TagKey.objects.get(tag__name="Москва").key == "москва"

    tags.add_alias(Tag.objects.get(name="Moskva"), "Straße")
    for typed in ("МОСКВА", "STRASSE"):
        response = client.post(add, {"name": typed})
        assert response.status_code == 200, typed
        assert response.context["adminform"].form.errors["name"], typed
    assert Tag.objects.count() == 2


def test_tag_suggestions_match_any_spelling_of_the_start_of_a_name_or_alias(editor):
    EntryFactory(tags=["Київ", "Straße"])
    tags.add_alias(Tag.objects.get(name="Straße"), "Κίεβος")
    client = signed_in(editor)
    url = reverse("admin:events_entry_tag_autocomplete")

    def suggested(term):
        return [s["label"] for s in client.get(url, {"term": term}).json()]

    assert suggested("КИ") == ["Київ"]
    assert suggested("STRAS") == ["Straße"]
    assert suggested("ΚΊΕ") == ["Κίεβος → Straße"]
