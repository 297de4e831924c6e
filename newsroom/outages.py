"""Outages of the database and the cache: a 503 page for readers, a few log lines for operators.

A dependency that is down fails every request; logging each failure buries the log (an 8 s
database outage once wrote 2,294 tracebacks). `Outage` logs the start of an outage, a reminder at
most once a minute while it lasts, and its end.
"""

import logging
import sys
import threading
import time

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.utils import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse
from django.template.loader import render_to_string
from django.views import defaults

logger = logging.getLogger("newsroom.outages")

# What a database that is down, refusing connections or cancelling statements raises.
DATABASE_ERRORS = (OperationalError, InterfaceError)

# While an outage lasts, how often it is logged again (with the number of failures since).
LOG_EVERY_SECONDS = 60.0


class Outage:
    """The state of one dependency in this process: up, or down since when.

    `failed()` and `recovered()` are called on every failure and on success; they log only
    transitions and the periodic reminder. `retry_seconds` > 0 also opens a window after each
    failure in which `in_retry_window()` is true, so callers can skip a dependency that would only
    make them wait for a timeout again (the cache uses it; the database is always retried).
    """

    def __init__(self, name: str, *, retry_seconds: float = 0.0, log=logger):
        self.name = name
        self.retry_seconds = retry_seconds
        self._log = log
        self._lock = threading.Lock()
        self._since: float | None = None
        self._last_logged = 0.0
        self._failures = 0
        self._retry_at = 0.0

    @property
    def ongoing(self) -> bool:
        """True from the first failure until the next success."""
        return self._since is not None

    def in_retry_window(self) -> bool:
        """True for `retry_seconds` after a failure: do not try the dependency yet."""
        return self._since is not None and time.monotonic() < self._retry_at

    def failed(self, error: BaseException) -> None:
        now = time.monotonic()
        with self._lock:
            self._retry_at = now + self.retry_seconds
            self._failures += 1
            if self._since is None:
                self._since = self._last_logged = now
                self._failures = 1
                self._log.error("%s unavailable: %s", self.name, _describe(error))
            elif now - self._last_logged >= LOG_EVERY_SECONDS:
                self._last_logged = now
                self._log.error(
                    "%s still unavailable after %.0f s (%d failures): %s",
                    self.name,
                    now - self._since,
                    self._failures,
                    _describe(error),
                )

    def recovered(self) -> None:
        if self._since is None:  # the common case, without taking the lock
            return
        now = time.monotonic()
        with self._lock:
            if self._since is None:
                return
            self._log.warning(
                "%s back after %.1f s (%d failures)",
                self.name,
                now - self._since,
                self._failures,
            )
            self._since = None
            self._failures = 0
            self._retry_at = 0.0


def _describe(error: BaseException) -> str:
    first_line = str(error).strip().splitlines()[0] if str(error).strip() else ""
    return f"{type(error).__name__}: {first_line}"


# The primary ("default"); each other alias (the read replica) gets its own, made on first use,
# so a replica that is down is logged as such and the primary's traffic does not end its outage.
database_outage = Outage("Database")
_database_outages = {DEFAULT_DB_ALIAS: database_outage}
_database_outages_lock = threading.Lock()


def database_outage_of(alias: str) -> Outage:
    """The outage state of one database alias: "Database", or "Database (replica)"."""
    with _database_outages_lock:
        if alias not in _database_outages:
            _database_outages[alias] = Outage(f"Database ({alias})")
        return _database_outages[alias]


def database_failed(error: BaseException) -> None:
    """Count `error` against the database(s) whose connection raised it.

    Django flags a connection whose error may have made it unusable (`errors_occurred`, what
    CONN_HEALTH_CHECKS reads at the end of the request); an error no connection claims counts
    against the primary.
    """
    failed = [db.alias for db in connections.all(initialized_only=True) if db.errors_occurred]
    for alias in failed or [DEFAULT_DB_ALIAS]:
        database_outage_of(alias).failed(error)


def databases_answered() -> None:
    """After a request that did not end in the 503 page: end the outage of every database that
    has an open connection.

    Django closes a connection that failed at the end of the request (CONN_HEALTH_CHECKS), so an
    open one was made or used successfully. Reads one flag per alias unless an outage is on.
    """
    for alias, outage in list(_database_outages.items()):
        if outage.ongoing and connections[alias].connection is not None:
            outage.recovered()


def outage_response() -> HttpResponse:
    """The 503 page in the site's layout, with Retry-After.

    Rendered without the request, so no context processor runs: the page must not need the
    database (nor the session, which lives there) to say that the database is down.
    """
    body = render_to_string("503.html", {"SITE_NAME": settings.SITE_NAME})
    response = HttpResponse(body, status=503)
    response["Retry-After"] = str(settings.OUTAGE_RETRY_AFTER)
    response["Cache-Control"] = "no-store"
    # Django's request logger (django.utils.log.log_response) would write one error line per
    # request, with a traceback when the error escaped a middleware; `Outage` logs this outage.
    response._has_been_logged = True  # type: ignore[attr-defined]  # read by log_response
    return response


def server_error(request: HttpRequest) -> HttpResponse:
    """handler500: a database error that escaped a middleware is an outage too (503)."""
    error = sys.exc_info()[1]
    if isinstance(error, DATABASE_ERRORS):
        database_failed(error)
        return outage_response()
    return defaults.server_error(request)
