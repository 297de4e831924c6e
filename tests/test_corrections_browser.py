"""In real Chromium: an editor adds a correction on the desk, and readers see it on the entry."""

import pytest
from playwright.sync_api import Browser, expect

from events.models import Correction
from tests.factories import EntryFactory, member
from tests.test_desk_browser import sign_in


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_an_editor_adds_a_correction_that_then_shows_on_the_public_page(
    live_server, browser: Browser
):
    member("alice", "Editors")
    entry = EntryFactory(
        headline="Talks resume on Monday in Geneva",
        slug="talks-resume",
        body="The delegations met on Monday morning.",
    )
    base = live_server.url
    page = browser.new_page()
    sign_in(page, base, "alice")

    page.goto(f"{base}/admin/events/entry/{entry.pk}/change/")
    page.get_by_role("link", name="Add a correction").click()
    # An empty note is refused with a message, and what was typed stays.
    page.get_by_label("Headline").fill("Talks resume on Tuesday in Geneva")
    page.get_by_role("button", name="Add the note").click()
    expect(page.get_by_role("alert")).to_contain_text("empty note")
    expect(page.get_by_label("Headline")).to_have_value("Talks resume on Tuesday in Geneva")
    assert not Correction.objects.exists()

    page.get_by_label("Note").fill("The talks resumed on Tuesday, not Monday.")
    page.get_by_role("button", name="Add the note").click()
    expect(page.locator(".messagelist")).to_contain_text("Correction added")

    reader = browser.new_page()
    reader.goto(f"{base}{entry.get_absolute_url()}")
    expect(reader.get_by_role("heading", level=1)).to_have_text("Talks resume on Tuesday in Geneva")
    note = reader.locator(".entry__corrections")
    expect(note).to_contain_text("Corrected")
    expect(note).to_contain_text("The talks resumed on Tuesday, not Monday.")
    note.get_by_role("link").click()
    expect(reader.locator(".diff del").first).to_have_text("Monday")
    expect(reader.locator(".diff ins").first).to_have_text("Tuesday")
