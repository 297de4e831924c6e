"""Tag housekeeping services: rename, merge and its undo, aliases; redirects; commands; imports."""

import io
import json

import pytest
from django.core.management import CommandError, call_command
from django.db import connection, transaction
from taggit.models import Tag

from desk import tags
from desk.models import AuditEvent, TagMerge
from events.models import Entry, TagAlias, TagCount
from events.related import related_entries
from events.tagging import canonical_names
from interchange.archive_import import import_files
from interchange.jsonlines import import_lines
from tests.factories import EntryFactory, names_of

pytestmark = pytest.mark.django_db


def uses(name: str) -> int:
    row = TagCount.objects.filter(tag_id=Tag.objects.get(name=name).pk).first()
    return row.entries if row else 0


def assert_redirects_to(client, old: str, new: str) -> None:
    """The tag page and both feeds at slug `old` answer 301 to the same page of slug `new`."""
    for suffix in ("", "rss/", "atom/"):
        response = client.get(f"/tags/{old}/{suffix}")
        assert response.status_code == 301, (old, suffix)
        assert response["Location"] == f"/tags/{new}/{suffix}"
        assert client.get(response["Location"]).status_code == 200


# --- rename ----------------------------------------------------------------------------------


def test_rename_moves_the_slug_and_the_old_page_and_feeds_answer_301(client):
    entry = EntryFactory(tags=["Kiev"])
    tag = Tag.objects.get(name="Kiev")
    tags.rename_tag(tag, "Kyiv")
    tag.refresh_from_db()
    assert (tag.name, tag.slug) == ("Kyiv", "kyiv")
    assert names_of(entry) == ["Kyiv"]
    assert Entry.objects.get(pk=entry.pk).search_tags == "Kyiv"
    assert_redirects_to(client, "kiev", "kyiv")
    assert client.get("/tags/kiev/?page=1")["Location"] == "/tags/kyiv/?page=1"
    event = AuditEvent.objects.get(action=AuditEvent.Action.TAG_RENAME)
    assert "“Kiev” to “Kyiv”" in event.detail


def test_renaming_twice_keeps_every_old_slug_working_and_renaming_back_drops_the_loop(client):
    EntryFactory(tags=["Kiev"])
    tag = Tag.objects.get(name="Kiev")
    tags.rename_tag(tag, "Kyiv")
    tags.rename_tag(tag, "Kyiv city")
    assert_redirects_to(client, "kiev", "kyiv-city")
    assert_redirects_to(client, "kyiv", "kyiv-city")
    tags.rename_tag(tag, "Kiev")
    assert client.get("/tags/kiev/").status_code == 200
    assert_redirects_to(client, "kyiv-city", "kiev")


def test_a_case_only_rename_is_allowed():
    EntryFactory(tags=["kyiv"])
    tag = tags.rename_tag(Tag.objects.get(name="kyiv"), "Kyiv")
    assert tag.name == "Kyiv"


def test_rename_onto_an_existing_name_is_refused_and_offers_a_merge():
    EntryFactory(tags=["Kiev", "Kyiv"])
    kiev, kyiv = Tag.objects.get(name="Kiev"), Tag.objects.get(name="Kyiv")
    with pytest.raises(
        tags.TagRefusal, match=r"already exists.*merge “Kiev” into “Kyiv”"
    ) as refusal:
        tags.rename_tag(kiev, "KYIV")
    assert refusal.value.merge_into == kyiv
    assert Tag.objects.get(pk=kiev.pk).name == "Kiev"
    assert not AuditEvent.objects.exists()


def test_rename_onto_an_alias_is_refused():
    EntryFactory(tags=["Kyiv", "Lviv"])
    kyiv, lviv = Tag.objects.get(name="Kyiv"), Tag.objects.get(name="Lviv")
    tags.add_alias(kyiv, "Kiev")
    with pytest.raises(tags.TagRefusal, match=r"alias of “Kyiv”.*merge “Lviv” into “Kyiv”"):
        tags.rename_tag(lviv, "kiev")
    with pytest.raises(tags.TagRefusal, match="alias of this tag"):
        tags.rename_tag(kyiv, "Kiev")
    assert set(Tag.objects.values_list("name", flat=True)) == {"Kyiv", "Lviv"}


def test_rename_to_an_empty_name_is_refused():
    EntryFactory(tags=["Kyiv"])
    with pytest.raises(tags.TagRefusal, match="needs a name"):
        tags.rename_tag(Tag.objects.get(name="Kyiv"), "   ")


