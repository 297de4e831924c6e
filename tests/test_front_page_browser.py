"""The front page in real Chromium at 1280 and 360 px: its hierarchy in order (developing,
today by category and story, ongoing, earlier days), dense at 1280 px with no empty column,
no sideways scroll at 360 px, readable without JavaScript, and no axe violation in the light
and dark schemes. Each width leaves a full-page screenshot in pytest-playwright's output
directory (test-results/ unless --output says otherwise)."""

import datetime
import os

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.core.cache import cache
from django.utils import timezone

from sources.services import cite
from stories import services
from stories.models import Story
from tests.factories import EntryFactory, PublisherFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

AXE = Axe()
TODAY_CATEGORIES = [
    "Armed conflicts and attacks",
    "Business and economy",
    "Politics and elections",
    "Science and technology",
    "Other news",
]
TODAY_STORIES = ["Tarsen border clashes", "Northline rail strike", "Valdoran election", "Orbis-3"]


@pytest.fixture
def newsroom():
    """A newsroom's week: two developing stories, two ongoing, nine entries today in four
    categories (one outside any story, placed by its tags; two in Other news), three days
    before it."""
    cache.clear()
    today = timezone.localdate()
    stories = [
        ("Valdoran election", Story.Category.POLITICS, Story.Status.DEVELOPING),
        ("Tarsen border clashes", Story.Category.ARMED_CONFLICTS, Story.Status.DEVELOPING),
        ("Northline rail strike", Story.Category.BUSINESS, Story.Status.ONGOING),
        ("Orbis-3", Story.Category.SCIENCE, Story.Status.ONGOING),
    ]
    for name, category, status in stories:
        services.story_named(name, category=category, status=status)
    reuters = PublisherFactory(name="Reuters", domain="reuters.com")
    rows = [
        (0, 9, "Valdoran election", ["Valdora"], "Polls close; turnout reaches 71% by evening."),
        (0, 1, "Valdoran election", ["Valdora"], "The Civic Alliance wins the most seats."),
        (0, 2, "Tarsen border clashes", ["Tarsen"], "Shelling resumes along the border at dawn."),
        (0, 5, "Tarsen border clashes", ["Tarsen"], "Villagers leave three border towns."),
        (0, 3, "Northline rail strike", ["rail"], "Night trains are cancelled for a third day."),
        (0, 4, "Orbis-3", ["space"], "Orbis-3 sends its first pictures of the lunar surface."),
        (0, 6, None, ["Valdora"], "Valdora's central bank holds its rate at 3%."),
        (0, 7, None, ["museums"], "A museum returns six bronze figures to their community."),
        (0, 8, None, [], "The southern provinces record their warmest autumn day."),
        (1, 20, "Valdoran election", ["Valdora"], "The last campaign rallies fill the capital."),
        (1, 22, "Orbis-3", ["space"], "Orbis-3 enters orbit after a seven-minute burn."),
        (1, 23, None, ["weather"], "Ferries stop as gales reach the islands."),
        (2, 44, "Northline rail strike", ["rail"], "Mediation ends without a deal."),
        (
            2,
            45,
            "Tarsen border clashes",
            ["Tarsen"],
            "The UN Security Council meets on the clashes.",
        ),
        (3, 70, "Orbis-3", ["space"], "Orbis-3 lifts off on schedule."),
    ]
    for n, (days_ago, hours_ago, story, tags, headline) in enumerate(rows):
        entry = EntryFactory(
            event_date=today - datetime.timedelta(days=days_ago),
            publish_at=timezone.now() - datetime.timedelta(hours=hours_ago),
            headline=headline,
            story=story,
            tags=tags,
        )
        cite(entry, f"https://www.reuters.com/world/{n}", publisher=reuters, title=headline)
    return today


def open_home(page, live_server, width: int, *, scheme: str = "light") -> None:
    page.set_viewport_size({"width": width, "height": 900 if width > 600 else 780})
    page.emulate_media(color_scheme=scheme)
    page.goto(f"{live_server.url}/")


def assert_no_axe_violation(page, what: str) -> None:
    for scheme in ("light", "dark"):
        page.emulate_media(color_scheme=scheme)
        results = AXE.run(page)
        assert results.violations_count == 0, f"{what}, {scheme}:\n{results.generate_report()}"


def texts(page, selector: str) -> list[str]:
    return [text.strip() for text in page.locator(selector).all_inner_texts()]


def box(page, selector: str) -> dict:
    found = page.locator(selector).bounding_box()
    assert found, f"{selector} is not laid out"
    return found


def content_height(page, selector: str) -> float:
    """From the top of the element to the bottom of its last laid-out child."""
    return page.eval_on_selector(
        selector,
        "el => Math.max(...[...el.children].map(c => c.getBoundingClientRect().bottom))"
        " - el.getBoundingClientRect().top",
    )


