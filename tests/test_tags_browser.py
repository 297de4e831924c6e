"""Tag housekeeping in real Chromium: an editor merges two spellings in one click, then undoes."""

import re

import pytest
from playwright.sync_api import Browser, expect
from taggit.models import Tag

from events.models import TaggedEntry
from tests.factories import EntryFactory, member
from tests.test_desk_browser import sign_in


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_editor_merges_two_tags_from_the_housekeeping_page_and_undoes_it(
    live_server, browser: Browser
):
    EntryFactory(tags=["Protests", "Ukraine"])
    EntryFactory(tags=["Protests"])
    EntryFactory(tags=["protest"])
    member("alice", "Editors")
    base = live_server.url
    page = browser.new_page()
    sign_in(page, base, "alice")

    page.goto(f"{base}/admin/taggit/tag/")
    page.get_by_role("link", name="Housekeeping").click()
    expect(page.get_by_role("heading", name="Probable duplicates")).to_be_visible()
    row = page.get_by_role("row", name=re.compile("Protests"))
    expect(row).to_contain_text("protest (1)")
    row.get_by_role("button", name="Merge into “Protests”").click()
    expect(page.get_by_text("Merged “protest” into “Protests”: 1 entry changed.")).to_be_visible()
    assert sorted(Tag.objects.values_list("name", flat=True)) == ["Protests", "Ukraine"]
    assert TaggedEntry.objects.filter(tag__name="Protests").count() == 3

    reader = browser.new_page()
    reader.goto(f"{base}/tags/protest/")
    assert reader.url == f"{base}/tags/protests/"
    expect(reader.get_by_role("heading", level=1)).to_contain_text("Protests")

    page.get_by_role("link", name="Undo this merge").click()
    page.get_by_role("button", name="Yes, undo the merge").click()
    expect(page.get_by_text("are back on the entries that had them")).to_be_visible()
    assert sorted(Tag.objects.values_list("name", flat=True)) == ["Protests", "Ukraine", "protest"]
