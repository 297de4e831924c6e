"""The task queue on the real broker (RabbitMQ): after commit, at least once, a killed worker.

Each test gets its own queue name, so runs beside other engineers' never share messages. Tests
that need a worker start one (`celery -A newsroom worker`) as a subprocess against this test
run's database, so they need a database another process can open: PostgreSQL (CI's second pass).
"""

import contextlib
import os
import signal
import socket
import subprocess
import time
import uuid
from pathlib import Path

import pytest
from django.db import connection, transaction
from django.test import Client
from django.urls import reverse
from kombu import pools

from newsroom.celery import app
from push import queue
from push.models import Delivery, Endpoint
from push.tasks import sweep
from tests.factories import CitationFactory, EntryFactory, SourceFactory
from tests.hardening_support import refused_port
from tests.push_support import Receiver, celery_worker_command, closed_port_url

ROOT = Path(__file__).resolve().parent.parent
BROKER = os.environ.get("TEST_BROKER_URL", "amqp://guest:guest@127.0.0.1:5672//")

pytestmark = pytest.mark.django_db(transaction=True)


def broker_reachable() -> bool:
    try:
        socket.create_connection(("127.0.0.1", 5672), timeout=1).close()
    except OSError:
        return False
    return True


def reset_pool() -> None:
    """Drop the producer connections, so the next message goes to the broker_url now set."""
    pools.reset()  # kombu's producer pools, keyed by broker
    app._pool = None
    app.amqp._producer_pool = None


@pytest.fixture
def broker(settings):
    """The real broker for this test, on a queue of its own (deleted afterwards)."""
    if not broker_reachable():
        pytest.skip(f"RabbitMQ is not reachable at {BROKER} (these tests need the real broker)")
    name = f"newsroom-test-{uuid.uuid4().hex[:12]}"
    before = {
        key: app.conf[key] for key in ("broker_url", "task_always_eager", "task_default_queue")
    }
    settings.BROKER_URL = BROKER
    settings.CELERY_TASK_ALWAYS_EAGER = False
    app.conf.update(broker_url=BROKER, task_always_eager=False, task_default_queue=name)
    reset_pool()
    with app.connection_for_write() as conn:
        conn.default_channel.queue_declare(queue=name, durable=True, auto_delete=False)
    yield name
    with app.connection_for_write() as conn:
        conn.default_channel.queue_delete(queue=name)
    reset_pool()
    app.conf.update(before)


def messages_on(name: str) -> int:
    with app.connection_for_write() as conn:
        return conn.default_channel.queue_declare(queue=name, passive=True).message_count


def worker_database_url() -> str:
    params = connection.settings_dict
    if connection.vendor != "postgresql":
        pytest.skip(
            "A worker process needs a database it can share with the test: run with "
            "DATABASE_URL=postgres://… (CI's PostgreSQL pass); SQLite's test database is in memory"
        )
    host, port = params["HOST"] or "127.0.0.1", params["PORT"] or 5432
    return f"postgres://{params['USER']}@{host}:{port}/{params['NAME']}"


