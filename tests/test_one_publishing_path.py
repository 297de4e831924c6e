"""One way to publish: the desk's (desk/workflow.py), which the admin, and the tests, go through."""

import ast
from pathlib import Path

import pytest

from desk import workflow
from desk.models import AuditEvent, PendingChange
from tests.desk_support import move_to_draft, publish_now
from tests.factories import change_url, member, signed_in, sourced_entry
from tests.test_desk_workflow import form_for

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parent.parent
APPS = ["newsroom", "events", "sources", "comments", "reading", "desk", "interchange", "api"]
PUBLISHING = {"publish", "unpublish", "publish_now", "submit_for_review"}


def test_no_module_but_the_desks_workflow_defines_a_way_to_publish():
    defined = [
        f"{path.relative_to(ROOT)}:{node.name}"
        for app in APPS
        for path in sorted((ROOT / app).rglob("*.py"))
        if "migrations" not in path.parts
        for node in ast.walk(ast.parse(path.read_text()))
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and node.name in PUBLISHING
    ]
    # The admin's action of that name only calls the workflow's.
    assert defined == [
        "desk/admin.py:publish_now",
        "desk/workflow.py:publish_now",
        "desk/workflow.py:unpublish",
    ]


def test_a_scheduled_entry_published_from_the_desk_goes_live_now(editor):
    scheduled = sourced_entry(scheduled=True)
    assert publish_now(editor, scheduled) == ["Published 1."]
    assert scheduled.is_live


def test_an_entry_in_review_is_not_moved_to_draft_by_unpublishing(editor):
    in_review = sourced_entry(status="review", publish_at=None)
    assert move_to_draft(editor, in_review) == ["Moved to draft 0; 1 skipped: not published."]
    assert in_review.status == "review"


def test_only_a_draft_is_submitted_for_review():
    reporter = member("rita", "Reporters")
    client = signed_in(reporter)
    scheduled = sourced_entry(scheduled=True, author=reporter)
    response = client.post(change_url(scheduled), form_for(scheduled, client, status="review"))
    assert response.status_code == 302
    scheduled.refresh_from_db()
    assert workflow.state_of(scheduled) == workflow.State.SCHEDULED  # not "in review"
    assert not AuditEvent.objects.filter(entry=scheduled, action="submit").exists()
    # The draft next to it is submitted.
    draft = sourced_entry(draft=True, author=reporter)
    client.post(change_url(draft), form_for(draft, client, status="review"))
    draft.refresh_from_db()
    assert draft.status == "review"
    assert AuditEvent.objects.filter(entry=draft, action="submit", user=reporter).exists()
    assert not PendingChange.objects.filter(entry=draft).exists()
