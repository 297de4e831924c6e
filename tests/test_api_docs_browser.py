"""The API's documentation page in real Chromium: axe-core finds nothing in either scheme, and
every operation of the schema is documented with its parameters."""

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import expect

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

AXE = Axe()


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_axe_finds_no_violation_on_the_api_docs(live_server, browser, scheme):
    page = browser.new_page(color_scheme=scheme)
    page.goto(f"{live_server.url}/api/v1/docs")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Newsroom read API")
    expect(page.get_by_role("heading", name="GET /api/v1/entries/", exact=True)).to_be_visible()
    expect(page.get_by_role("rowheader", name="limit").first).to_be_visible()
    results = AXE.run(page)
    assert results.violations_count == 0, results.generate_report()
