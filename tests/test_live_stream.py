"""Live updates, the parts that need no server: which change-log rows a stream reads (late ones
included, scheduled ones only once effective), what each row becomes on the stream, and the
production command refusing a mismatched application and worker."""

import datetime
import json
import subprocess
import sys
from pathlib import Path

import pytest
from django.utils import timezone

from api import changes
from api.models import Change
from desk.corrections import add_correction
from events.models import Entry
from push import live
from stories import services as stories
from stories.models import Story
from tests.factories import EntryFactory, member

ROOT = Path(__file__).resolve().parent.parent

pytestmark = pytest.mark.django_db


def row(kind: str, *, at: datetime.datetime, **subject) -> Change:
    return Change.objects.create(kind=kind, effective_at=at, **subject)


def test_live_changes_read_rows_at_once_and_late_ones_once_but_never_a_row_not_yet_effective():
    now = timezone.now()
    first = row(Change.Kind.ENTRY_PUBLISHED, entry_id=1, at=now - datetime.timedelta(seconds=5))
    cursor = changes.cursor_key(first)
    seen = {first.pk: first.effective_at}
    newer = row(Change.Kind.ENTRY_UPDATED, entry_id=2, at=now - datetime.timedelta(seconds=1))
    # Committed late: effective before the cursor, inside the settle window.
    late = row(Change.Kind.ENTRY_UPDATED, entry_id=3, at=now - datetime.timedelta(seconds=9))
    row(Change.Kind.ENTRY_PUBLISHED, entry_id=4, at=now + datetime.timedelta(minutes=5))
    row(Change.Kind.STORY_OPENED, story_id=1, at=now - datetime.timedelta(seconds=1))
    found = changes.live_changes(cursor, seen=seen, now=now)
    assert [r.pk for r in found] == [late.pk, newer.pk]  # feed order; webhook-only rows left out
    seen |= {r.pk: r.effective_at for r in found}
    assert changes.live_changes(changes.cursor_key(newer), seen=seen, now=now) == []
    # A row older than the settle window is history, not news.
    row(Change.Kind.ENTRY_UPDATED, entry_id=5, at=now - datetime.timedelta(minutes=5))
    assert changes.live_changes(changes.cursor_key(newer), seen=seen, now=now) == []
    # The scheduled row is read once its time has come.
    later = now + datetime.timedelta(minutes=6)
    assert [r.entry_id for r in changes.live_changes(cursor, seen=seen, now=later)] == [4]


def test_a_replay_is_the_rows_after_the_reader_s_last_event_in_order_up_to_the_newest():
    now = timezone.now()
    rows = [
        row(Change.Kind.ENTRY_PUBLISHED, entry_id=n, at=now - datetime.timedelta(seconds=10 - n))
        for n in range(5)
    ]
    newest = changes.newest_effective()
    assert newest == changes.cursor_key(rows[-1])
    after = changes.effective_after(changes.cursor_key(rows[1]), until=newest, limit=100)
    assert [r.entry_id for r in after] == [2, 3, 4]
    first = changes.cursor_key(rows[0])
    assert [r.entry_id for r in changes.effective_after(first, until=newest, limit=2)] == [1, 2]
    until = changes.cursor_key(rows[2])
    assert [r.entry_id for r in changes.effective_after(first, until=until, limit=100)] == [1, 2]


def test_each_change_becomes_new_edit_withdrawn_or_concluded_with_the_card_rendered_once():
    editor = member("editor", "Editors")
    entry = EntryFactory(headline="Dam opens", slug="dam-opens", body="The dam opened.")
    story = stories.story_named("Kestrel floods")
    stories.set_story(entry, story)
    Change.objects.all().delete()
    add_correction(
        entry, kind="correction", note="It opened at noon.", user=editor, body="At noon."
    )
    EntryFactory(headline="Unrelated", tags=["weather"])
    story.status = Story.Status.CONCLUDED
    story.save()
    rows = list(Change.objects.filter(effective_at__lte=timezone.now()).order_by("id"))
    events = live.events_for(rows)
    names = [(e.name, e.data.get("entry")) for e in events]
    assert ("edit", entry.pk) in names and ("concluded", None) in names
    noted = next(e for e in events if e.data.get("note"))
    assert noted.data["note"] == "It opened at noon." and noted.story_id == story.pk
    assert "It opened at noon." in noted.data["html"] and "Dam opens" in noted.data["html"]
    assert noted.data["story"] == "kestrel-floods"
    assert noted.id == changes.encode_cursor(next(r for r in rows if r.kind == "entry.corrected"))

    entry.status = Entry.Status.DRAFT
    entry.save()
    withdrawn = live.events_for(list(Change.objects.filter(kind="entry.unpublished")))
    assert [(e.name, e.data, e.everyone) for e in withdrawn] == [
        ("withdrawn", {"entry": entry.pk}, True)
    ]


def test_an_update_in_review_leaves_nothing_for_the_streams():
    entry = EntryFactory(headline="Pending", draft=True, story="Kestrel floods")
    Change.objects.all().delete()
    entry.status = Entry.Status.REVIEW
    entry.save()
    assert live.events_for(list(Change.objects.all())) == []


@pytest.mark.parametrize(
    ("worker", "app", "says"),
    [
        ("", "newsroom.wsgi", "serve newsroom.asgi"),
        ("sync", "newsroom.asgi", "serve newsroom.wsgi"),
    ],
)
def test_the_production_command_refuses_an_application_its_worker_cannot_serve(worker, app, says):
    command = [sys.executable, "-m", "gunicorn", "-c", "newsroom/gunicorn.conf.py"]
    if worker:
        command += ["--worker-class", worker]
    done = subprocess.run(
        [*command, "--bind", "127.0.0.1:0", app],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode != 0
    assert says in done.stderr + done.stdout


HOSTILE = 'Q&A: "Dam" <script>alert(1)</script>\n\ndata: {"forged": true}\nid: 0'


def test_hostile_headlines_and_notes_cannot_break_the_event_or_inject_markup():
    editor = member("editor", "Editors")
    entry = EntryFactory(headline=HOSTILE, body=HOSTILE, story=HOSTILE)
    Change.objects.all().delete()
    add_correction(entry, kind="correction", note=HOSTILE, user=editor, body="Fixed.")
    [event] = live.events_for(list(Change.objects.filter(kind="entry.corrected")))

    frame = event.encode()
    # One event: its id, its name and a single data line, ended by the one blank line.
    assert frame.endswith("\n\n") and frame.count("\n\n") == 1
    lines = frame.rstrip("\n").split("\n")
    assert [line.split(":", 1)[0] for line in lines] == ["id", "event", "data"]
    data = json.loads(lines[2].removeprefix("data: "))
    assert data["note"] == HOSTILE  # plain text: the script prints it with textContent
    assert "<script>" not in data["html"]
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in data["html"]
