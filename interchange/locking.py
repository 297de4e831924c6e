"""Imports that run at the same time take turns, so neither fails on the other's unique keys.

Both importers read what exists, then insert what does not; two of them interleaved would both
decide to insert the same tag, source, publisher or entry. So every import transaction starts by
taking one lock:

* PostgreSQL: a transaction-level advisory lock (`pg_advisory_xact_lock`), released at commit or
  rollback. The second import waits, then reads what the first committed and skips it.
* SQLite: the database's own write lock serialises writers, but a transaction that read before
  it wrote can be refused at once ("database is locked") instead of waiting. That transaction
  has written nothing that survives, so `retry_when_locked` simply runs it again.
"""

import time
from collections.abc import Callable
from typing import TypeVar

from django.db import OperationalError, connection

# Any fixed 64-bit number: the advisory lock's name, shared by every kind of import.
IMPORT_LOCK_KEY = 7_346_211_905

T = TypeVar("T")

RETRIES = 50
RETRY_PAUSE_SECONDS = 0.2


def take_import_lock() -> None:
    """Wait for the import lock (PostgreSQL); call it first inside the import's transaction."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [IMPORT_LOCK_KEY])


def _locked(error: OperationalError) -> bool:
    message = str(error).lower()
    return "database is locked" in message or "database table is locked" in message


def retry_when_locked(run: Callable[[], T]) -> T:
    """Run a whole import transaction, again when SQLite refused it for another writer's lock."""
    for attempt in range(RETRIES):
        try:
            return run()
        except OperationalError as error:
            if not _locked(error) or attempt == RETRIES - 1:
                raise
            time.sleep(RETRY_PAUSE_SECONDS)
    raise AssertionError("unreachable")
