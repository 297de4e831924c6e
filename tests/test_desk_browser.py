"""The desk in real Chromium: a reporter writes and submits, an editor compares, returns,
schedules, previews and publishes; then two editors edit the same entry at once."""

import re

import pytest
from django.contrib.auth.models import Group
from playwright.sync_api import Browser, Page, expect

from events.models import Entry
from tests.factories import MEMBER_PASSWORD, member

PASSWORD = MEMBER_PASSWORD  # what member() gives


def sign_in(page: Page, base: str, username: str) -> None:
    page.goto(f"{base}/admin/login/?next=/admin/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("link", name="Newsroom desk")).to_be_visible()


def save(page: Page) -> None:
    page.locator("input[name=_continue]").click()


def source_row(page: Page, index: int, url: str, title: str) -> None:
    page.locator(f"#id_citations-{index}-url").fill(url)
    page.locator(f"#id_citations-{index}-title").fill(title)


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_reporter_writes_editor_reviews_schedules_publishes_and_two_editors_edit_at_once(
    live_server, browser: Browser
):
    member("rita", "Reporters")
    member("alice", "Editors")
    member("bob", "Editors")
    base = live_server.url

    # The reporter writes an entry with tags and sources and submits it for review.
    rita = browser.new_page()
    sign_in(rita, base, "rita")
    rita.goto(f"{base}/admin/events/entry/add/")
    rita.get_by_label("Date of the event").fill("2014-03-05")
    rita.get_by_label("Headline").fill("Port Ellery closes its north pier after cracks are found")
    rita.get_by_label("Tags").fill("Port Ellery, harbour safety")
    source_row(rita, 0, "https://gazette.example/pier?utm_source=x", "Pier closed")
    source_row(rita, 1, "https://herald.example/pier-cracks", "Cracks in the pier")
    expect(rita.get_by_label("Status")).not_to_contain_text("Published")
    rita.get_by_label("Status").select_option("review")
    save(rita)
    expect(rita.locator(".desk-status")).to_contain_text("State: In review")
    entry = Entry.objects.get()
    assert entry.status == "review" and sorted(entry.tags.names()) == [
        "Port Ellery",
        "harbour safety",
    ]
    assert [c.source.url for c in entry.citations.order_by("position")] == [
        "https://gazette.example/pier",
        "https://herald.example/pier-cracks",
    ]
    change = f"{base}/admin/events/entry/{entry.pk}/change/"

    # The editor compares the versions, then returns the entry with a note.
    alice = browser.new_page()
    sign_in(alice, base, "alice")
    alice.goto(change)
    alice.get_by_role("link", name="Revisions").click()
    radios_old = alice.locator("input[name=old]")
    expect(radios_old).to_have_count(1)
    alice.goto(change)
    alice.get_by_label("Status").select_option("draft")
    save(alice)
    expect(alice.get_by_text("Say why you are returning the entry")).to_be_visible()
    alice.get_by_label("Note from the editor").fill(
        "Say which pier: the north one, per both sources."
    )
    alice.get_by_label("Status").select_option("draft")
    save(alice)
    expect(alice.locator(".desk-status")).to_contain_text("State: Draft")

    # The reporter sees the note, fixes the headline and resubmits.
    rita.goto(change)
    expect(rita.locator(".desk-note")).to_contain_text("Say which pier: the north one")
    rita.get_by_label("Headline").fill(
        "Port Ellery closes the north pier after inspectors find cracks in its pilings"
    )
    rita.get_by_label("Status").select_option("review")
    save(rita)
    expect(rita.locator(".desk-status")).to_contain_text("State: In review")

    # The editor compares the two submitted versions: the changed words are marked.
    alice.goto(change)
    alice.get_by_role("link", name="Revisions").click()
    versions = alice.locator("input[name=new]")
    expect(versions.first).to_be_visible()
    alice.locator("input[name=new]").first.check()
    alice.locator("input[name=old]").last.check()
    alice.get_by_role("button", name=re.compile("Compare")).click()
    expect(alice.locator("ins").first).to_be_visible()

    # The editor schedules it, previews it with a banner, then publishes it and sees it live.
    alice.goto(change)
    alice.get_by_label("Status").select_option("published")
    alice.locator("#id_publish_at_0").fill("2999-01-01")
    alice.locator("#id_publish_at_1").fill("09:00:00")
    save(alice)
    # Its sources come from outlets the desk cannot name: she is asked first, and confirms.
    expect(alice.get_by_text("with no publisher's name")).to_be_visible()
    alice.get_by_label("Publish with unnamed publishers").check()
    save(alice)
    expect(alice.locator(".desk-status")).to_contain_text("State: Scheduled")
    alice.goto(f"{base}/2014/03/05/{Entry.objects.get().slug}/")
    expect(alice.get_by_text("Preview · Scheduled")).to_be_visible()
    expect(alice.get_by_role("link", name="Edit")).to_be_visible()
    alice.goto(f"{base}/admin/events/entry/")
    alice.get_by_role("row", name=re.compile("Port Ellery closes")).get_by_role("checkbox").check()
    alice.locator("select[name=action]").select_option("publish_now")
    alice.get_by_role("button", name="Go").click()
    expect(alice.get_by_text("Published 1.")).to_be_visible()
    reader = browser.new_page()
    reader.goto(f"{base}/2014/03/05/{Entry.objects.get().slug}/")
    expect(reader.get_by_role("heading", level=1)).to_contain_text("north pier")

    # Two editors edit at once: Bob sees Alice there; his save of another field is merged.
    alice.goto(change)
    bob = browser.new_page()
    sign_in(bob, base, "bob")
    bob.goto(change)
    expect(bob.get_by_text("alice has been editing this since")).to_be_visible()
    alice.get_by_label("Body").fill("Inspectors found cracks in three pilings.")
    save(alice)
    expect(alice.get_by_text("was changed successfully")).to_be_visible()
    bob.get_by_label("Tags").fill("Port Ellery, harbour safety, inspections")
    save(bob)
    expect(bob.get_by_text("merged with alice")).to_be_visible()
    entry = Entry.objects.get()
    assert entry.body == "Inspectors found cracks in three pilings."
    assert "inspections" in entry.tags.names()

    # Then both change the headline: the later save is refused, the text kept, both shown.
    alice.goto(change)
    bob.goto(change)
    alice.get_by_label("Headline").fill("Alice's headline for the pier")
    save(alice)
    bob.get_by_label("Headline").fill("Bob's headline for the pier")
    save(bob)
    expect(bob.get_by_text("Nothing was saved")).to_be_visible()
    expect(bob.get_by_label("Headline")).to_have_value("Bob's headline for the pier")
    assert Entry.objects.get().headline == "Alice's headline for the pier"


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("path", ["/admin/events/entry/", "/admin/comments/comment/"])
def test_the_desk_lists_fit_1280px_without_sideways_scrolling(live_server, browser, path):
    from tests.factories import CitationFactory, CommentFactory, EntryFactory

    member("alice", "Editors").groups.add(Group.objects.get(name="Moderators"))
    long_headline = " ".join(["A very long headline about harbour repairs"] * 8)
    for i in range(5):
        entry = EntryFactory(
            headline=f"{long_headline} {i}", slug=f"long-{i}", tags=[f"Tag {n}" for n in range(12)]
        )
        CitationFactory(entry=entry)
        CommentFactory(entry=entry, body="A long reader comment. " * 40)
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    sign_in(page, live_server.url, "alice")
    page.goto(f"{live_server.url}{path}")
    overflow = page.evaluate(
        "document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    assert overflow <= 0
    heights = page.locator("#result_list tbody tr").evaluate_all(
        "rows => rows.map(r => r.getBoundingClientRect().height)"
    )
    assert heights
    if path == "/admin/events/entry/":  # the comment queue shows each comment whole
        assert max(heights) <= 90, heights  # a few short lines, never 320 px


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_an_editor_approves_a_reporters_held_change_from_the_entry_page(live_server, browser):
    from tests.factories import CitationFactory, EntryFactory

    member("rita", "Reporters")
    member("alice", "Editors")
    entry = EntryFactory(headline="The harbour reopens")
    CitationFactory(entry=entry)
    change = f"{live_server.url}/admin/events/entry/{entry.pk}/change/"

    rita = browser.new_page()
    sign_in(rita, live_server.url, "rita")
    rita.goto(change)
    rita.get_by_label("Headline").fill("The harbour reopens to ferries")
    save(rita)
    expect(rita.get_by_text("held for an editor's approval")).to_be_visible()
    reader = browser.new_page()
    reader.goto(f"{live_server.url}{entry.get_absolute_url()}")
    expect(reader.get_by_role("heading", level=1)).to_have_text("The harbour reopens")

    alice = browser.new_page()
    sign_in(alice, live_server.url, "alice")
    alice.goto(change)
    expect(alice.locator(".desk-pending")).to_contain_text("Changes held for review")
    alice.get_by_role("button", name="Approve the held change").click()
    expect(alice.get_by_text("The held change is live.")).to_be_visible()
    reader.reload()
    expect(reader.get_by_role("heading", level=1)).to_have_text("The harbour reopens to ferries")
