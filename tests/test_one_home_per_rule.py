"""Rules that once had two copies which disagreed: each now has one home, and these pin them."""

import datetime
import io
import json
import re

import pytest
from django.core.management import CommandError, call_command
from taggit.models import Tag

from events.models import Entry
from reading.filters import EntryFilter
from sources.models import Publisher, Source
from sources.services import free_publisher_slug, get_or_create_publisher
from tests.factories import CitationFactory, EntryFactory, PublisherFactory, SourceFactory

pytestmark = pytest.mark.django_db


def jsonl_record(**overrides) -> dict:
    record = {
        "event_date": "2014-02-19",
        "slug": "harbour-reopens",
        "headline": "The harbour reopens",
        "body": "",
        "status": "published",
        "publish_at": "2014-02-19T12:00:00+00:00",
        "tags": [{"name": "Harbours", "slug": "harbours"}],
        "sources": [],
        "comments": [],
    }
    record.update(overrides)
    return record


def import_records(tmp_path, *records) -> str:
    path = tmp_path / "entries.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in records))
    out = io.StringIO()
    call_command("import_events", str(path), stdout=out, stderr=io.StringIO())
    return out.getvalue()


# --- source URLs: one normaliser for the admin and every import ------------------------------


def test_json_lines_import_stores_source_urls_normalised_as_the_admin_does(tmp_path):
    source = {"url": "HTTPS://Example.com/story/?utm_source=x&id=7#frag", "title": "Story"}
    import_records(tmp_path, jsonl_record(sources=[source]))
    assert list(Source.objects.values_list("url", flat=True)) == ["https://example.com/story?id=7"]
    exported = tmp_path / "out.jsonl"
    call_command("export_events", "-o", str(exported), stderr=io.StringIO())
    assert json.loads(exported.read_text())["sources"][0]["url"] == "https://example.com/story?id=7"


def test_json_lines_import_matches_an_existing_source_by_its_normalised_url(tmp_path):
    existing = SourceFactory(url="https://example.com/story")
    import_records(
        tmp_path, jsonl_record(sources=[{"url": "https://EXAMPLE.com/story/#top", "title": ""}])
    )
    assert Source.objects.count() == 1
    assert list(Entry.objects.get().sources.all()) == [existing]


def test_two_spellings_of_one_url_on_an_entry_become_one_citation(tmp_path):
    sources = [{"url": "https://example.com/a"}, {"url": "https://example.com/a/?utm_medium=x"}]
    import_records(tmp_path, jsonl_record(sources=sources))
    assert Entry.objects.get().citations.count() == 1


def test_json_lines_import_refuses_a_url_the_admin_refuses(tmp_path):
    path = tmp_path / "bad.jsonl"
    path.write_text(json.dumps(jsonl_record(sources=[{"url": "ftp://example.com/x"}])) + "\n")
    err = io.StringIO()
    with pytest.raises(CommandError, match="nothing from them was written"):
        call_command("import_events", str(path), stdout=io.StringIO(), stderr=err)
    assert "bad.jsonl:1: not an http(s) URL" in err.getvalue()
    assert not Entry.objects.exists()


# --- publisher slugs: one rule -----------------------------------------------------------------


def test_json_lines_import_gives_a_new_publisher_a_free_slug_when_its_slug_is_taken(tmp_path):
    PublisherFactory(name="The Times (London)", slug="the-times", domain="thetimes.co.uk")
    publisher = {"name": "The Times", "slug": "the-times", "domain": "thetimes.com"}
    import_records(
        tmp_path,
        jsonl_record(sources=[{"url": "https://thetimes.com/a", "publisher": publisher}]),
    )
    new = Publisher.objects.get(name="The Times")
    assert new.slug == "the-times-2"
    assert Publisher.objects.get(name="The Times (London)").slug == "the-times"


def test_admin_and_imports_share_the_publisher_slug_rule():
    PublisherFactory(name="Reuters UK", slug="reuters", domain="reuters.co.uk")
    assert free_publisher_slug("Reuters") == "reuters-2"
    assert free_publisher_slug("Reuters", reserved={"reuters-2"}) == "reuters-3"
    assert get_or_create_publisher("Reuters").slug == "reuters-2"
    assert free_publisher_slug("!!!") == "publisher"


