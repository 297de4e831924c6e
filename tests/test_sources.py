"""Sources: one row per normalised URL, publishers found from the domain, order kept."""

import datetime

import pytest

from sources.links import domain_of, normalize_url
from sources.models import Publisher, Source
from sources.selectors import publisher_for_url
from sources.services import cite, get_or_create_publisher, get_or_create_source
from tests.factories import EntryFactory, PublisherFactory


@pytest.mark.parametrize(
    ("raw", "canonical"),
    [
        ("HTTPS://WWW.Reuters.COM/world/story/", "https://www.reuters.com/world/story"),
        ("https://reuters.com:443/a?utm_source=x&utm_medium=y", "https://reuters.com/a"),
        ("http://example.com:8080/a/", "http://example.com:8080/a"),
        (
            "https://example.com/a?id=3&fbclid=abc&page=2#comments",
            "https://example.com/a?id=3&page=2",
        ),
        ("https://example.com", "https://example.com/"),
        ("https://example.com/?", "https://example.com/"),
        ("  https://example.com/a  ", "https://example.com/a"),
        ("https://example.com/Case/Sensitive", "https://example.com/Case/Sensitive"),
    ],
)
def test_normalize_url(raw, canonical):
    assert normalize_url(raw) == canonical


@pytest.mark.parametrize(
    "bad", ["javascript:alert(1)", "ftp://example.com/", "mailto:a@b.c", "//example.com", "", "x"]
)
def test_normalize_url_refuses_what_is_not_http(bad):
    with pytest.raises(ValueError):
        normalize_url(bad)


def test_domain_of_drops_www_and_case():
    assert domain_of("https://WWW.BBC.co.uk/news") == "bbc.co.uk"
    assert domain_of("https://news.bbc.co.uk/x") == "news.bbc.co.uk"


@pytest.mark.django_db
def test_publisher_is_found_from_the_domain_or_a_parent_domain(django_assert_num_queries):
    bbc = PublisherFactory(name="BBC", domain="bbc.co.uk")
    PublisherFactory(name="Other", domain="co.uk")
    with django_assert_num_queries(1):
        assert publisher_for_url("https://news.bbc.co.uk/1/hi/world") == bbc
    assert publisher_for_url("https://unknown.example/") is None


@pytest.mark.django_db
def test_a_source_without_publisher_gets_the_domains_publisher_or_a_new_one():
    reuters = PublisherFactory(name="Reuters", domain="reuters.com")
    assert get_or_create_source("https://www.reuters.com/a").publisher == reuters
    new = get_or_create_source(
        "https://www.smalltown-gazette.example/english/read.php?num=1"
    ).publisher
    assert (new.name, new.domain) == ("smalltown-gazette.example", "smalltown-gazette.example")


@pytest.mark.django_db
def test_the_same_article_under_different_urls_is_stored_once_and_details_fill_in():
    first = get_or_create_source("https://example.com/a/?utm_campaign=x", title="Title")
    second = get_or_create_source(
        "HTTPS://EXAMPLE.com/a", byline="Kate Ng", published_on=datetime.date(2019, 12, 11)
    )
    assert first.pk == second.pk
    assert Source.objects.count() == 1
    second.refresh_from_db()
    assert (second.title, second.byline) == ("Title", "Kate Ng")


@pytest.mark.django_db
def test_blank_details_never_erase_stored_ones():
    get_or_create_source("https://example.com/a", title="Kept", byline="Kept too")
    source = get_or_create_source("https://example.com/a", title="", byline="")
    assert (source.title, source.byline) == ("Kept", "Kept too")


@pytest.mark.django_db
def test_publishers_match_by_name_case_insensitively_and_get_unique_slugs():
    a = get_or_create_publisher("Global Post")
    assert get_or_create_publisher("global  post") == a
    Publisher.objects.create(name="Global-Post", slug="global-post-x")
    b = get_or_create_publisher("Global Post!")
    assert b.slug == "global-post-2"


@pytest.mark.django_db
def test_an_entry_lists_its_sources_in_the_editors_order_and_cites_each_once():
    entry = EntryFactory()
    cite(entry, "https://b.example/2")
    cite(entry, "https://a.example/1")
    cite(entry, "https://b.example/2/")  # the same article again: no second citation
    urls = [c.source.url for c in entry.citations.all()]
    assert urls == ["https://b.example/2", "https://a.example/1"]


@pytest.mark.django_db
def test_a_source_can_back_several_entries():
    one, two = EntryFactory(), EntryFactory()
    cite(one, "https://example.com/a")
    cite(two, "https://example.com/a")
    assert Source.objects.get().entries.count() == 2


@pytest.mark.django_db
def test_the_entry_page_lists_sources_in_order_with_noopener_links(client):
    entry = EntryFactory()
    reuters = PublisherFactory(name="Reuters", domain="reuters.com")
    cite(entry, "https://www.reuters.com/b", title="Second article", position=1)
    cite(entry, "https://ap.example/a", title="First article", position=0, publisher=reuters)
    html = client.get(entry.get_absolute_url()).content.decode()
    assert html.index("First article") < html.index("Second article")
    assert '<a href="https://www.reuters.com/b" rel="noopener"' in html
