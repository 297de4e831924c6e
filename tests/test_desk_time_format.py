"""One way to read dates and times across the desk: "6 Dec 2025 23:20" (day, short month, year,
24-hour clock), the style of the entry list's columns, on Django's own pages too (the audit
trail, an entry's history, the comment queue) instead of "Dec. 6, 2025, 11:20 p.m."."""

import datetime
import re

import pytest
from django.contrib.admin.models import CHANGE, LogEntry
from django.contrib.contenttypes.models import ContentType
from django.urls import reverse
from django.utils import timezone

from comments.models import Comment
from desk import workflow
from desk.models import AuditEvent
from events.models import Entry
from tests.factories import CommentFactory, EntryFactory, signed_in

pytestmark = pytest.mark.django_db

WHEN = timezone.make_aware(datetime.datetime(2025, 12, 6, 23, 20))
DESK_STYLE = re.compile(r"(?<!\d)6 Dec 2025 23:20")
OLD_STYLES = ("Dec. 6, 2025", "11:20 p.m.", "06 Dec 2025")


@pytest.fixture
def desk(editor):
    entry = EntryFactory(headline="Harbour reopens after the storm")
    event = workflow.record(AuditEvent.Action.PUBLISH, user=editor, entry=entry)
    AuditEvent.objects.filter(pk=event.pk).update(created=WHEN)
    comment = CommentFactory(entry=entry)
    Comment.objects.filter(pk=comment.pk).update(created=WHEN)
    LogEntry.objects.create(
        user=editor,
        content_type=ContentType.objects.get_for_model(Entry),
        object_id=str(entry.pk),
        object_repr=entry.headline,
        action_flag=CHANGE,
        change_message="Changed headline.",
        action_time=WHEN,
    )
    return {"client": signed_in(editor), "entry": entry, "event": event}


def desk_pages(desk):
    return {
        "audit trail": reverse("admin:desk_auditevent_changelist"),
        "audit event": reverse("admin:desk_auditevent_change", args=[desk["event"].pk]),
        "entry history": reverse("admin:events_entry_history", args=[desk["entry"].pk]),
        "comment queue": reverse("admin:comments_comment_changelist"),
    }


def test_desk_pages_show_dates_and_times_in_the_desk_style(desk):
    for name, url in desk_pages(desk).items():
        page = desk["client"].get(url).content.decode()
        assert DESK_STYLE.search(page), f"{name}: no '6 Dec 2025 23:20'"
        for old in OLD_STYLES:
            assert old not in page, f"{name} still shows {old!r}"


def test_the_entry_lists_last_edited_column_is_the_short_form_of_the_same_style(desk):
    Entry.objects.filter(pk=desk["entry"].pk).update(updated=WHEN)
    page = desk["client"].get(reverse("admin:events_entry_changelist")).content.decode()
    assert re.search(r"<small>6 Dec 23:20</small>", page)
