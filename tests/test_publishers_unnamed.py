"""Publishers by name: an entry citing an outlet the desk cannot name asks the editor to name
it (or to confirm) before it goes live; readers see such a publisher by its lower-case domain."""

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.test import Client

from events.models import Entry
from sources.models import Publisher
from sources.services import cite
from tests.factories import EntryFactory, PublisherFactory

pytestmark = pytest.mark.django_db

ADD = "/admin/events/entry/add/"


@pytest.fixture
def alice() -> Client:
    user = get_user_model().objects.create_user("alice", password="pw", is_staff=True)
    user.groups.add(Group.objects.get(name="Editors"))
    client = Client()
    client.force_login(user)
    return client


def publish(client, url, *, publisher="", **extra):
    data = {
        "event_date": "2026-03-02",
        "headline": "The north pier reopens",
        "slug": "north-pier-reopens",
        "status": "published",
        "comments_open": "on",
        "citations-TOTAL_FORMS": "1",
        "citations-INITIAL_FORMS": "0",
        "citations-0-url": url,
        "citations-0-publisher": publisher,
        "citations-0-position": "0",
        "_continue": "1",
        **extra,
    }
    return client.post(ADD, data)


def test_publishing_with_a_source_from_an_unknown_outlet_asks_first(alice):
    response = publish(alice, "https://www.harbour-gazette.example/pier")
    assert response.status_code == 200
    page = response.content.decode()
    assert "harbour-gazette.example (a new publisher)" in page
    assert "Publish with unnamed publishers" in page
    assert not Entry.objects.exists() and not Publisher.objects.exists()


def test_the_editor_confirms_and_the_outlet_is_credited_by_its_domain_flagged(alice):
    response = publish(
        alice, "https://www.Harbour-Gazette.example/pier", publish_with_unnamed_publishers="on"
    )
    assert response.status_code == 302
    entry = Entry.objects.get()
    assert entry.is_live
    publisher = entry.citations.get().source.publisher
    assert (publisher.name, publisher.needs_name) == ("harbour-gazette.example", True)


def test_an_outlet_of_the_directory_needs_no_question(alice):
    assert publish(alice, "https://www.bbc.co.uk/news/pier").status_code == 302
    assert Entry.objects.get().citations.get().source.publisher.name == "BBC News"


def test_an_unnamed_publisher_already_stored_is_linked_for_naming(alice):
    unnamed = PublisherFactory(
        name="pier-news.example", domain="pier-news.example", needs_name=True
    )
    page = publish(alice, "https://pier-news.example/a").content.decode()
    assert f'href="/admin/sources/publisher/{unnamed.pk}/change/"' in page
    unnamed.name, unnamed.needs_name = "Pier News", False
    unnamed.save()
    assert publish(alice, "https://pier-news.example/a").status_code == 302


def test_a_draft_with_an_unknown_outlet_is_saved_without_question(alice):
    response = publish(alice, "https://www.harbour-gazette.example/pier", status="draft")
    assert response.status_code == 302


def test_readers_see_an_unnamed_publisher_by_its_lower_case_domain(client):
    entry = EntryFactory()
    cite(entry, "https://www.harbour-gazette.example/pier")
    page = client.get(entry.get_absolute_url()).content.decode()
    assert '<p class="source__publisher source__publisher--unnamed">' in page
    assert ">harbour-gazette.example</a>" in page