def test_rename_command_renames_and_refuses_with_a_clear_error(client):
    EntryFactory(tags=["Kiev", "Kyiv"])
    EntryFactory(tags=["Odessa"])
    out = io.StringIO()
    call_command("rename_tag", "odessa", "Odesa", stdout=out)
    assert "Renamed “Odessa” to “Odesa”" in out.getvalue()
    assert client.get("/tags/odessa/")["Location"] == "/tags/odesa/"
    with pytest.raises(CommandError, match="merge_tags 'Kiev' --into 'Kyiv'"):
        call_command("rename_tag", "Kiev", "Kyiv")
    with pytest.raises(CommandError, match="No tag is called “Lemberg”"):
        call_command("rename_tag", "Lemberg", "Lviv")


# --- merge and undo ----------------------------------------------------------------------------


@pytest.fixture
def spellings():
    """Three spellings of one place on five entries, one entry carrying two of them."""
    both = EntryFactory(tags=["Kiev", "Kyiv"])
    two_old = EntryFactory(tags=["Kiev", "Kyjiw", "Ukraine"])
    only_kiev = EntryFactory(tags=["Kiev", "Ukraine"])
    only_kyiv = EntryFactory(tags=["Kyiv", "Ukraine"])
    other = EntryFactory(tags=["Ukraine", "Crimea"])
    return {"both": both, "two_old": two_old, "only_kiev": only_kiev, "only_kyiv": only_kyiv,
            "other": other}  # fmt: skip


def merge_kiev_and_kyjiw():
    return tags.merge_tags(
        [Tag.objects.get(name="Kiev"), Tag.objects.get(name="Kyjiw")], Tag.objects.get(name="Kyiv")
    )


def test_merge_gives_every_entry_the_target_once_and_counts_search_and_related_at_once(spellings):
    related_before = [e.pk for e in related_entries(spellings["only_kyiv"])]
    assert spellings["only_kiev"].pk in related_before  # through "Ukraine" only
    merge_kiev_and_kyjiw()
    for key in ("both", "two_old", "only_kiev", "only_kyiv"):
        assert names_of(spellings[key]).count("Kyiv") == 1
        assert "Kyiv" in Entry.objects.get(pk=spellings[key].pk).search_tags
    assert names_of(spellings["two_old"]) == ["Kyiv", "Ukraine"]
    assert not Tag.objects.filter(name__in=["Kiev", "Kyjiw"]).exists()
    assert uses("Kyiv") == 4 and uses("Ukraine") == 4
    assert not TagCount.objects.exclude(tag_id__in=Tag.objects.values("pk")).exists()
    assert "Kiev" not in Entry.objects.get(pk=spellings["both"].pk).search_tags
    # The related lists are recomputed: "Kyiv" is now shared, so the entry climbs.
    related = related_entries(spellings["only_kyiv"])
    shared = {e.pk: e.shared_tags for e in related}
    assert "Kyiv" in shared[spellings["only_kiev"].pk]


def test_merged_tags_pages_and_feeds_answer_301_to_the_target(client, spellings):
    merge_kiev_and_kyjiw()
    assert_redirects_to(client, "kiev", "kyiv")
    assert_redirects_to(client, "kyjiw", "kyiv")


def test_slugs_that_redirected_to_a_merged_tag_follow_it(client, spellings):
    tags.rename_tag(Tag.objects.get(name="Kyjiw"), "Kyjiv")
    merge = tags.merge_tags([Tag.objects.get(name="Kyjiv")], Tag.objects.get(name="Kyiv"))
    assert_redirects_to(client, "kyjiw", "kyiv")
    assert merge.former_names == ["Kyjiv"]


def test_merge_is_in_the_audit_trail_with_which_entries_had_each_tag(spellings):
    merge = merge_kiev_and_kyjiw()
    event = AuditEvent.objects.get(action=AuditEvent.Action.TAG_MERGE)
    assert merge.audit_event == event
    assert "“Kiev” (3 entries), “Kyjiw” (1 entry) into “Kyiv”" in event.detail
    former = {item["name"]: item["entries"] for item in merge.former}
    s = spellings
    assert former == {
        "Kiev": sorted([s["both"].pk, s["two_old"].pk, s["only_kiev"].pk]),
        "Kyjiw": [s["two_old"].pk],
    }
    assert merge.target_had == [s["both"].pk]


def test_undo_gives_exactly_the_entries_that_had_each_tag_their_tag_back(client, spellings):
    before = {key: names_of(entry) for key, entry in spellings.items()}
    counts = {name: uses(name) for name in ("Kiev", "Kyiv", "Kyjiw", "Ukraine")}
    merge = merge_kiev_and_kyjiw()
    tags.undo_merge(merge)
    assert {key: names_of(entry) for key, entry in spellings.items()} == before
    assert {name: uses(name) for name in counts} == counts
    assert "Kiev" in Entry.objects.get(pk=spellings["only_kiev"].pk).search_tags
    assert client.get("/tags/kiev/").status_code == 200
    assert client.get("/tags/kyjiw/").status_code == 200
    assert TagMerge.objects.get().undone_at is not None
    assert AuditEvent.objects.filter(action=AuditEvent.Action.TAG_UNMERGE).count() == 1
    with pytest.raises(tags.TagRefusal, match="already been undone"):
        tags.undo_merge(merge)


