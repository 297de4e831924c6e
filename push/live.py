"""Live updates: one hub per process reads the change log and fans each change out to the open
Server-Sent Events streams of that process (push/live_views.py).

Why a poll of the change log: the log is in the shared database, so a publish through any app
server reaches the streams held by every other one, with no second channel to lose messages.
Each process asks once every LIVE_POLL_SECONDS, and only while one of its streams is open,
whatever the number of streams; each change is rendered once per process, not once per stream.

Every database read and every render runs on the hub's own thread, one per process: a stream
holds a coroutine and a queue, never a worker, a thread or a database connection.

A stream only ever sees rows of the change log, which records what readers can see: an update
that waits for review, is held or is scheduled sends nothing until it is live.
"""

import asyncio
import concurrent.futures
import contextlib
import dataclasses
import datetime
import json
import logging
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.db import connection
from django.template.loader import render_to_string
from django.utils import timezone

from api import changes
from api.models import Change
from reading import cards, story_selectors
from stories.models import Story

logger = logging.getLogger(__name__)

REPLAY_LIMIT = 100  # rows a reconnecting reader gets back; beyond that, a reload is cheaper
QUEUE_SIZE = 1000  # events waiting for one slow reader; beyond that it is dropped and reconnects
CARD_TEMPLATE = "stories/_timeline_card.html"

Key = tuple[datetime.datetime, int]

ENTRY_KINDS = {
    Change.Kind.ENTRY_PUBLISHED,
    Change.Kind.ENTRY_UPDATED,
    Change.Kind.ENTRY_CORRECTED,
    Change.Kind.ENTRY_UNPUBLISHED,
    Change.Kind.ENTRY_DELETED,
}


@dataclasses.dataclass(frozen=True)
class Event:
    """One change as a stream sends it: `name` is new, edit, withdrawn or concluded.

    `story_id` says whose streams want it (None with `everyone`: a deleted entry, whose story
    is gone with it). `late`: a row that committed after rows already sent (see
    api.changes.live_changes); it is sent out of order rather than dropped.
    """

    key: Key
    id: str
    name: str
    data: dict[str, Any]
    story_id: int | None
    everyone: bool = False
    late: bool = False

    def encode(self) -> str:
        payload = json.dumps(self.data, separators=(",", ":"))
        return f"id: {self.id}\nevent: {self.name}\ndata: {payload}\n\n"


def events_for(rows: list[Change]) -> list[Event]:
    """The events of `rows` (in their order), each entry rendered once as its timeline card in
    its current public state. Rows streams do not show (tags) produce nothing."""
    entry_ids = {r.entry_id for r in rows if r.kind in ENTRY_KINDS and r.entry_id is not None}
    live = story_selectors.live_entries(entry_ids) if entry_ids else {}
    links = cards.Links()
    rendered: dict[int, str] = {}
    out = []
    for row in rows:
        key, cursor = changes.cursor_key(row), changes.encode_cursor(row)
        if row.kind == Change.Kind.STORY_UPDATED:
            if row.data.get("status") == Story.Status.CONCLUDED:
                out.append(Event(key, cursor, "concluded", {"story": row.story_id}, row.story_id))
            continue
        if row.kind not in ENTRY_KINDS or row.entry_id is None:
            continue
        entry = live.get(row.entry_id)
        if entry is None or row.kind in (
            Change.Kind.ENTRY_UNPUBLISHED,
            Change.Kind.ENTRY_DELETED,
        ):
            # No longer live (withdrawn, deleted, or withdrawn since this row): a removal. The
            # membership may be gone with the entry, so every stream hears it.
            gone = {"entry": row.entry_id}
            out.append(Event(key, cursor, "withdrawn", gone, None, everyone=True))
            continue
        if entry.pk not in rendered:
            card = cards.card(entry, links)
            rendered[entry.pk] = render_to_string(CARD_TEMPLATE, {"card": card})
        membership = getattr(entry, "story_membership", None)
        data: dict[str, Any] = {
            "entry": entry.pk,
            "story": membership.story.slug if membership else None,
            "day": entry.event_date.isoformat(),
            "day_url": links.day(entry.event_date),
            "html": rendered[entry.pk],
        }
        name = "new" if row.kind == Change.Kind.ENTRY_PUBLISHED else "edit"
        if row.kind == Change.Kind.ENTRY_CORRECTED:
            data["note"] = row.data.get("note", "")
            data["correction_kind"] = row.data.get("correction_kind", "")
        out.append(Event(key, cursor, name, data, membership.story_id if membership else None))
    return out


def _usable_connection() -> None:
    """Keep the hub thread's one connection across reads (no request ends to close it), and
    drop it only when it broke (a database restart, an error), to reconnect on the next read."""
    if connection.connection is not None and not connection.is_usable():
        connection.close()


class Subscriber:
    """One open stream: the story it follows (None: the home page) and its queue."""

    def __init__(self, story_id: int | None):
        self.story_id = story_id
        self.queue: asyncio.Queue[Event | None] = asyncio.Queue(QUEUE_SIZE)  # None: the end
        self.start: Key | None = None  # rows up to here came from the replay, not the hub
        self.replayed: set[int] = set()
        self.dropped = False  # too far behind: ends once its queue is drained

    def follows(self, event: Event) -> bool:
        """Whether the event is about this stream's story (every event is, on home)."""
        return self.story_id is None or event.everyone or event.story_id == self.story_id

    def wants(self, event: Event) -> bool:
        """Whether the hub should queue `event`: followed, and not sent by the replay."""
        if not self.follows(event) or event.key[1] in self.replayed:
            return False
        return event.late or self.start is None or event.key > self.start


