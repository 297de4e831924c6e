"""Accessibility in real Chromium: axe-core finds nothing on any page type, keyboards reach
and submit the forms, and focus rings stand out from the page in light and dark mode."""

import datetime

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.contrib.auth import get_user_model
from django.core.cache import cache
from playwright.sync_api import expect

from comments.models import Comment
from desk.corrections import add_correction
from sources.services import cite
from stories.models import Story
from tests.factories import CommentFactory, EntryFactory, PublisherFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

D = datetime.date
AXE = Axe()


@pytest.fixture
def site(settings):
    """A small newsroom: a day with two stories, sources, related entries, a comment."""
    settings.COMMENTS_MIN_SECONDS = 0
    settings.COMMENTS_CLOSE_AFTER_DAYS = 0
    cache.clear()
    reopens = EntryFactory(
        event_date=D(2014, 3, 4),
        slug="bridge-reopens",
        story="Harbour Bridge",
        story__key=True,
        headline="The Harbour Bridge reopens after three weeks of repairs.",
        body="Crews finished the work early, the city says. Traffic is *back* to normal.",
        tags=["Harbour Bridge", "Port City"],
    )
    publisher = PublisherFactory(name="Harbour Gazette", slug="harbour-gazette")
    cite(reopens, "https://gazette.example.org/bridge", publisher=publisher, title="Bridge open")
    cite(reopens, "https://times.example.org/bridge", title="Open again")
    EntryFactory(
        event_date=D(2014, 3, 4),
        story="Ferries",
        headline="Ferry services double while the bridge is closed.",
        tags=["Ferries", "Harbour Bridge"],
    )
    Story.objects.filter(name="Ferries").update(status="developing", summary="Boats **double**.")
    EntryFactory(event_date=D(2014, 2, 11), headline="The bridge closes.", tags=["Harbour Bridge"])
    CommentFactory(entry=reopens, status="approved", body="About time.")
    editor = get_user_model().objects.create_superuser("axe-editor", password="pw-axe-1")
    add_correction(
        reopens,
        kind="correction",
        note="The repairs took three weeks, not four.",
        user=editor,
        body="Crews finished the work early, the city says. Traffic is back to normal.",
    )
    return reopens


def assert_no_violations(page, what: str) -> None:
    results = AXE.run(page)
    assert results.violations_count == 0, f"{what}:\n{results.generate_report()}"


def public_pages(entry) -> list[str]:
    return [
        "/",
        "/events/",
        "/events/?q=bridge",
        "/events/?tag=harbour-bridge&from=2014-01-01",
        "/events/?from=2014-13-45&tag=no-such-tag",
        "/2014/",
        "/2014/03/",
        "/2014/03/04/",
        entry.get_absolute_url(),
        "/tags/",
        "/tags/harbour-bridge/",
        "/stories/",
        "/stories/harbour-bridge/",
        "/sources/",
        "/sources/harbour-gazette/",
        "/corrections/",
        entry.corrections.get().get_absolute_url(),
        "/no-such-page/",
    ]


def test_axe_finds_no_violation_on_any_public_page_type(live_server, page, site):
    for path in public_pages(site):
        page.goto(f"{live_server.url}{path}")
        assert_no_violations(page, path)
    page.set_viewport_size({"width": 360, "height": 740})
    for path in ["/", "/events/?tag=harbour-bridge", site.get_absolute_url(), "/stories/ferries/"]:
        page.goto(f"{live_server.url}{path}")
        assert_no_violations(page, f"{path} at 360 px")


def test_axe_finds_no_violation_on_the_comment_error_and_refusal_pages(live_server, page, site):
    page.goto(f"{live_server.url}{site.get_absolute_url()}")
    page.get_by_role("textbox", name="Name").fill("   ")  # passes the browser, not the server
    page.get_by_role("textbox", name="Email (never shown)").fill("ada@example.com")
    page.get_by_role("textbox", name="Comment").fill("Hello")
    page.get_by_role("button", name="Post comment").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Your comment on")
    assert_no_violations(page, "comment error page")


