"""Entry.lede: the body's first sentence, stored by every write so lists never render Markdown."""

import json

import pytest
from django.contrib.auth.models import Group
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from desk import history, workflow
from desk.models import AuditEvent
from events.models import Entry
from events.text import lede
from interchange.jsonlines import import_lines
from tests.factories import EntryFactory

pytestmark = pytest.mark.django_db

BODY = "The **UN** said [so](https://un.example) on Monday. Later, more was said."


def stored(entry) -> str | None:
    return Entry.objects.values_list("lede", flat=True).get(pk=entry.pk)


def test_the_lede_is_the_rendered_bodys_first_sentence_as_plain_text():
    assert lede(BODY) == "The UN said so on Monday."
    assert lede("") == ""


def test_saving_an_entry_stores_its_lede_and_a_body_edit_replaces_it():
    entry = EntryFactory(body=BODY)
    assert stored(entry) == "The UN said so on Monday."

    entry.body = "A new first sentence. And a second."
    entry.save(update_fields=["body"])  # the lede is saved with the body it comes from

    assert stored(entry) == "A new first sentence."


def test_an_entry_without_a_body_stores_an_empty_lede_not_null():
    assert stored(EntryFactory(body="")) == ""


def test_restoring_a_revision_restores_its_lede(django_user_model):
    editor = django_user_model.objects.create_user("ed", "ed@example.com", "pw", is_staff=True)
    editor.groups.add(Group.objects.get(name="Editors"))
    entry = EntryFactory(body="First words here. More.")
    workflow.keep_revision(entry, user=editor, action=AuditEvent.Action.CREATE)
    entry.body = "Second words here. More."
    workflow.save_entry(entry, user=editor)
    assert stored(entry) == "Second words here."

    first = history.revision_of(entry, 1)
    assert first is not None
    history.restore(entry, first, user=editor, note="The first wording is back.")

    assert stored(entry) == "First words here."


def test_imported_entries_carry_their_lede():
    line = {
        "event_date": "2014-02-19",
        "slug": "imported",
        "headline": "Imported entry",
        "body": BODY,
        "status": "published",
        "publish_at": "2014-02-19T12:00:00+00:00",
        "tags": [],
        "sources": [],
        "comments": [],
    }

    assert import_lines([json.dumps(line)]).entries_created == 1

    assert Entry.objects.get(slug="imported").lede == "The UN said so on Monday."


def test_cards_show_the_stored_lede_without_rendering_the_body(client):
    entry = EntryFactory(body=BODY)
    Entry.objects.filter(pk=entry.pk).update(lede="What the column holds.")

    page = client.get("/events/").content.decode()

    assert "What the column holds." in page
    assert "The UN said so on Monday." not in page


def test_a_row_written_without_a_lede_still_shows_one(client):
    entry = EntryFactory(body=BODY)
    Entry.objects.filter(pk=entry.pk).update(lede=None)  # as raw SQL would leave it

    assert "The UN said so on Monday." in client.get("/events/").content.decode()


@pytest.mark.django_db(transaction=True)
def test_the_migration_fills_the_ledes_of_existing_entries():
    before, after = [("events", "0014_published_day_counts")], [("events", "0015_entry_lede")]
    executor = MigrationExecutor(connection)
    executor.migrate(before)
    old = executor.loader.project_state(before).apps.get_model("events", "Entry")
    with_body = old.objects.create(
        event_date="2014-02-19", headline="With a body", slug="a", status="draft", body=BODY
    )
    without = old.objects.create(
        event_date="2014-02-19", headline="Without", slug="b", status="draft", body=""
    )

    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(after)

    assert stored(with_body) == "The UN said so on Monday."
    assert stored(without) == ""
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(executor.loader.graph.leaf_nodes())
