"""A Server-Sent Events reader over a real socket, for the live-update tests.

It reads the stream on a thread and hands over what came, parsed as a browser's EventSource
parses it: events (id, event, data) and comment lines (the heartbeat), in order.
"""

import contextlib
import http.client
import json
import queue
import socket
import threading
import time
import urllib.parse
from dataclasses import dataclass


@dataclass
class Message:
    """One thing the stream sent: an event, a comment (`comment` set), or the end (`ended`)."""

    event: str = "message"
    id: str = ""
    data: str = ""
    comment: str = ""
    ended: bool = False

    @property
    def json(self) -> dict:
        return json.loads(self.data)


class Stream:
    """An open stream at `url` (with `last_event_id` sent as the header when given)."""

    def __init__(self, url: str, *, last_event_id: str = "", headers: dict | None = None):
        parts = urllib.parse.urlsplit(url)
        self.connection = http.client.HTTPConnection(parts.hostname or "", parts.port, timeout=60)
        sent = {"Accept": "text/event-stream", **(headers or {})}
        if last_event_id:
            sent["Last-Event-ID"] = last_event_id
        path = parts.path + (f"?{parts.query}" if parts.query else "")
        self.connection.request("GET", path, headers=sent)
        self.socket = self.connection.sock
        self.response = self.connection.getresponse()
        self.status = self.response.status
        self.headers = self.response.headers
        self.messages: queue.Queue[Message] = queue.Queue()
        if self.status == 200:
            threading.Thread(target=self._read, daemon=True).start()
        else:
            self.body = self.response.read().decode()

    def _read(self) -> None:
        current = Message()
        stream = self.response.fp  # kept: closing the response sets its fp to None
        try:
            while True:
                line = stream.readline()
                if not line:
                    break
                text = line.decode().rstrip("\r\n")
                if text == "":
                    if current.data or current.event != "message" or current.id:
                        self.messages.put(current)
                    current = Message()
                elif text.startswith(":"):
                    self.messages.put(Message(comment=text[1:].strip()))
                else:
                    name, _, value = text.partition(":")
                    value = value[1:] if value.startswith(" ") else value
                    if name == "data":
                        current.data = f"{current.data}\n{value}" if current.data else value
                    elif name in ("id", "event"):
                        setattr(current, name, value)
        except (OSError, ValueError):
            pass
        self.messages.put(Message(ended=True))

    def next(self, seconds: float = 30, *, skip_comments: bool = True) -> Message:
        """The next message (heartbeats skipped unless asked for); fails after `seconds`."""
        deadline = time.monotonic() + seconds
        while True:
            left = deadline - time.monotonic()
            try:
                message = self.messages.get(timeout=max(left, 0.01))
            except queue.Empty:
                raise AssertionError(f"nothing came on the stream within {seconds} s") from None
            if message.comment and skip_comments:
                continue
            return message

    def events(self, count: int, seconds: float = 30) -> list[Message]:
        """The next `count` events, in order."""
        return [self.next(seconds) for _ in range(count)]

    def close(self) -> None:
        """Hang up as a browser leaving the page does (the reader thread's file keeps the
        socket open, so shut it down rather than only closing our end)."""
        with contextlib.suppress(OSError):
            self.socket.shutdown(socket.SHUT_RDWR)
        self.connection.close()