# --- what readers may see of tags and publishers: pages and feeds agree ------------------------


@pytest.mark.parametrize("path", ["/tags/secret/", "/tags/secret/rss/", "/tags/secret/atom/"])
@pytest.mark.parametrize("hidden", ["draft", "scheduled"])
def test_tag_carried_only_by_a_hidden_entry_is_404_on_its_page_and_both_feeds(client, path, hidden):
    EntryFactory(tags=["Secret"], **{hidden: True})
    EntryFactory(tags=["Open"])
    response = client.get(path)
    assert response.status_code == 404
    assert b"Secret" not in response.content


@pytest.mark.parametrize("path", ["/tags/open/", "/tags/open/rss/", "/tags/open/atom/"])
def test_tag_of_a_live_entry_answers_on_its_page_and_both_feeds(client, path):
    EntryFactory(tags=["Open"])
    assert client.get(path).status_code == 200


@pytest.mark.parametrize("hidden", ["draft", "scheduled"])
def test_publisher_cited_only_by_hidden_entries_is_in_no_public_list_and_its_page_is_404(
    client, hidden
):
    secret = PublisherFactory(name="Secret Gazette", slug="secret-gazette")
    open_ = PublisherFactory(name="Open Herald", slug="open-herald")
    CitationFactory(entry=EntryFactory(**{hidden: True}), source=SourceFactory(publisher=secret))
    CitationFactory(entry=EntryFactory(), source=SourceFactory(publisher=open_))

    assert client.get("/sources/secret-gazette/").status_code == 404
    assert client.get("/sources/open-herald/").status_code == 200
    index = client.get("/sources/").content.decode()
    assert "Open Herald" in index and "Secret Gazette" not in index
    listing = client.get("/events/").content.decode()
    assert '<option value="Open Herald">' in listing
    assert "Secret Gazette" not in listing and "secret-gazette" not in listing
    assert client.get("/events/?publisher=secret-gazette").context["filter"].errors
    sitemap = client.get("/sitemap-publishers.xml").content.decode()
    assert "/sources/open-herald/" in sitemap and "secret-gazette" not in sitemap


# --- the sort a search gets from the form --------------------------------------------------


def selected_sort(html: str) -> str:
    """The value a browser submits for the sort select: the selected option, else the first."""
    select = re.search(r'<select name="sort"[^>]*>(.*?)</select>', html, re.S).group(1)
    options = re.findall(r'<option value="([^"]*)"( selected)?', select)
    chosen = [value for value, selected in options if selected]
    return chosen[0] if chosen else options[0][0]


def test_the_form_submits_best_match_by_default_so_a_typed_search_is_ranked(client):
    EntryFactory(headline="Harbour news", event_date=datetime.date(2014, 1, 1))
    page = client.get("/events/").content.decode()
    sort = selected_sort(page)
    assert sort == "relevance"
    assert "Best match" in page
    filterset = EntryFilter({"q": "harbour", "sort": sort}, queryset=Entry.objects.published())
    assert filterset.is_valid()
    # Ranked: the order starts with the relevance rank, not the date.
    assert filterset.qs.query.order_by[0] == "-rank"


def test_best_match_without_words_lists_newest_first_and_shows_no_sort_filter(client):
    EntryFactory(headline="Older", event_date=datetime.date(2014, 1, 1))
    EntryFactory(headline="Newer", event_date=datetime.date(2014, 1, 2))
    response = client.get("/events/?q=&sort=relevance", follow=True)
    assert response.redirect_chain == [("/events/", 302)]
    assert [e.headline for e in response.context["entries"]] == ["Newer", "Older"]
    assert response.context["active_filters"] == []


def test_a_search_sorted_by_date_keeps_that_sort_in_its_links(client):
    EntryFactory(headline="Harbour news", tags=["Harbours"])
    response = client.get("/events/?q=harbour&sort=newest")
    labels = [f["label"] for f in response.context["active_filters"]]
    assert "Sort: Newest first" in labels
    assert Tag.objects.filter(slug="harbours").exists()
