"""Search: weighted headline > tags > body, snippets, and the tag copy kept current.

Runs on both databases (the CI suite runs on SQLite and PostgreSQL); the tests that need
PostgreSQL's own features (stemming, websearch syntax, the GIN index) run on PostgreSQL only.
"""

import json

import pytest
from django.db import connection
from taggit.models import Tag

from events import search
from events.models import Entry
from interchange.jsonlines import import_lines
from reading.templatetags.reading import snippet
from tests.factories import EntryFactory

pytestmark = pytest.mark.django_db

postgres_only = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="PostgreSQL full-text search feature"
)


def found(text: str) -> list[str]:
    return [
        e.headline
        for e in search.search(Entry.objects.published(), text).order_by("-rank", "headline")
    ]


def test_headline_match_outranks_tag_match_outranks_body_match():
    EntryFactory(headline="Budget approved", body="The volcano was quiet.")
    EntryFactory(headline="Parliament sits", tags=["Volcano"])
    EntryFactory(headline="Volcano erupts")
    assert found("volcano") == ["Volcano erupts", "Parliament sits", "Budget approved"]


def test_search_never_returns_drafts_or_scheduled_entries():
    EntryFactory(headline="Volcano erupts")
    EntryFactory(headline="Volcano draft", draft=True)
    EntryFactory(headline="Volcano scheduled", scheduled=True)
    assert found("volcano") == ["Volcano erupts"]


def test_every_word_must_match():
    EntryFactory(headline="Volcano erupts in Iceland")
    EntryFactory(headline="Volcano erupts in Chile")
    assert found("volcano iceland") == ["Volcano erupts in Iceland"]


def test_search_annotates_a_snippet_with_the_match_marked(client):
    EntryFactory(headline="Eruption", body="Ash from the volcano closed <b>airports</b>.")
    response = client.get("/events/?q=volcano")
    html = response.content.decode()
    assert "<mark>volcano</mark>" in html
    # the body's markup never reaches the page as markup (escaped, or dropped by ts_headline)
    assert "airports" in html
    assert "<b>airports" not in html


def test_snippet_filter_escapes_before_marking():
    marked = f"a {search.SNIPPET_START}<x>{search.SNIPPET_STOP} b"
    assert snippet(marked) == "a <mark>&lt;x&gt;</mark> b"
    assert snippet("Ash & <script>volcano</script>", "volcano") == (
        "Ash &amp; &lt;script&gt;<mark>volcano</mark>&lt;/script&gt;"
    )


def test_relevance_is_the_default_order_when_searching_and_newest_can_be_chosen(client):
    EntryFactory(headline="Older volcano story", event_date="2014-01-01")
    EntryFactory(headline="Newer story", body="volcano", event_date="2014-02-01")
    by_rank = client.get("/events/?q=volcano")
    assert [e.headline for e in by_rank.context["entries"]] == [
        "Older volcano story",
        "Newer story",
    ]
    by_date = client.get("/events/?q=volcano&sort=newest")
    assert [e.headline for e in by_date.context["entries"]] == [
        "Newer story",
        "Older volcano story",
    ]


def test_search_tags_copy_follows_adding_removing_and_renaming_tags():
    entry = EntryFactory(headline="Summit", tags=["Climate"])
    entry.refresh_from_db()
    assert entry.search_tags == "Climate"
    entry.tags.add("Energy")
    entry.refresh_from_db()
    assert entry.search_tags == "Climate Energy"
    entry.tags.remove("Climate")
    entry.refresh_from_db()
    assert entry.search_tags == "Energy"
    tag = Tag.objects.get(name="Energy")
    tag.name = "Power"
    tag.save()
    entry.refresh_from_db()
    assert entry.search_tags == "Power"
    tag.delete()
    entry.refresh_from_db()
    assert entry.search_tags == ""
    entry.tags.set(["Oil", "Gas"])
    entry.refresh_from_db()
    assert entry.search_tags == "Gas Oil"
    entry.tags.clear()
    entry.refresh_from_db()
    assert entry.search_tags == ""


def test_a_tag_added_after_saving_is_searchable():
    entry = EntryFactory(headline="Summit")
    assert found("geothermal") == []
    entry.tags.add("Geothermal")
    assert found("geothermal") == ["Summit"]


@postgres_only
def test_postgres_search_stems_words():
    EntryFactory(headline="Elections held in Ukraine")
    assert found("election") == ["Elections held in Ukraine"]


@postgres_only
def test_postgres_search_understands_phrases_and_exclusions():
    EntryFactory(headline="Volcano erupts in Iceland")
    EntryFactory(headline="Iceland volcano erupts")
    assert found('"erupts in iceland"') == ["Volcano erupts in Iceland"]
    assert found("volcano -chile") == ["Iceland volcano erupts", "Volcano erupts in Iceland"]


@postgres_only
def test_search_uses_the_gin_index():
    EntryFactory(headline="Volcano erupts")
    # Table statistics left by other tests may make a b-tree scan look cheapest on this tiny
    # table; with plain scans priced out, the match must be found through the GIN index.
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("SET LOCAL enable_indexscan = off")
        queryset = search.search(Entry.objects.all(), "volcano").values("pk")
        plan = queryset.explain()
    assert "entry_search_document_gin" in plan


def test_entries_imported_in_bulk_are_found_by_their_tag_names(client):
    # The JSON Lines import writes tag links in bulk (no m2m_changed): the search text of its
    # entries is still refreshed, so a tag's name finds them.
    line = {
        "event_date": "2014-02-19",
        "slug": "bulk-imported",
        "headline": "Delegates meet again",
        "body": "",
        "status": "published",
        "publish_at": "2014-02-19T12:00:00+00:00",
        "tags": [{"name": "Zanzibar accord", "slug": "zanzibar-accord"}],
        "sources": [],
        "comments": [],
    }
    assert import_lines([json.dumps(line)]).entries_created == 1

    assert Entry.objects.get(slug="bulk-imported").search_tags == "Zanzibar accord"
    found = client.get("/events/", {"q": "zanzibar"}).context["entries"]
    assert [e.slug for e in found] == ["bulk-imported"]
