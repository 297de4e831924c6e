"""Publishers: several domains, merges with a permanent redirect, and names still to give."""

import io
import json

import pytest
from django.core.management import CommandError, call_command

from events.models import Entry
from interchange.jsonlines import export_entries, import_lines
from sources.models import Publisher, PublisherRedirect, Source
from sources.services import MergeError, get_or_create_source, merge_publishers
from tests.factories import CitationFactory, EntryFactory, PublisherFactory, SourceFactory

pytestmark = pytest.mark.django_db


def test_a_source_on_any_of_a_publishers_domains_is_credited_to_it(bbc):
    assert get_or_create_source("https://www.bbc.com/news/world-1").publisher == bbc
    assert get_or_create_source("https://news.bbc.co.uk/2/hi/1").publisher == bbc
    assert Publisher.objects.count() == 1


def test_a_publisher_created_from_a_domain_is_flagged_for_an_editor_to_name():
    source = get_or_create_source("https://www.gazette.example/english/report")
    assert (source.publisher.name, source.publisher.needs_name) == ("gazette.example", True)
    named = get_or_create_source("https://a.example/x", publisher=PublisherFactory(name="A"))
    assert not named.publisher.needs_name


def test_naming_a_flagged_publisher_in_the_admin_clears_the_flag(admin_client):
    publisher = get_or_create_source("https://www.gazette.example/a").publisher
    assert (
        admin_client.get("/admin/sources/publisher/?needs_name__exact=1").context["cl"].result_count
        == 1
    )
    response = admin_client.post(
        f"/admin/sources/publisher/{publisher.pk}/change/",
        {
            "name": "Daily NK",
            "slug": publisher.slug,
            "homepage": "",
            "domain": "gazette.example",
            "needs_name": "on",
            "other_domains-TOTAL_FORMS": "0",
            "other_domains-INITIAL_FORMS": "0",
        },
    )
    assert response.status_code == 302
    publisher.refresh_from_db()
    assert (publisher.name, publisher.needs_name) == ("Daily NK", False)


def test_an_other_domain_that_is_already_a_main_domain_is_refused(admin_client, bbc):
    PublisherFactory(name="Reuters", domain="reuters.com")
    response = admin_client.post(
        f"/admin/sources/publisher/{bbc.pk}/change/",
        {
            "name": "BBC",
            "slug": "bbc",
            "homepage": "",
            "domain": "bbc.co.uk",
            "other_domains-TOTAL_FORMS": "1",
            "other_domains-INITIAL_FORMS": "0",
            "other_domains-0-domain": "www.reuters.com",
        },
    )
    assert response.status_code == 200
    assert "reuters.com is already a publisher&#x27;s main domain" in response.content.decode()
    assert list(bbc.other_domains.values_list("domain", flat=True)) == ["bbc.com"]


def test_merge_repoints_sources_moves_domains_and_redirects_the_old_page(client, bbc):
    old = PublisherFactory(name="BBC News", slug="bbc-news", domain="bbc.in")
    entry = EntryFactory()
    CitationFactory(entry=entry, source=SourceFactory(publisher=old))
    CitationFactory(entry=entry, source=SourceFactory(publisher=bbc))
    assert merge_publishers([old], into=bbc) == 1
    assert not Publisher.objects.filter(slug="bbc-news").exists()
    assert set(Source.objects.values_list("publisher__slug", flat=True)) == {"bbc"}
    assert set(bbc.other_domains.values_list("domain", flat=True)) == {"bbc.com", "bbc.in"}
    response = client.get("/sources/bbc-news/")
    assert response.status_code == 301 and response["Location"] == "/sources/bbc/"
    assert get_or_create_source("https://bbc.in/x").publisher == bbc
    # The entry now says it is backed by one publisher.
    assert "2 sources from 1 publisher" in client.get(entry.get_absolute_url()).content.decode()