def test_undo_brings_aliases_back_to_their_tag(spellings):
    tags.add_alias(Tag.objects.get(name="Kiev"), "Kijow")
    merge = merge_kiev_and_kyjiw()
    assert TagAlias.objects.get(name="Kijow").tag.name == "Kyiv"
    tags.undo_merge(merge)
    assert TagAlias.objects.get(name="Kijow").tag.name == "Kiev"


def test_undo_is_refused_when_the_target_is_gone(spellings):
    merge = merge_kiev_and_kyjiw()
    Tag.objects.get(name="Kyiv").delete()
    merge.refresh_from_db()
    with pytest.raises(tags.TagRefusal, match="cannot be undone"):
        tags.undo_merge(merge)


def test_merging_a_tag_into_itself_is_refused_and_nothing_changes(spellings):
    kyiv = Tag.objects.get(name="Kyiv")
    with pytest.raises(tags.TagRefusal, match="cannot be merged into itself"):
        tags.merge_tags([kyiv, Tag.objects.get(name="Kiev")], kyiv)
    assert Tag.objects.filter(name="Kiev").exists()
    assert not TagMerge.objects.exists()
    with pytest.raises(CommandError, match="cannot be merged into itself"):
        call_command("merge_tags", "Kyiv", "--into", "kyiv")


def test_merging_a_tag_into_one_of_its_own_aliases_is_refused(spellings):
    tags.add_alias(Tag.objects.get(name="Kiev"), "Kijow")
    with pytest.raises(CommandError, match="cannot be merged into one of its own aliases"):
        call_command("merge_tags", "Kiev", "--into", "Kijow")
    assert Tag.objects.filter(name="Kiev").exists()
    with pytest.raises(tags.TagRefusal, match="own aliases"):
        tags.merge_by_name(["Kiev"], "kijow")


def test_merge_command_merges_and_names_unknown_tags(spellings, client):
    out = io.StringIO()
    call_command("merge_tags", "Kiev", "kyjiw", "--into", "Kyiv", stdout=out)
    assert "Merged “Kiev”, “Kyjiw” into “Kyiv”: 3 entries changed" in out.getvalue()
    assert client.get("/tags/kiev/").status_code == 301
    with pytest.raises(CommandError, match="No tag is called “Kieff”"):
        call_command("merge_tags", "Kieff", "--into", "Kyiv")


# --- aliases -------------------------------------------------------------------------------------


def test_an_alias_answers_301_and_is_resolved_wherever_tags_are_typed(client):
    EntryFactory(tags=["Kyiv"])
    tags.add_alias(Tag.objects.get(name="Kyiv"), "Kiev")
    assert_redirects_to(client, "kiev", "kyiv")
    assert canonical_names(["KIEV", "Kyiv", "Crimea"]) == ["Kyiv", "Crimea"]
    assert AuditEvent.objects.filter(action=AuditEvent.Action.TAG_ALIAS).count() == 1


def test_an_alias_that_is_already_a_tags_name_is_refused():
    EntryFactory(tags=["Kyiv", "Kiev"])
    with pytest.raises(tags.TagRefusal, match=r"already a tag's name.*merge “Kiev” into “Kyiv”"):
        tags.add_alias(Tag.objects.get(name="Kyiv"), "kiev")
    with pytest.raises(tags.TagRefusal, match="this tag's own name"):
        tags.add_alias(Tag.objects.get(name="Kyiv"), "KYIV")
    assert not TagAlias.objects.exists()


def test_an_alias_taken_by_another_tag_is_refused():
    EntryFactory(tags=["Kyiv", "Kyiv Oblast"])
    tags.add_alias(Tag.objects.get(name="Kyiv"), "Kiev")
    with pytest.raises(tags.TagRefusal, match="already an alias of “Kyiv”"):
        tags.add_alias(Tag.objects.get(name="Kyiv Oblast"), "KIEV")


