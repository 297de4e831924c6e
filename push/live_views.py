"""The live streams: /live/ (the home page) and /stories/<slug>/live/ (one story), as
Server-Sent Events.

Async views: an open stream is a coroutine waiting on its queue (push/live.py), so it ties up
no worker and no thread. They need an ASGI server (newsroom/asgi.py); under a WSGI worker they
answer 204, which tells a browser's EventSource to stop, and the pages work as without script.
"""

import asyncio
import time
from collections.abc import AsyncIterator

from django.conf import settings
from django.core.handlers.asgi import ASGIRequest
from django.http import Http404, HttpRequest, HttpResponse, StreamingHttpResponse

from api.changes import BadCursor, decode_cursor

from . import live


async def home(request: HttpRequest) -> HttpResponse | StreamingHttpResponse:
    """The home page's stream: every entry published, edited or withdrawn."""
    return await _stream(request, None)


async def story(request: HttpRequest, slug: str) -> HttpResponse | StreamingHttpResponse:
    """One story's stream; 404 unless the story is public, 204 once it is concluded."""
    return await _stream(request, slug)


async def _stream(request: HttpRequest, slug: str | None) -> HttpResponse | StreamingHttpResponse:
    if not isinstance(request, ASGIRequest):
        return HttpResponse(status=204)
    raw = request.headers.get("Last-Event-ID") or request.GET.get("last-event-id") or ""
    last = None
    if raw:
        try:
            last = decode_cursor(raw.strip())
        except BadCursor:
            return HttpResponse(
                "Last-Event-ID is not an event id this site sent.\n",
                status=400,
                content_type="text/plain; charset=utf-8",
            )
    hub = live.hub()
    if hub.full:
        busy = HttpResponse(
            "Too many live readers on this server; try again shortly.\n",
            status=503,
            content_type="text/plain; charset=utf-8",
        )
        busy["Retry-After"] = str(settings.LIVE_RETRY_SECONDS)
        return busy
    subscriber, opening = await hub.subscribe(slug, last)
    if opening.status == 404:
        raise Http404("No published entry belongs to this story.")
    if subscriber is None:  # a concluded story: nothing more will come
        return HttpResponse(status=204)
    response = StreamingHttpResponse(
        _events(hub, subscriber, opening), content_type="text/event-stream; charset=utf-8"
    )
    response["Cache-Control"] = "no-cache"
    response["X-Accel-Buffering"] = "no"
    return response


async def _events(
    hub: live.Hub, subscriber: live.Subscriber, opening: live.Opening
) -> AsyncIterator[bytes]:
    """The stream: the retry hint, the replay, then events as the hub queues them, a heartbeat
    comment while quiet, and the end when idle, concluded, or too far behind. Django cancels
    this generator when the reader goes away; `finally` lets go of the subscriber."""
    try:
        yield f"retry: {settings.LIVE_RETRY_SECONDS * 1000}\n\n".encode()
        for missed in opening.replay:
            yield missed.encode().encode()
        if opening.truncated:
            yield b"event: reload\ndata: {}\n\n"
        idle_since = time.monotonic()
        while True:
            left = settings.LIVE_IDLE_SECONDS - (time.monotonic() - idle_since)
            if left <= 0:
                yield b"event: idle\ndata: {}\n\n"
                return
            try:
                event: live.Event | None = await asyncio.wait_for(
                    subscriber.queue.get(), timeout=min(left, settings.LIVE_HEARTBEAT_SECONDS)
                )
            except TimeoutError:
                if subscriber.dropped:
                    return
                yield b": heartbeat\n\n"
                continue
            if event is None:  # the server is shutting down
                return
            yield event.encode().encode()
            idle_since = time.monotonic()
            if event.name == "concluded":
                return
    finally:
        hub.unsubscribe(subscriber)
