"""In real Chromium: a reader comments, a moderator approves it in the admin, readers see it."""

import pytest
from django.contrib.auth.models import Group
from django.core.cache import cache
from playwright.sync_api import expect

from comments.models import Comment
from tests.factories import EntryFactory

pytestmark = pytest.mark.browser


@pytest.mark.django_db(transaction=True)
def test_reader_comment_is_approved_by_a_moderator_and_appears(
    live_server, page, settings, django_user_model
):
    settings.COMMENTS_MIN_SECONDS = 0
    cache.clear()
    entry = EntryFactory(headline="City council approves the new tram line")
    moderator = django_user_model.objects.create_user(
        "mod", "mod@example.com", "pw-moderator-1", is_staff=True
    )
    moderator.groups.add(Group.objects.get(name="Moderators"))

    # A reader posts.
    page.goto(f"{live_server.url}{entry.get_absolute_url()}")
    page.get_by_role("textbox", name="Name").fill("Ada Reader")
    page.get_by_role("textbox", name="Email (never shown)").fill("ada@example.com")
    page.get_by_role("textbox", name="Comment").fill(
        "Good news <b>for</b> commuters.\nSee https://example.org/"
    )
    page.get_by_role("button", name="Post comment").click()
    expect(page.get_by_text("your comment awaits moderation")).to_be_visible()
    expect(page.locator(".comment")).to_have_count(0)
    assert Comment.objects.get().status == "pending"

    # A moderator signs in and approves it from the queue.
    page.goto(f"{live_server.url}/admin/")
    page.get_by_label("Username").fill("mod")
    page.get_by_label("Password").fill("pw-moderator-1")
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_text("Pending comments: 1")).to_be_visible()
    page.get_by_role("link", name="Pending comments: 1").click()
    page.get_by_role("row").filter(has_text="Ada Reader").get_by_role("checkbox").check()
    page.locator("select[name=action]").select_option(label="Approve selected comments")
    page.get_by_role("button", name="Go").click()
    expect(page.get_by_text("Approved 1 comment.")).to_be_visible()

    # Readers now see it, escaped, with its link.
    page.goto(f"{live_server.url}{entry.get_absolute_url()}")
    comment = page.locator(".comment")
    expect(comment).to_have_count(1)
    expect(comment).to_contain_text("Good news <b>for</b> commuters.")
    expect(comment.get_by_role("link", name="https://example.org/")).to_have_attribute(
        "rel", "nofollow ugc"
    )
    expect(page.get_by_role("heading", name="1 comment")).to_be_visible()
    approved = Comment.objects.get()
    assert (approved.status, approved.moderated_by) == ("approved", moderator)