def test_an_alias_in_an_archive_import_stores_the_canonical_tag(tmp_path):
    EntryFactory(tags=["Kyiv"])
    tags.add_alias(Tag.objects.get(name="Kyiv"), "Kiev")
    page = tmp_path / "news" / "2014" / "03" / "5" / "page.md"
    page.parent.mkdir(parents=True)
    page.write_text(
        "### [2014-03-05](/news/2014/03/5/index.md)\n\n# Page\n\n### Related:\n\n"
        "1. [Protests in the capital ](/news/2013/01/1/other.md) _Context: kiev, Ukraine_\n"
    )
    with transaction.atomic():
        import_files([page])
    assert not Tag.objects.filter(name__iexact="kiev").exists()
    other = Entry.objects.get(slug="other")
    assert names_of(other) == ["Kyiv", "Ukraine"]


def test_an_alias_in_a_json_lines_import_stores_the_canonical_tag():
    EntryFactory(tags=["Kyiv"])
    tags.add_alias(Tag.objects.get(name="Kyiv"), "Kiev")
    line = {
        "event_date": "2014-02-19",
        "slug": "protest",
        "headline": "Protest",
        "status": "published",
        "publish_at": "2014-02-19T00:00:00+00:00",
        "tags": [{"name": "Kiev", "slug": "kiev"}, {"name": "Ukraine", "slug": "ukraine"}],
        "sources": [],
    }
    report = import_lines([json.dumps(line)])
    assert report.entries_created == 1, report.errors
    assert names_of(Entry.objects.get(slug="protest")) == ["Kyiv", "Ukraine"]
    assert not Tag.objects.filter(name="Kiev").exists()


# --- housekeeping --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("a", "b"),
    [("Protests", "protest"), ("Protést", "protest"), ("U.S.", "US"), ("Al-Qaeda", "al qaeda")],
)
def test_probable_duplicates_ignore_case_accents_punctuation_and_a_plural_s(a, b):
    assert tags.duplicate_key(a) == tags.duplicate_key(b)


def test_different_names_are_not_duplicates():
    assert tags.duplicate_key("Kiev") != tags.duplicate_key("Kyiv")


def test_housekeeping_groups_duplicates_most_used_first_and_lists_unused_tags():
    EntryFactory(tags=["Protests", "Ukraine"])
    EntryFactory(tags=["Protests"])
    EntryFactory(tags=["protest"])
    Tag.objects.create(name="Orphan")
    report = tags.housekeeping()
    assert [[t.name for t in group] for group in report.duplicates] == [["Protests", "protest"]]
    assert [t.name for t in report.unused] == ["Orphan"]


def test_delete_unused_tags_never_deletes_a_tag_in_use():
    EntryFactory(tags=["Ukraine"])
    orphan = Tag.objects.create(name="Orphan")
    assert tags.delete_unused_tags([orphan.pk, Tag.objects.get(name="Ukraine").pk]) == 1
    assert list(Tag.objects.values_list("name", flat=True)) == ["Ukraine"]


@pytest.mark.skipif(connection.vendor != "postgresql", reason="trigram similarity is PostgreSQL's")
def test_near_spellings_are_found_by_trigram_similarity_on_postgresql():
    EntryFactory(tags=["Hillary Clinton"])
    EntryFactory(tags=["Hilary Clinton"])
    EntryFactory(tags=["North Korea"])
    report = tags.housekeeping()
    assert [[t.name for t in pair] for pair, _ in report.similar] == [
        ["Hillary Clinton", "Hilary Clinton"]
    ]


def test_restoring_a_revision_from_before_a_merge_uses_the_target_and_creates_no_tag(editor):
    from desk import history, workflow

    entry = EntryFactory(tags=["Kiev"])
    workflow.ensure_revision(entry, user=editor)
    first = entry.revisions.get()
    entry.tags.set(["Ukraine"])
    EntryFactory(tags=["Kyiv"])
    tags.merge_tags([Tag.objects.get(name="Kiev")], Tag.objects.get(name="Kyiv"))
    history.restore(Entry.objects.get(pk=entry.pk), first, user=editor)
    assert names_of(entry) == ["Kyiv"]
    assert not Tag.objects.filter(name="Kiev").exists()


def test_the_public_list_filter_takes_an_alias_or_an_old_slug_for_the_tag(client):
    EntryFactory(headline="Protests in the capital", tags=["Kyiv"])
    EntryFactory(headline="Elsewhere", tags=["Lviv"])
    kyiv = Tag.objects.get(name="Kyiv")
    tags.add_alias(kyiv, "Kiev")
    for value in ("Kiev", "kiev"):  # the alias by name and by slug
        listed = client.get("/events/", {"tag": value}).context["entries"]
        assert [e.headline for e in listed] == ["Protests in the capital"]
    tags.rename_tag(kyiv, "Kyiv city")
    listed = client.get("/events/", {"tag": "kyiv"}).context["entries"]  # the old slug
    assert [e.headline for e in listed] == ["Protests in the capital"]
    assert client.get("/events/", {"tag": "nowhere"}).context["filter"].errors
