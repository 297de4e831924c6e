"""In real Chromium: a reader on a developing story's page sees an update published, corrected
and withdrawn on the desk, without reloading. The page is served by gunicorn's ASGI worker
(the streams need it), on PostgreSQL, as in tests/test_live_two_servers.py."""

import pytest
from playwright.sync_api import Browser, expect

from tests.test_live_two_servers import (  # noqa: F401 (fixtures)
    desk_action,
    editor,
    floods,
    one_server,
    signed_in_desk,
)
from tests.test_live_two_servers import pytestmark as server_marks

pytestmark = [pytest.mark.browser, *server_marks]


def correct_on_the_desk(desk, base: str, draft) -> None:
    """A correction with its note, through the desk's correction form."""
    status, _ = desk.request(
        f"{base}/admin/events/entry/{draft.pk}/correct/",
        {
            "kind": "correction",
            "note": "The levee held in the north.",
            "headline": "Levee holds in the north",
            "body": draft.body,
            "csrfmiddlewaretoken": desk.cookies["csrftoken"],
        },
    )
    assert status == 302


def test_the_story_page_shows_a_published_edited_and_withdrawn_update_without_reload(
    floods,  # noqa: F811
    editor,  # noqa: F811
    browser: Browser,
):
    story, live, (draft, _, _) = floods
    # DEBUG serves the script from the source tree (no collectstatic in tests).
    with one_server(DEBUG="1") as base:
        page = browser.new_page()
        page.goto(f"{base}/stories/{story.slug}/")
        page.evaluate("window.notReloaded = true")
        expect(page.locator(f'[data-entry="{live.pk}"]')).to_have_count(1)
        # The script marks the stream open once the server has answered (and registered it).
        expect(page.locator("#live-status")).to_have_attribute("data-stream-state", "open")

        desk = signed_in_desk(base)
        desk_action(desk, base, "publish_now", draft)
        card = page.locator(f'#timeline [data-entry="{draft.pk}"]')
        expect(card).to_contain_text("Levee update 0", timeout=20_000)
        expect(page.locator("#live-status")).to_contain_text("New: Levee update 0")

        correct_on_the_desk(desk, base, draft)
        edited = page.locator(f'#timeline [data-entry="{draft.pk}"]')
        expect(edited.locator(".card__edited")).to_contain_text(
            "Edited: The levee held in the north.", timeout=20_000
        )
        expect(edited.locator(".card__headline")).to_have_text("Levee holds in the north")

        desk_action(desk, base, "move_to_draft", draft)
        expect(page.locator(f'[data-entry="{draft.pk}"]')).to_have_count(0, timeout=20_000)
        assert page.evaluate("window.notReloaded") is True


def test_the_front_page_lists_a_new_update_under_just_in_marks_an_edit_and_drops_a_withdrawal(
    floods,  # noqa: F811
    editor,  # noqa: F811
    browser: Browser,
):
    story, live, (draft, _, _) = floods
    with one_server(DEBUG="1") as base:
        page = browser.new_page()
        page.goto(f"{base}/")
        page.evaluate("window.notReloaded = true")
        expect(page.locator(f'#today [data-entry="{live.pk}"]')).to_have_count(1)
        expect(page.locator("#live-status")).to_have_attribute("data-stream-state", "open")

        desk = signed_in_desk(base)
        desk_action(desk, base, "publish_now", draft)
        item = page.locator(f'#just-in [data-entry="{draft.pk}"]')
        expect(item).to_have_text("Levee update 0", timeout=20_000)
        latest = page.locator(f'#developing [data-story="{story.slug}"] .developing__latest')
        expect(latest).to_have_text("Levee update 0")

        correct_on_the_desk(desk, base, draft)
        expect(item.locator(".item__headline")).to_have_text(
            "Levee holds in the north", timeout=20_000
        )
        expect(item.locator(".item__edited")).to_have_text(" Edited: The levee held in the north.")

        desk_action(desk, base, "move_to_draft", draft)
        expect(page.locator(f'[data-entry="{draft.pk}"]')).to_have_count(0, timeout=20_000)
        assert page.evaluate("window.notReloaded") is True
