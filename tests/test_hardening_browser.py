"""In real Chromium: the Content-Security-Policy blocks nothing the site and the admin use."""

import pytest

from tests.factories import EntryFactory

pytestmark = pytest.mark.browser

WATCH = """() => {
  window.__violations = [];
  document.addEventListener('securitypolicyviolation',
    e => window.__violations.push(e.violatedDirective + ' ' + e.blockedURI));
}"""


def violations(page, url) -> list[str]:
    console = []
    page.on("console", lambda msg: console.append(msg.text))
    page.add_init_script(f"({WATCH})()")
    page.goto(url)
    page.wait_for_load_state("networkidle")
    return page.evaluate("window.__violations") + [
        text for text in console if "Content Security Policy" in text
    ]


@pytest.mark.django_db(transaction=True)
def test_public_pages_and_the_admin_run_under_their_policies(live_server, page, django_user_model):
    entry = EntryFactory(headline="Policy drill", tags=["drills"], body="A *body*.")
    for url in ("/", entry.get_absolute_url(), "/events/?q=policy", "/tags/drills/"):
        assert violations(page, f"{live_server.url}{url}") == [], url
    # JSON-LD is in the entry page and, being data, is not blocked or reported.
    page.goto(f"{live_server.url}{entry.get_absolute_url()}")
    assert page.locator('script[type="application/ld+json"]').count() == 1

    django_user_model.objects.create_superuser("chief", "chief@example.com", "pw-chief-1")
    page.goto(f"{live_server.url}/admin/login/")
    page.get_by_label("Username").fill("chief")
    page.get_by_label("Password").fill("pw-chief-1")
    page.get_by_role("button", name="Log in").click()
    for url in ("/admin/", "/admin/events/entry/add/", f"/admin/events/entry/{entry.pk}/change/"):
        assert violations(page, f"{live_server.url}{url}") == [], url
