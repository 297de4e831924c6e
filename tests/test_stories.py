"""Stories: the heading a day's entries are grouped under, filled for entries imported before it."""

import importlib

import pytest
from django.apps import apps

from events.models import Entry
from tests.factories import EntryFactory

pytestmark = pytest.mark.django_db

fill = importlib.import_module("events.migrations.0009_fill_entry_story")


def test_data_migration_takes_the_story_from_a_tag_that_opens_the_headline():
    crime = EntryFactory(
        headline="Crime in North Korea. North Korea releases a Canadian pastor.",
        tags=["North Korea", "Crime in North Korea"],
    )
    plain = EntryFactory(headline="North Korea tests a missile.", tags=["North Korea"])
    kept = EntryFactory(headline="Ferries. Boats double.", tags=["Ferries"], story="Harbour")
    untagged = EntryFactory(headline="Ferries. Boats double again.")

    fill.fill_story(apps, None)

    stories = dict(Entry.objects.values_list("pk", "story"))
    assert stories[crime.pk] == "Crime in North Korea"
    assert stories[plain.pk] is None  # "North Korea tests" is not "North Korea. "
    assert stories[kept.pk] == "Harbour"  # an editor's story is never replaced
    assert stories[untagged.pk] is None
