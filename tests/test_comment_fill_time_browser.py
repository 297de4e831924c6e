"""In real Chromium: the reader's first focus on the comment form stamps when they began."""

import time

import pytest
from django.core.cache import cache
from playwright.sync_api import expect

from comments.models import Comment
from tests.factories import EntryFactory

pytestmark = pytest.mark.browser


@pytest.mark.django_db(transaction=True)
def test_first_focus_loads_the_pixel_and_a_reader_who_takes_their_time_is_taken(
    live_server, page, settings
):
    settings.COMMENTS_MIN_SECONDS = 2
    cache.clear()
    entry = EntryFactory(headline="City council approves the new tram line")
    page.goto(f"{live_server.url}{entry.get_absolute_url()}")
    assert not [c for c in page.context.cookies() if c["name"] == "comments_started"]
    with page.expect_request("**/comments/started.gif"):
        page.get_by_role("textbox", name="Name").focus()
    page.get_by_role("textbox", name="Name").fill("Ada Reader")
    page.get_by_role("textbox", name="Email (never shown)").fill("ada@example.com")
    page.get_by_role("textbox", name="Comment").fill("Good news for commuters.")
    assert [c for c in page.context.cookies() if c["name"] == "comments_started"]
    time.sleep(2.5)
    page.get_by_role("button", name="Post comment").click()
    expect(page.get_by_text("your comment awaits moderation")).to_be_visible()
    assert Comment.objects.get().body == "Good news for commuters."
