"""The directory of news outlets: citing bbc.co.uk credits "BBC News", not "bbc.co.uk"."""

import collections

import pytest
from django.core.management import call_command

from sources.directory import outlet_for_domain, read_directory
from sources.models import Publisher, PublisherRedirect
from sources.services import get_or_create_source
from tests.factories import PublisherFactory

pytestmark = pytest.mark.django_db


def test_the_directory_lists_a_few_hundred_outlets_each_domain_once():
    outlets = read_directory()
    assert len(outlets) >= 300
    domains = collections.Counter(d for o in outlets for d in o.domains)
    assert [d for d, n in domains.items() if n > 1] == []
    assert all("/" not in d and "." in d for d in domains)
    assert outlet_for_domain("news.bbc.co.uk").name == "BBC News"


def test_citing_an_outlet_of_the_directory_credits_it_by_name_with_all_its_domains():
    source = get_or_create_source("https://www.bbc.co.uk/news/world-1")
    bbc = source.publisher
    assert (bbc.name, bbc.domain, bbc.needs_name) == ("BBC News", "bbc.co.uk", False)
    assert list(bbc.other_domains.values_list("domain", flat=True)) == ["bbc.com"]
    assert get_or_create_source("https://www.bbc.com/news/world-2").publisher == bbc
    assert get_or_create_source("https://news.bbc.co.uk/2/hi/3").publisher == bbc
    assert Publisher.objects.count() == 1


def test_an_unknown_outlet_is_shown_by_its_lower_case_domain_and_flagged_unnamed():
    publisher = get_or_create_source("https://WWW.Smalltown-Gazette.example/a").publisher
    assert (publisher.name, publisher.domain) == ("smalltown-gazette.example",) * 2
    assert publisher.needs_name


def test_load_outlets_creates_the_directory_and_names_unnamed_publishers_once(client):
    unnamed = PublisherFactory(name="theguardian.com", domain="theguardian.com", needs_name=True)
    old_slug = unnamed.slug
    named_by_editor = PublisherFactory(name="Beeb", domain="bbc.co.uk")

    call_command("load_outlets", stdout=open("/dev/null", "w"))  # noqa: SIM115

    unnamed.refresh_from_db()
    assert (unnamed.name, unnamed.needs_name) == ("The Guardian", False)
    assert unnamed.slug != old_slug
    assert PublisherRedirect.objects.get(old_slug=old_slug).publisher == unnamed
    assert "guardian.co.uk" in unnamed.other_domains.values_list("domain", flat=True)
    named_by_editor.refresh_from_db()
    assert named_by_editor.name == "Beeb"  # an editor's name is kept
    assert Publisher.objects.count() == len(read_directory())

    before = sorted(Publisher.objects.values_list("pk", "name", "slug"))
    call_command("load_outlets", stdout=open("/dev/null", "w"))  # noqa: SIM115
    assert sorted(Publisher.objects.values_list("pk", "name", "slug")) == before