def test_the_front_page_reads_top_down_in_its_hierarchy(live_server, page, newsroom):
    open_home(page, live_server, 1280)

    assert texts(page, "#developing .developing__name") == [
        "Valdoran election",
        "Tarsen border clashes",
    ]
    valdora = page.locator('#developing [data-story="valdoran-election"]')
    assert "The Civic Alliance wins the most seats." in valdora.inner_text()
    assert "Updated 1\xa0hour ago" in valdora.inner_text()
    assert valdora.get_by_role("link", name="Valdoran election").get_attribute("href") == (
        "/stories/valdoran-election/"
    )
    assert page.locator("#today .category__heading").all_text_contents() == TODAY_CATEGORIES
    assert page.locator("#today .category__story-name").all_text_contents() == TODAY_STORIES
    # The bank's rate decision shares the Valdora tag with the election: it goes to politics.
    politics = page.locator("#today .category").nth(2)
    assert "Valdora's central bank holds its rate at 3%." in politics.inner_text()
    assert page.locator(".ongoing__name").all_text_contents() == [
        "Northline rail strike",
        "Orbis-3",
    ]
    earlier = [h.get_attribute("id") for h in page.locator(".front > .front-day h2").all()]
    assert earlier == [f"day-{newsroom - datetime.timedelta(days=n):%Y-%m-%d}" for n in range(1, 4)]
    # Entries read as text under bold headings, not as a column of bold sentences.
    weight = "el => parseInt(getComputedStyle(el).fontWeight)"
    assert page.eval_on_selector("#today .item__headline", weight) < 600
    assert page.eval_on_selector("#today .category__heading", weight) >= 700
    assert page.eval_on_selector("#today .category__story-name", weight) >= 700


def test_at_1280_px_today_and_the_sidebar_fill_the_width_and_neither_is_mostly_empty(
    live_server, page, newsroom, output_path
):
    open_home(page, live_server, 1280)
    top, today, side = box(page, ".front__top"), box(page, "#today"), box(page, ".front__side")
    main = page.eval_on_selector(
        "main",
        "el => el.clientWidth - parseFloat(getComputedStyle(el).paddingLeft)"
        " - parseFloat(getComputedStyle(el).paddingRight)",
    )

    assert top["width"] >= main - 1, "the top row spans the page's content width"
    assert side["x"] >= today["x"] + today["width"], "the sidebar is beside today, not below"
    assert side["y"] == pytest.approx(today["y"], abs=2)
    assert today["width"] + side["width"] >= 0.9 * top["width"], "no empty column between"
    assert today["width"] >= 2 * side["width"], "today's news has the wide column"
    # Neither column is mostly empty: each one's content fills at least half of the row.
    for column in ("#today", ".front__side"):
        assert content_height(page, column) >= 0.5 * top["height"], column
    # Today's categories use both of its columns.
    lefts = {
        round(b["x"])
        for b in (c.bounding_box() for c in page.locator("#today .category").all())
        if b
    }
    assert len(lefts) == 2, lefts
    assert_no_axe_violation(page, "home at 1280 px")
    page.emulate_media(color_scheme="light")
    page.screenshot(path=os.path.join(output_path, "home-1280.png"), full_page=True)
    page.emulate_media(color_scheme="dark")
    page.screenshot(path=os.path.join(output_path, "home-1280-dark.png"), full_page=True)


def test_at_360_px_it_stacks_with_no_sideways_scroll_and_ongoing_after_today(
    live_server, page, newsroom, output_path
):
    open_home(page, live_server, 360)

    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    developing, today, side = (
        box(page, "#developing"),
        box(page, "#today"),
        box(page, ".front__side"),
    )
    assert developing["y"] + developing["height"] <= today["y"]
    assert side["y"] >= today["y"] + today["height"], "ongoing comes after today's news"
    assert side["width"] == pytest.approx(today["width"], abs=1)
    lefts = {
        round(b["x"])
        for b in (c.bounding_box() for c in page.locator("#today .category").all())
        if b
    }
    assert len(lefts) == 1, "one column of categories"
    assert page.eval_on_selector(".item", "el => parseFloat(getComputedStyle(el).fontSize)") >= 14
    assert_no_axe_violation(page, "home at 360 px")
    page.emulate_media(color_scheme="light")
    page.screenshot(path=os.path.join(output_path, "home-360.png"), full_page=True)


def test_the_front_page_needs_no_javascript(live_server, browser, newsroom):
    context = browser.new_context(
        java_script_enabled=False, viewport={"width": 1280, "height": 900}
    )
    page = context.new_page()
    page.goto(f"{live_server.url}/")
    # The one script is the live updates' (deferred, optional); reading needs none.
    sources = [s.get_attribute("src") or "" for s in page.locator("script").all()]
    assert all(src.endswith("js/live.js") for src in sources), sources
    assert page.locator("#today .category__heading").all_text_contents() == TODAY_CATEGORIES
    assert page.locator("#today .item").count() == 9
    context.close()