def test_an_old_slug_keeps_the_page_number_and_never_leads_to_a_hidden_publisher(client, bbc):
    old = PublisherFactory(name="BBC News", slug="bbc-news")
    CitationFactory(entry=EntryFactory(), source=SourceFactory(publisher=old))
    merge_publishers([old], into=bbc)

    assert client.get("/sources/bbc-news/?page=2")["Location"] == "/sources/bbc/?page=2"

    # The publisher it became is cited only by a draft now: the old slug leaks nothing either.
    Entry.objects.update(status=Entry.Status.DRAFT)
    assert client.get("/sources/bbc-news/").status_code == 404


def test_a_merge_of_a_merge_keeps_every_old_page_redirecting(client, bbc):
    first = PublisherFactory(name="First", slug="first")
    second = PublisherFactory(name="Second", slug="second")
    CitationFactory(source=SourceFactory(publisher=first))
    merge_publishers([first], into=second)
    merge_publishers([second], into=bbc)
    assert dict(PublisherRedirect.objects.values_list("old_slug", "publisher__slug")) == {
        "first": "bbc",
        "second": "bbc",
    }
    assert client.get("/sources/first/")["Location"] == "/sources/bbc/"


def test_merging_a_publisher_into_itself_is_refused_and_nothing_changes(bbc):
    with pytest.raises(MergeError, match="cannot be merged into itself"):
        merge_publishers([bbc], into=bbc)
    with pytest.raises(MergeError, match="at least one"):
        merge_publishers([], into=bbc)
    assert Publisher.objects.get() == bbc and not PublisherRedirect.objects.exists()


def test_the_admin_action_asks_for_the_target_then_merges(admin_client, bbc):
    old = PublisherFactory(name="BBC News", slug="bbc-news", domain="bbc.in")
    SourceFactory(publisher=old)
    data = {"action": "merge_selected", "_selected_action": [old.pk]}
    page = admin_client.post("/admin/sources/publisher/", data)
    assert page.status_code == 200 and "Merge into" in page.content.decode()
    done = admin_client.post("/admin/sources/publisher/", {**data, "into": bbc.pk}, follow=True)
    assert "Merged BBC News into BBC: 1 source re-pointed" in done.content.decode()
    assert not Publisher.objects.filter(pk=old.pk).exists()


def test_the_admin_action_refuses_a_merge_into_a_selected_publisher_alone(admin_client, bbc):
    data = {"action": "merge_selected", "_selected_action": [bbc.pk], "into": bbc.pk}
    done = admin_client.post("/admin/sources/publisher/", data, follow=True)
    assert "cannot be merged into itself" in done.content.decode()
    assert Publisher.objects.filter(pk=bbc.pk).exists()


def test_the_command_merges_and_refuses_unknown_slugs(bbc):
    PublisherFactory(name="BBC News", slug="bbc-news")
    out = io.StringIO()
    call_command("merge_publishers", "bbc-news", "--into", "bbc", stdout=out)
    assert "Merged bbc-news into bbc" in out.getvalue()
    with pytest.raises(CommandError, match="No publisher with slug nope"):
        call_command("merge_publishers", "nope", "--into", "bbc")
    with pytest.raises(CommandError, match="itself"):
        call_command("merge_publishers", "bbc", "--into", "bbc")


def test_export_carries_other_domains_and_the_flag_and_round_trips(bbc):
    CitationFactory(source=SourceFactory(publisher=bbc))
    flagged = get_or_create_source("https://www.gazette.example/a")
    CitationFactory(source=flagged)
    out = io.StringIO()
    export_entries(out)
    text = out.getvalue()
    publishers = {
        s["publisher"]["name"]: s["publisher"]
        for line in text.splitlines()
        for s in json.loads(line)["sources"]
    }
    assert publishers["BBC"]["other_domains"] == ["bbc.com"]
    assert publishers["gazette.example"]["needs_name"] is True
    from events.models import Entry

    Entry.objects.all().delete()
    Source.objects.all().delete()
    Publisher.objects.all().delete()
    assert import_lines(text.splitlines()).entries_created == 2
    again = io.StringIO()
    export_entries(again)
    assert again.getvalue() == text
