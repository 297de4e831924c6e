"""ASGI entry point; gunicorn serves `newsroom.asgi:application` with production settings
through an ASGI worker (newsroom/gunicorn.conf.py), so the live streams (push/live_views.py)
hold a coroutine each instead of a worker.

Every other request is served by `Handler` as a WSGI worker's thread would serve it: whole,
from `request_started` to `request_finished`, in one call on one of ASGI_THREADS long-lived
threads, through Django's synchronous middleware chain, in that thread's own context. So the
thread keeps its database connection (DB_CONN_MAX_AGE) and its cache client from one request
to the next. Django's own ASGI handler gives each request a new thread and a new context (a
new database connection and a new Redis connection each time) and adapts each synchronous
middleware method on its own: it served a third of the sync worker's rate
(docs/performance.md#streams).
"""

import asyncio
import functools
import os
from concurrent.futures import ThreadPoolExecutor

from asgiref.sync import iscoroutinefunction
from django.core import signals
from django.core.exceptions import RequestAborted
from django.core.handlers.asgi import ASGIHandler, get_script_prefix
from django.core.handlers.base import BaseHandler
from django.http import FileResponse, HttpResponseBase
from django.urls import Resolver404, get_resolver, set_script_prefix

from newsroom import process

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "newsroom.settings.production")
# Before the settings load: web requests get DB_STATEMENT_TIMEOUT_MS (see settings/base.py).
process.role = process.WEB


class Handler(ASGIHandler):
    """Django's ASGI handler for the asynchronous views (the live streams); every other request
    runs whole on one of the handler's threads, through the synchronous middleware chain."""

    def __init__(self, threads: int) -> None:
        super().__init__()
        self._sync = BaseHandler()
        self._sync.load_middleware(is_async=False)
        self._threads = ThreadPoolExecutor(threads, thread_name_prefix="request")

    async def __call__(self, scope, receive, send) -> None:
        # The path the URLconf sees, as ASGIRequest computes it (without a script prefix);
        # any other scope (lifespan, websocket) has no path and goes to Django, which refuses it.
        if scope["type"] == "http" and not self._async_view(
            scope["path"].removeprefix(get_script_prefix(scope))
        ):
            await self._handle_in_thread(scope, receive, send)
        else:
            await super().__call__(scope, receive, send)

    @staticmethod
    @functools.lru_cache(maxsize=4096)  # the URLconf does not change while the process runs
    def _async_view(path: str) -> bool:
        try:
            return iscoroutinefunction(get_resolver().resolve(path).func)
        except Resolver404:
            return False

    async def _handle_in_thread(self, scope, receive, send) -> None:
        try:
            body_file = await self.read_body(receive)
        except RequestAborted:
            return
        loop = asyncio.get_running_loop()
        try:
            # run_in_executor, not asyncio.to_thread: the call runs in the thread's own
            # context, which lasts from one request to the next (no copy per request).
            response = await loop.run_in_executor(self._threads, self._respond, scope, body_file)
            try:
                await self.send_response(response, send)
            except asyncio.CancelledError:
                pass  # the client went away while the response was being sent
            finally:
                if response.streaming:  # a streamed body was read while it was sent
                    await loop.run_in_executor(self._threads, response.close)
        finally:
            body_file.close()

    def _respond(self, scope, body_file) -> HttpResponseBase:
        """The request as a WSGI worker serves it, on this thread: `request_started` (which
        lets this thread's database connection go if it is too old or broken), the middleware
        chain and the view, and, unless the body is streamed, `response.close()` and
        `request_finished`."""
        set_script_prefix(get_script_prefix(scope))
        signals.request_started.send(sender=self.__class__, scope=scope)
        request, refused = self.create_request(scope, body_file)
        if request is None:
            assert refused is not None  # Django's answer to a request it could not read
            response: HttpResponseBase = refused
        else:
            response = self._sync.get_response(request)
            response._handler_class = self.__class__  # type: ignore[attr-defined]
            if isinstance(response, FileResponse):
                response.block_size = self.chunk_size
        if not response.streaming:
            response.close()  # the body is in memory: the request is finished
        return response


def _application() -> Handler:
    import django
    from django.conf import settings

    django.setup(set_prefix=False)
    return Handler(threads=settings.ASGI_THREADS)


application = _application()