@pytest.mark.parametrize(
    "path",
    [
        "/admin/events/entry/",
        "/admin/events/entry/add/",
        "{change}",
        "/admin/comments/comment/",
        "/admin/comments/comment/?status=all",
    ],
)
def test_axe_finds_no_violation_on_the_admin_pages_editors_and_moderators_use(
    live_server, page, site, editor, path
):
    CommentFactory(entry=site, status="pending")
    page.goto(f"{live_server.url}/admin/login/")
    page.get_by_label("Username").fill("editor")
    page.get_by_label("Password").fill("pw-editor-1")
    page.get_by_role("button", name="Log in").click()
    path = path.format(change=f"/admin/events/entry/{site.pk}/change/")
    page.goto(f"{live_server.url}{path}")
    assert_no_violations(page, path)


def tab_to(page, selector: str, *, limit: int = 80) -> None:
    """Press Tab until the element matching `selector` has the focus."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate("s => document.activeElement.matches(s)", selector):
            return
    raise AssertionError(f"Tab never reached {selector}")


def test_keyboard_only_reader_opens_the_filters_and_submits_them(live_server, page, site):
    page.set_viewport_size({"width": 360, "height": 740})
    page.goto(f"{live_server.url}/events/")
    expect(page.get_by_label("Words")).to_be_hidden()  # on a phone the results come first
    tab_to(page, ".filter-panel > summary")
    page.keyboard.press("Enter")
    tab_to(page, "#id_q")
    page.keyboard.type("bridge")
    tab_to(page, "#id_tag")
    page.keyboard.type("Port City")
    tab_to(page, ".filters button[type=submit]")
    page.keyboard.press("Enter")

    page.wait_for_url("**/events/?q=bridge&tag=Port+City")
    expect(page.get_by_role("status")).to_have_text("1 entry")
    results = page.get_by_role("region", name="Results")
    expect(results.get_by_role("link", name=site.headline)).to_be_visible()


def test_keyboard_only_reader_posts_a_comment(live_server, page, site):
    page.goto(f"{live_server.url}{site.get_absolute_url()}")
    tab_to(page, "#id_name")
    page.keyboard.type("Ada Reader")
    page.keyboard.press("Tab")
    page.keyboard.type("ada@example.com")
    page.keyboard.press("Tab")  # the hidden honeypot is skipped: it has tabindex -1
    assert page.evaluate("document.activeElement.id") == "id_body"
    page.keyboard.type("Typed without a mouse.")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent") == "Post comment"
    page.keyboard.press("Enter")

    expect(page.get_by_text("your comment awaits moderation")).to_be_visible()
    assert Comment.objects.filter(status="pending").get().name == "Ada Reader"


def _luminance(rgb: str) -> float:
    channels = [int(c) / 255 for c in rgb[rgb.index("(") + 1 : rgb.index(")")].split(",")[:3]]
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast(a: str, b: str) -> float:
    light, dark = sorted([_luminance(a), _luminance(b)], reverse=True)
    return (light + 0.05) / (dark + 0.05)


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_focus_rings_contrast_at_least_3_to_1_with_the_page(live_server, page, site, scheme):
    page.emulate_media(color_scheme=scheme)
    page.goto(f"{live_server.url}{site.get_absolute_url()}")
    background = page.evaluate("getComputedStyle(document.body).backgroundColor")
    for selector in ["a.masthead__name", "#site-search-q", "#id_name", ".comment-form button"]:
        tab_to(page, selector)
        ring = page.evaluate(
            "() => { const s = getComputedStyle(document.activeElement);"
            " return [s.outlineStyle, s.outlineWidth, s.outlineColor]; }"
        )
        style, width, color = ring
        assert style != "none" and float(width.removesuffix("px")) >= 2, (selector, ring)
        assert contrast(color, background) >= 3, (selector, color, background)
