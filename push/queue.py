"""Handing tasks to the queue, only once the transaction that recorded their rows has committed.

With a broker (BROKER_URL), `enqueue` publishes after commit; if the broker cannot take the
message, the row it was for stays due and the sweep (push/tasks.py) enqueues it again. Without
one, the task runs in this process after commit: on a background thread, so an editor's
response never waits on a subscriber (inline in the test suite, PUSH_EAGER_IN_BACKGROUND).
"""

import logging
import threading
from concurrent.futures import Future, ThreadPoolExecutor

from celery import Task
from django.conf import settings
from django.db import close_old_connections, connections, transaction

log = logging.getLogger(__name__)

_executor: ThreadPoolExecutor | None = None
_executor_lock = threading.Lock()
_pending: set[Future] = set()


def _local_executor() -> ThreadPoolExecutor:
    global _executor
    with _executor_lock:
        if _executor is None:
            _executor = ThreadPoolExecutor(max_workers=2, thread_name_prefix="push")
        return _executor


def _run_here(task: Task, args: tuple) -> None:
    close_old_connections()
    try:
        task.apply(args=args)
    finally:
        connections.close_all()


def _in_background(task: Task, args: tuple) -> None:
    future = _local_executor().submit(_run_here, task, args)
    _pending.add(future)
    future.add_done_callback(_pending.discard)


def send(task: Task, *args, countdown: float | None = None) -> bool:
    """Hand `task(*args)` to the queue now; False (and logged) when the broker refused it."""
    if settings.CELERY_TASK_ALWAYS_EAGER:
        if countdown:
            if settings.PUSH_EAGER_IN_BACKGROUND:
                timer = threading.Timer(countdown, _in_background, args=(task, args))
                timer.daemon = True
                timer.start()
            return True  # inline (tests): the sweep runs it when it is due
        if settings.PUSH_EAGER_IN_BACKGROUND:
            _in_background(task, args)
        else:
            task.apply(args=args)
        return True
    try:
        task.apply_async(args=args, countdown=countdown, retry=False)
    except Exception as error:  # the broker is down or refused: the sweep will try again
        log.warning("push: could not enqueue %s%r (%s); the sweep will", task.name, args, error)
        return False
    return True


def enqueue_on_commit(task: Task, *args) -> None:
    """`send(task, *args)` once the current transaction commits (now, outside of one)."""
    transaction.on_commit(lambda: send(task, *args))


def wait_idle(timeout: float = 30) -> None:
    """Wait for the tasks this process runs in the background (for tests and commands)."""
    for future in list(_pending):
        future.result(timeout=timeout)
