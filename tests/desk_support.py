"""Publishing in tests the way editors do it: the entry list's actions in the desk.

Tests of what publishing sets off (the page cache, counts, the changes feed, related lists)
go through this path, the one editors use, and not through a shortcut of their own.
"""

from django.test import Client

CHANGELIST = "/admin/events/entry/"


def run_action(editor, action: str, *entries) -> list[str]:
    """Tick `entries` in the desk's entry list and run `action`; the messages the editor reads."""
    desk = Client()
    desk.force_login(editor)
    response = desk.post(
        CHANGELIST, {"action": action, "_selected_action": [e.pk for e in entries]}, follow=True
    )
    assert response.status_code == 200
    for entry in entries:
        entry.refresh_from_db()
    return [str(message) for message in response.context["messages"]]


def publish_now(editor, *entries) -> list[str]:
    """The desk's "Publish selected entries now"."""
    return run_action(editor, "publish_now", *entries)


def move_to_draft(editor, *entries) -> list[str]:
    """The desk's "Move selected entries back to draft"."""
    return run_action(editor, "move_to_draft", *entries)
