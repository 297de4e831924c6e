"""The moderation queue in real Chromium: twenty comments take twenty clicks, and the keyboard
reaches every row's buttons."""

import pytest
from playwright.sync_api import expect

from comments.models import Comment
from tests.factories import CommentFactory, EntryFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def queue(live_server, page, moderator):
    entry = EntryFactory(headline="The north pier reopens to ferries")
    for n in range(20):
        CommentFactory(entry=entry, name=f"Reader {n:02d}", body=f"Comment number {n}.")
    page.goto(f"{live_server.url}/admin/login/?next=/admin/comments/comment/")
    page.get_by_label("Username").fill("moderator")
    page.get_by_label("Password").fill("pw-moderator-1")
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("button", name="Approve the comment from Reader 00")).to_be_visible()
    return page


def test_twenty_comments_take_twenty_clicks(queue):
    page = queue
    for n in range(20):
        button = "Approve" if n % 2 == 0 else "Reject"
        row = page.get_by_role("row").filter(has_text=f"Reader {n:02d}")
        row.get_by_role("button", name=f"{button} the comment from Reader {n:02d}").click()
        expect(page.get_by_text(f"from Reader {n:02d}).")).to_be_visible()
    assert Comment.objects.pending().count() == 0
    assert Comment.objects.approved().count() == 10
    assert Comment.objects.filter(status="rejected").count() == 10


def test_the_keyboard_reaches_a_rows_approve_button(queue):
    page = queue
    target = "button[aria-label='Approve the comment from Reader 00']"
    for _ in range(60):
        page.keyboard.press("Tab")
        if page.evaluate("s => !!document.activeElement?.matches(s)", target):
            break
    else:
        raise AssertionError("Tab never reached the first row's Approve button")
    page.keyboard.press("Enter")
    expect(page.get_by_text("Approved 1 comment (from Reader 00).")).to_be_visible()
    assert Comment.objects.get(name="Reader 00").status == "approved"
