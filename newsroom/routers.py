"""The optional read replica (DATABASE_REPLICA_URL): anonymous readers' GETs read from it.

`PublicReadMiddleware` marks a request as a *public read* for as long as it is served: a GET or
HEAD with no session cookie, outside the admin and the changes feed (`PRIMARY_READ_PATHS`).
`ReplicaRouter` (installed only when the replica is configured) sends reads to "replica" while
that mark is set and no transaction is open on the primary. Everything else reads the primary:
writes, the admin, signed-in staff (an editor never sees a page older than their own save),
comment posts, management commands, code inside `transaction.atomic()`, and a page the shared
page cache will store (a cache miss), which must not be a lagging replica's copy.
"""

import contextlib
from collections.abc import Iterator
from contextvars import ContextVar

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections
from django.http import HttpRequest, HttpResponse

REPLICA = "replica"
SAFE_METHODS = ("GET", "HEAD")
# Read from the primary even for anonymous GETs. The admin: its pages must never be stale. The
# changes feed (/api/v1/changes/): it promises a mirror never to skip a change, which holds
# only if every change committed API_CHANGES_SETTLE_SECONDS ago is visible where it reads, and
# a lagging replica could hand out a cursor past a change it has not received yet.
PRIMARY_READ_PATHS = ("/admin/", "/api/v1/changes/")

_public_read: ContextVar[bool] = ContextVar("public_read", default=False)
# Set on a request by the shared page cache (reading/pagecache.py, which names it as a string:
# reading does not import newsroom) when the page it renders will be stored for every reader:
# it must read the primary, or a lagging replica's rows would be cached as new after a purge.
RENDERS_FOR_SHARED_CACHE = "renders_for_shared_cache"


def is_public_read(request: HttpRequest) -> bool:
    """Whether `request` only reads what any anonymous reader may see, a moment late or not.

    A request without a session cookie has no signed-in user, and deciding so costs no query.
    """
    user = getattr(request, "user", None)
    return (
        request.method in SAFE_METHODS
        and not request.path_info.startswith(PRIMARY_READ_PATHS)
        and settings.SESSION_COOKIE_NAME not in request.COOKIES
        and not (user is not None and user.is_authenticated)
        and not getattr(request, RENDERS_FOR_SHARED_CACHE, False)
    )


@contextlib.contextmanager
def public_read(value: bool = True) -> Iterator[None]:
    """Serve the block as a public read (`value` True) or not; the previous state comes back."""
    token = _public_read.set(value)
    try:
        yield
    finally:
        _public_read.reset(token)


class PublicReadMiddleware:
    """Mark anonymous GETs of public pages as public reads while they are served.

    After the session and authentication middleware (so the user is known), before the views.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        with public_read(is_public_read(request)):
            return self.get_response(request)


class ReplicaRouter:
    """Public reads read the replica; every write and every other read use "default"."""

    def db_for_read(self, model, **hints) -> str:
        if (
            _public_read.get()
            and REPLICA in settings.DATABASES
            # Inside atomic() a read must see the transaction's own writes (and its locks).
            and not connections[DEFAULT_DB_ALIAS].in_atomic_block
        ):
            return REPLICA
        return DEFAULT_DB_ALIAS

    def db_for_write(self, model, **hints) -> str:
        return DEFAULT_DB_ALIAS

    def allow_relation(self, obj1, obj2, **hints) -> bool | None:
        """Rows read from either alias are the same rows: they may point at each other."""
        aliases = {DEFAULT_DB_ALIAS, REPLICA}
        if obj1._state.db in aliases and obj2._state.db in aliases:
            return True
        return None

    def allow_migrate(self, db, app_label, model_name=None, **hints) -> bool:
        """Only the primary is migrated; the replica receives the schema by replication."""
        return db == DEFAULT_DB_ALIAS
