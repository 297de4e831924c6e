"""The changelist on deadline, in real Chromium: headlines an editor can tell apart, every
column on screen at 1280, 1440 and 1920 px, whatever state the entries are in."""

import dataclasses

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group

from desk import workflow
from desk.snapshots import snapshot_of
from events.models import Entry
from tests.factories import CitationFactory, CommentFactory, EntryFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "pw-changelist-1"
HEADLINE = (
    "North Korea-United States relations. North Korea says the United States has crossed the "
    "red line in our showdown after placing sanctions on its leader over human rights abuses"
)


@pytest.fixture
def desk(live_server):
    """Entries in every state, long headlines and tags, and an editor signed in by the page."""
    editor = get_user_model().objects.create_user(
        "long-shift-editor-with-a-long-name", password=PASSWORD, is_staff=True
    )
    editor.groups.add(Group.objects.get(name="Editors"))
    entries = []
    for i in range(6):
        entry = EntryFactory(
            headline=f"{HEADLINE} {i}",
            slug=f"long-{i}",
            author=editor,
            tags=[f"International relations topic {n}" for n in range(8)],
        )
        CitationFactory(entry=entry)
        CommentFactory(entry=entry, status="approved")
        entries.append(entry)
    EntryFactory(headline=f"{HEADLINE} draft", slug="draft", draft=True, author=editor)
    EntryFactory(headline=f"{HEADLINE} scheduled", slug="scheduled", scheduled=True)
    Entry.objects.filter(slug="long-5").update(status=Entry.Status.REVIEW)
    pending = entries[0]
    snapshot = dataclasses.replace(snapshot_of(pending), headline="A held change to the headline")
    workflow.hold_change(pending, snapshot, user=editor)
    return live_server.url


def sign_in(page, base):
    page.goto(f"{base}/admin/login/?next=/admin/events/entry/")
    page.get_by_label("Username").fill("long-shift-editor-with-a-long-name")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()


def measure(page) -> dict:
    return page.evaluate(
        """() => {
          const cells = [...document.querySelectorAll('#result_list .field-headline_cell')];
          const root = document.documentElement;
          const table = document.querySelector('#changelist .results');
          return {
            overflow: root.scrollWidth - root.clientWidth,
            table_overflow: table.scrollWidth - table.clientWidth,
            cells: cells.length,
            headline: Math.min(...cells.map(c => c.getBoundingClientRect().width)),
            states: [...document.querySelectorAll('.desk-state')].map(s => s.textContent),
            clipped: [...document.querySelectorAll('#result_list th, #result_list td')]
              .filter(c => c.getBoundingClientRect().right > root.clientWidth + 0.5).length,
            rows: Math.max(...[...document.querySelectorAll('#result_list tbody tr')]
              .map(r => r.getBoundingClientRect().height)),
          };
        }"""
    )


@pytest.mark.parametrize("width", [1280, 1440, 1920])
def test_headlines_get_300px_and_no_column_leaves_the_screen(desk, browser, width):
    page = browser.new_page(viewport={"width": width, "height": 900})
    sign_in(page, desk)
    page.goto(f"{desk}/admin/events/entry/")
    m = measure(page)
    assert m["cells"] == 8
    assert "Live, changes pending" in m["states"] and "Scheduled" in m["states"]
    assert m["overflow"] <= 0 and m["table_overflow"] <= 0, m
    assert m["clipped"] == 0, m
    assert m["headline"] >= 300, m
    assert m["rows"] <= 90, m


@pytest.mark.parametrize("state", ["pending", "live", "scheduled", "draft", "review"])
def test_filtered_by_state_the_list_still_fits_1280px(desk, browser, state):
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    sign_in(page, desk)
    page.goto(f"{desk}/admin/events/entry/?state={state}")
    m = measure(page)
    assert m["cells"] >= 1
    assert m["overflow"] <= 0 and m["table_overflow"] <= 0 and m["clipped"] == 0, m
    assert m["headline"] >= 300, m
