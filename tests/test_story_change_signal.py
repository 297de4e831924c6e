"""Story rows of the change log are announced like every other (api.changes.changes_recorded).

push/ records its webhook deliveries and WebSub pings from that signal, in the transaction that
wrote the change; a story row written past it would never reach a subscriber once push/ offers
story events.
"""

import pytest

from api import changes
from stories import services
from stories.models import Story
from tests.factories import EntryFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def announced():
    kinds: list[tuple[str, int | None]] = []

    def heard(sender, changes, **kwargs):
        kinds.extend((change.kind, change.story_id) for change in changes)

    changes.changes_recorded.connect(heard, dispatch_uid="test_story_change_signal")
    yield kinds
    changes.changes_recorded.disconnect(dispatch_uid="test_story_change_signal")


def test_story_updated_and_deleted_rows_are_announced_to_the_push_listeners(announced):
    entry = EntryFactory(headline="Rain")
    story = services.set_story_named(entry, "Kestrel River floods")
    assert story is not None
    story.status = Story.Status.DEVELOPING
    story.save()
    assert ("story.updated", story.pk) in announced
    # Joining the story is an update of the (live) entry, announced as such.
    assert ("entry.updated", None) in announced
    story_id = story.pk
    story.delete()
    assert ("story.deleted", story_id) in announced
