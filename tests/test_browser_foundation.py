"""In real Chromium: an editor writes and publishes an entry in the admin; a reader finds it."""

import re

import pytest
from playwright.sync_api import expect

from tests.factories import EntryFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_editor_publishes_a_tagged_sourced_entry_and_a_reader_opens_it(
    live_server, page, django_user_model
):
    django_user_model.objects.create_superuser("desk", "desk@example.com", "desk-password-1")
    EntryFactory(tags=["North Korea"])  # an existing tag for the autocomplete to offer

    page.goto(f"{live_server.url}/admin/")
    page.get_by_label("Username").fill("desk")
    page.get_by_label("Password").fill("desk-password-1")
    page.get_by_role("button", name="Log in").click()
    page.goto(f"{live_server.url}/admin/events/entry/add/")

    page.get_by_label("Date of the event").fill("2014-02-19")
    headline = page.get_by_label("Headline")
    headline.fill("Botswana ends diplomatic relations with North Korea.")
    headline.press("End")  # the admin fills the slug in on key presses
    expect(page.get_by_label("Slug")).to_have_value(
        "botswana-ends-diplomatic-relations-with-north-korea"
    )
    tags = page.get_by_label("Tags")
    tags.press_sequentially("Nor")
    expect(page.locator("#id_tags-suggestions option")).to_have_attribute("value", "North Korea")
    tags.fill('North Korea, human rights, "Facebook, Inc."')
    page.get_by_label("Status").select_option("published")
    page.locator("#id_citations-0-url").fill("https://www.reuters.com/article/botswana")
    page.locator("#id_citations-0-title").fill("Botswana cuts ties with North Korea")
    page.locator("#id_citations-1-url").fill("http://www.dailynk.com/english/read.php?num=11542")
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.locator(".messagelist")).to_contain_text("was added successfully")

    reader = page.context.browser.new_page()
    reader.goto(f"{live_server.url}/")
    reader.get_by_role("link", name="Botswana ends diplomatic relations with North Korea.").click()
    expect(reader).to_have_url(re.compile(r"/2014/02/19/botswana-ends-diplomatic-relations"))
    expect(reader.get_by_role("heading", level=1)).to_have_text(
        "Botswana ends diplomatic relations with North Korea."
    )
    expect(reader.get_by_role("link", name="Facebook, Inc.")).to_be_visible()
    sources = reader.locator("ol.sources > li")
    expect(sources).to_have_count(2)
    expect(sources.nth(0)).to_contain_text("Reuters")  # named from the directory of outlets
    expect(sources.nth(0).locator(".source__title a")).to_have_attribute("rel", "noopener")
    reader.close()