def start_worker(queue_name: str) -> subprocess.Popen:
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "newsroom.settings.test",
        "BROKER_URL": BROKER,
        "DATABASE_URL": worker_database_url(),
    }
    return subprocess.Popen(
        celery_worker_command(queue_name),
        cwd=ROOT,
        env=env,
        start_new_session=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def kill(worker: subprocess.Popen) -> None:
    """SIGKILL the worker and its pool processes: no chance to acknowledge or clean up."""
    with contextlib.suppress(ProcessLookupError):
        os.killpg(worker.pid, signal.SIGKILL)
    worker.wait(timeout=30)
    # Its pool processes too (they hold database connections until they are gone).
    wait_for(lambda: not group_alive(worker.pid), timeout=30)


def group_alive(pgid: int) -> bool:
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    return True


def wait_for(predicate, timeout=60.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.2)
    return False


def test_a_task_is_on_the_queue_only_after_its_transaction_commits(broker):
    Endpoint.objects.create(url=closed_port_url())
    with transaction.atomic():
        EntryFactory()
        assert Delivery.objects.count() == 1
        assert messages_on(broker) == 0
    assert messages_on(broker) == 1


def test_a_rolled_back_transaction_puts_nothing_on_the_queue(broker):
    Endpoint.objects.create(url=closed_port_url())
    with pytest.raises(RuntimeError), transaction.atomic():
        EntryFactory()
        raise RuntimeError("the save failed")
    assert messages_on(broker) == 0
    assert not Delivery.objects.exists()


def test_a_save_while_the_broker_is_down_loses_nothing(broker, settings):
    Endpoint.objects.create(url=closed_port_url())
    with refused_port() as port:
        app.conf.broker_url = f"amqp://guest:guest@127.0.0.1:{port}//"
        reset_pool()
        started = time.monotonic()
        EntryFactory()
        assert time.monotonic() - started < 5
    delivery = Delivery.objects.get()
    assert delivery.status == "pending"
    # The broker is back: the sweep finds the delivery whose message never got there.
    app.conf.broker_url = BROKER
    reset_pool()
    settings.PUSH_REQUEUE_AFTER_SECONDS = 0
    assert sweep.apply().get() == 1
    assert messages_on(broker) == 1


def test_a_message_the_broker_lost_is_enqueued_again_by_the_sweep(broker, settings):
    Endpoint.objects.create(url=closed_port_url())
    EntryFactory()
    assert messages_on(broker) == 1
    with app.connection_for_write() as conn:
        conn.default_channel.queue_purge(broker)  # what a broker restart without disk does
    settings.PUSH_REQUEUE_AFTER_SECONDS = 60
    assert sweep.apply().get() == 0  # not yet overdue: its message may still be on the way
    settings.PUSH_REQUEUE_AFTER_SECONDS = 0
    assert sweep.apply().get() == 1
    assert messages_on(broker) == 1


def test_a_worker_killed_in_the_middle_of_a_delivery_loses_nothing(broker):
    with Receiver(answers=["hang"]) as receiver:
        Endpoint.objects.create(url=receiver.url)
        EntryFactory()
        first = start_worker(broker)
        try:
            assert receiver.got_request.wait(60), "the first worker never started the delivery"
        finally:
            kill(first)
        delivery = Delivery.objects.get()
        assert delivery.status == "pending"
        second = start_worker(broker)
        try:
            assert wait_for(
                lambda: Delivery.objects.filter(pk=delivery.pk, status="delivered").exists()
            ), "the task was lost with the killed worker"
        finally:
            kill(second)
    ids = {request["headers"]["webhook-id"] for request in receiver.requests}
    assert len(receiver.requests) == 2 and ids == {delivery.message_id}


def test_a_worker_delivers_what_the_desk_publishes(broker, editor):
    entry = EntryFactory(draft=True)
    CitationFactory(entry=entry, source=SourceFactory(url="https://example.com/w"))
    with Receiver() as receiver:
        Endpoint.objects.create(url=receiver.url)
        worker = start_worker(broker)
        try:
            client = Client()
            client.force_login(editor)
            client.post(
                reverse("admin:events_entry_changelist"),
                {"action": "publish_now", "_selected_action": [entry.pk]},
            )
            assert wait_for(lambda: Delivery.objects.filter(status="delivered").exists())
        finally:
            kill(worker)
    assert len(receiver.requests) == 1


@pytest.mark.parametrize("subscriber", ["hang", 500, "redirect", "unreachable"])
def test_a_bad_subscriber_never_slows_an_editors_save(settings, editor, subscriber):
    """The default without a broker: tasks run after commit on a background thread."""
    settings.PUSH_EAGER_IN_BACKGROUND = True
    entry = EntryFactory(draft=True)
    CitationFactory(entry=entry, source=SourceFactory(url="https://example.com/x"))
    client = Client()
    client.force_login(editor)
    with Receiver(answers=[subscriber]) as receiver:
        url = closed_port_url() if subscriber == "unreachable" else receiver.url
        Endpoint.objects.create(url=url)
        started = time.monotonic()
        response = client.post(
            reverse("admin:events_entry_changelist"),
            {"action": "publish_now", "_selected_action": [entry.pk]},
        )
        elapsed = time.monotonic() - started
        assert response.status_code == 302
        assert elapsed < 2, f"the save waited {elapsed:.1f}s on the subscriber"
        if subscriber == "hang":
            assert receiver.got_request.wait(30)  # it is being tried, in the background
            receiver.release()
        queue.wait_idle()  # the background attempt has ended, however long a loaded machine took
        if subscriber != "unreachable":
            assert receiver.got_request.is_set()  # it was tried, in the background
    entry.refresh_from_db()
    assert entry.is_live
