"""axe-core finds nothing on the desk's pages in the light and the dark scheme (the admin
follows the system's)."""

import dataclasses

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from taggit.models import Tag

from comments.models import Comment
from desk import workflow
from desk.snapshots import snapshot_of
from events.models import TagAlias
from tests.factories import CitationFactory, CommentFactory, EntryFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

AXE = Axe()
PASSWORD = "pw-axe-desk-1"


@pytest.fixture
def desk(live_server):
    """An editor who also moderates, an entry in each state with two revisions, a comment."""
    editor = get_user_model().objects.create_user("ed", password=PASSWORD, is_staff=True)
    editor.groups.add(*Group.objects.filter(name__in=["Editors", "Moderators"]))
    entry = EntryFactory(headline="The harbour reopens", tags=["Harbour", "Ferries"])
    CitationFactory(entry=entry)
    workflow.keep_revision(entry, user=editor, action="create")
    entry.headline = "The harbour reopens to ferries"
    workflow.save_entry(entry, user=editor)  # version 2, with its revision
    EntryFactory(headline="A draft about the pier", draft=True, author=editor)
    EntryFactory(headline="A scheduled piece", scheduled=True)
    held = EntryFactory(headline="A live entry with a held change")
    workflow.hold_change(
        held, dataclasses.replace(snapshot_of(held), headline="Held headline"), user=editor
    )
    CommentFactory(entry=entry, body="A pending comment.")
    CommentFactory(entry=entry, status=Comment.Status.APPROVED, body="An approved one.")
    tag = Tag.objects.get(name="Harbour")
    TagAlias.objects.create(tag=tag, name="Harbor")
    return {
        "url": live_server.url,
        "pages": [
            "/admin/",
            "/admin/events/entry/",
            "/admin/events/entry/add/",
            f"/admin/events/entry/{entry.pk}/change/",
            f"/admin/events/entry/{held.pk}/change/",
            f"/admin/events/entry/{entry.pk}/revisions/",
            f"/admin/events/entry/{entry.pk}/revisions/compare/?old=1&new=2",
            "/admin/taggit/tag/",
            f"/admin/taggit/tag/{tag.pk}/change/",
            "/admin/taggit/tag/housekeeping/",
            "/admin/comments/comment/",
            "/admin/comments/comment/?status=all",
            "/admin/desk/auditevent/",
        ],
    }


def sign_in(page, base):
    page.goto(f"{base}/admin/login/")
    page.get_by_label("Username").fill("ed")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_axe_finds_no_violation_on_any_desk_page(desk, browser, scheme):
    page = browser.new_page(color_scheme=scheme, viewport={"width": 1280, "height": 900})
    sign_in(page, desk["url"])
    found = {}
    for path in desk["pages"]:
        response = page.goto(f"{desk['url']}{path}")
        assert response.status == 200, path
        results = AXE.run(page)
        if results.violations_count:
            found[path] = results.generate_report()
    assert not found, "\n\n".join(f"{path} ({scheme}):\n{report}" for path, report in found.items())
