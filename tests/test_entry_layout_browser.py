"""The entry page in real Chromium: the comments follow the entry. On a phone they come before
the related list; on a wide screen the related list sits beside them without pushing them down."""

import pytest

from comments.models import Comment
from tests.factories import CommentFactory, EntryFactory

TAGS = ["North Korea", "Sanctions"]


@pytest.fixture
def entry_with_ten_related():
    entry = EntryFactory(
        headline="North Korea tests a missile over the sea",
        body="The launch was reported by the neighbours' defence ministries.\n\n" * 3,
        tags=TAGS,
        comments_open=False,  # no form: a short comments section, as on most older entries
    )
    for n in range(10):
        EntryFactory(
            headline=f"Sanctions on North Korea, round {n + 1}: the Security Council votes again "
            "on a resolution that tightens the limits on fuel imports and on seafood exports",
            tags=TAGS,
        )
    for name in ("Ana", "Ben", "Chloé"):
        CommentFactory(entry=entry, name=name, status=Comment.Status.APPROVED)
    return entry


def box(page, selector):
    return page.locator(selector).first.bounding_box()


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_at_360px_the_comments_come_before_the_related_list(
    live_server, page, entry_with_ten_related
):
    page.set_viewport_size({"width": 360, "height": 740})
    page.goto(f"{live_server.url}{entry_with_ten_related.get_absolute_url()}")
    assert page.locator("#related-heading ~ ol li").count() == 10
    comments, related = box(page, "#comments"), box(page, "aside.related")
    assert comments["y"] < related["y"]


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_at_1280px_the_comments_follow_the_entry_without_a_blank_gap(
    live_server, page, entry_with_ten_related
):
    page.set_viewport_size({"width": 1280, "height": 800})
    page.goto(f"{live_server.url}{entry_with_ten_related.get_absolute_url()}")
    entry, comments, related = (
        box(page, "article.entry"),
        box(page, "#comments"),
        box(page, "aside.related"),
    )
    # The related list is beside the entry and the comments, and taller than both together
    # (the case that left a blank gap above the comments).
    assert related["x"] > entry["x"] + entry["width"]
    assert related["height"] > entry["height"] + comments["height"]
    # Where the entry's text ends (its box may be stretched by the grid row).
    entry_end = page.evaluate(
        "Math.max(...[...document.querySelector('article.entry').children]"
        ".map(e => e.getBoundingClientRect().bottom))"
    )
    gap = comments["y"] - entry_end
    assert 0 <= gap < 100, f"{gap:.0f} px between the entry and its comments"
