"""What "live" means: one QuerySet method, and the entry page obeys it."""

import datetime

import pytest
from django.utils import timezone

from events.models import Entry
from tests.factories import EntryFactory

pytestmark = pytest.mark.django_db


def test_published_includes_live_entries_only():
    live = EntryFactory()
    EntryFactory(draft=True)
    EntryFactory(scheduled=True)
    assert list(Entry.objects.published()) == [live]


def test_scheduled_entry_goes_live_when_its_time_passes_without_a_job():
    entry = EntryFactory(publish_at=timezone.now() + datetime.timedelta(minutes=5))
    assert not Entry.objects.published().filter(pk=entry.pk).exists()
    Entry.objects.filter(pk=entry.pk).update(
        publish_at=timezone.now() - datetime.timedelta(seconds=1)
    )
    assert Entry.objects.published().filter(pk=entry.pk).exists()


def test_publishing_without_a_time_publishes_now():
    entry = Entry.objects.create(
        event_date=datetime.date(2014, 2, 19), headline="Something", status=Entry.Status.PUBLISHED
    )
    assert entry.publish_at is not None
    assert entry.publish_at <= timezone.now()
    assert entry.slug == "something"


def test_draft_is_404_for_public_and_visible_to_staff_with_a_banner(client, editor):
    entry = EntryFactory(draft=True, headline="Secret plan")
    assert client.get(entry.get_absolute_url()).status_code == 404
    client.force_login(editor)
    response = client.get(entry.get_absolute_url())
    assert response.status_code == 200
    assert "Draft: not visible to readers." in response.content.decode()


def test_entry_url_contains_the_date():
    entry = EntryFactory(event_date=datetime.date(2014, 2, 19), slug="botswana-ends-relations")
    assert entry.get_absolute_url() == "/2014/02/19/botswana-ends-relations/"