@dataclasses.dataclass
class Opening:
    """What a stream starts with: its story (None: home), the rows it missed, and whether more
    were missed than a replay sends. `status` is 404 or 204 (concluded) when it must not open."""

    story_id: int | None = None
    replay: list[Event] = dataclasses.field(default_factory=list)
    truncated: bool = False
    status: int = 200


class Hub:
    """The change log, read by one task per process for every open stream of that process."""

    def __init__(self) -> None:
        self.subscribers: set[Subscriber] = set()
        self.cursor: Key | None = None
        self.seen: dict[int, datetime.datetime] = {}
        self.task: asyncio.Task | None = None
        self._thread = concurrent.futures.ThreadPoolExecutor(1, thread_name_prefix="live-hub")

    async def run(self, function: Callable[..., Any], *args: Any) -> Any:
        """`function(*args)` on the hub's thread (the ORM and templates are synchronous)."""
        return await asyncio.get_running_loop().run_in_executor(self._thread, function, *args)

    @property
    def full(self) -> bool:
        return len(self.subscribers) >= settings.LIVE_MAX_STREAMS

    async def subscribe(self, slug: str | None, last_event_id: Key | None):
        """A subscriber and its Opening. Registered before the replay is read, so a change
        lands either in the replay or in its queue (a duplicate is dropped by id or key)."""
        subscriber = Subscriber(None)
        self.subscribers.add(subscriber)
        try:
            opening = await self.run(self._open, subscriber, slug, last_event_id)
        except BaseException:
            self.subscribers.discard(subscriber)
            raise
        if opening.status != 200:
            self.subscribers.discard(subscriber)
            return None, opening
        if self.task is None or self.task.done():
            self.task = asyncio.get_running_loop().create_task(self._poll_while_needed())
        return subscriber, opening

    def unsubscribe(self, subscriber: Subscriber) -> None:
        self.subscribers.discard(subscriber)

    def end_all(self) -> None:
        """End every open stream now (the server is shutting down): each reader reconnects,
        to another server, and replays from its last event id."""
        for subscriber in list(self.subscribers):
            self.subscribers.discard(subscriber)
            subscriber.dropped = True
            with contextlib.suppress(asyncio.QueueFull):  # if full, it ends once drained
                subscriber.queue.put_nowait(None)

    # On the hub's thread.

    def _open(self, subscriber: Subscriber, slug: str | None, last: Key | None) -> Opening:
        _usable_connection()
        opening = Opening()
        if slug is not None:
            story = Story.objects.public().filter(slug=slug).only("pk", "status").first()
            if story is None:
                return Opening(status=404)
            if story.status == Story.Status.CONCLUDED:
                return Opening(status=204)
            opening.story_id = subscriber.story_id = story.pk
        now = timezone.now()
        newest = changes.newest_effective(now)
        if self.cursor is None:
            # The hub starts here: what is already effective is history, not news.
            self.cursor = newest or (now, 0)
            self.seen = changes.recent_ids(self._window(now), now)
        subscriber.start = newest or (now, 0)
        if last is not None and newest is not None:
            rows = changes.effective_after(last, until=newest, limit=REPLAY_LIMIT + 1)
            opening.truncated = len(rows) > REPLAY_LIMIT
            rows = rows[:REPLAY_LIMIT]
            subscriber.replayed = {r.pk for r in rows}
            opening.replay = [e for e in events_for(rows) if subscriber.follows(e)]
        return opening

    def _window(self, now: datetime.datetime) -> datetime.datetime:
        return now - datetime.timedelta(seconds=settings.API_CHANGES_SETTLE_SECONDS)

    def _read(self) -> list[Event]:
        """The rows effective since the last read (and late ones), as events; the cursor moves."""
        _usable_connection()
        now = timezone.now()
        assert self.cursor is not None
        rows = changes.live_changes(self.cursor, seen=self.seen, now=now)
        window = self._window(now)
        self.seen = {pk: at for pk, at in self.seen.items() if at > window}
        for row in rows:
            self.seen[row.pk] = row.effective_at
        events = events_for(rows)
        cursor = self.cursor
        events = [dataclasses.replace(e, late=e.key <= cursor) for e in events]
        if rows:
            self.cursor = max(cursor, max(changes.cursor_key(r) for r in rows))
        return events

    # On the event loop.

    async def _poll_while_needed(self) -> None:
        """Read and fan out every LIVE_POLL_SECONDS while a stream is open; then stop, so a
        process with no stream open does no work at all."""
        while self.subscribers:
            try:
                events = await self.run(self._read)
            except Exception:
                logger.exception("live updates: reading the change log failed; retrying")
                events = []
            self._fan_out(events)
            if len(events) < changes.LIVE_BATCH:
                await asyncio.sleep(settings.LIVE_POLL_SECONDS)
        self.cursor = None
        self.seen = {}

    def _fan_out(self, events: list[Event]) -> None:
        for event in events:
            for subscriber in list(self.subscribers):
                if not subscriber.wants(event):
                    continue
                try:
                    subscriber.queue.put_nowait(event)
                except asyncio.QueueFull:
                    # A reader this far behind reconnects and replays from its last event id.
                    self.subscribers.discard(subscriber)
                    subscriber.dropped = True


_hub: Hub | None = None


def hub() -> Hub:
    """This process's hub (one per process, made on first use)."""
    global _hub
    if _hub is None:
        _hub = Hub()
    return _hub


def end_streams() -> None:
    """End this process's open streams (newsroom/workers.py calls it at shutdown): a stream
    never finishes by itself, and the server would wait for it until killed."""
    if _hub is not None:
        _hub.end_all()
