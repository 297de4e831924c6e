"""Benchmark: signed webhook deliveries per second to a local receiver.

    python bench/webhooks.py [--deliveries 2000] [--concurrency 1 4] [--no-worker]

A receiver on 127.0.0.1 (a threading HTTP server, answering 204 at once) takes every POST.
Two measurements on the same deliveries:

- in process: `push.webhooks.attempt()` in a loop, one after another: what one worker process
  does per delivery (read the row, sign, POST, record the outcome), with no queue;
- through the queue (unless --no-worker or no broker answers): the deliveries are enqueued on
  RabbitMQ (BROKER_URL, default amqp://guest:guest@127.0.0.1:5672//) on a queue of this run's
  own, and a real `celery -A newsroom worker` with each --concurrency delivers them; the time is
  from the first enqueue to the last delivery recorded.

Runs on the database DATABASE_URL names; without it, on a throwaway SQLite file in the temporary
directory (the worker shares it; PostgreSQL is the realistic case for several worker processes).
"""

import argparse
import os
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "newsroom.settings.dev")
os.environ.setdefault(
    "DATABASE_URL", f"sqlite:///{Path(tempfile.gettempdir()) / 'newsroom-bench-push.sqlite3'}"
)
BROKER = os.environ.get("BROKER_URL") or "amqp://guest:guest@127.0.0.1:5672//"
os.environ.pop("BROKER_URL", None)  # this process enqueues through the app configured below

import django  # noqa: E402

django.setup()

# bench/ is on sys.path (the script's folder); mypy knows bench/_push.py as bench._push.
from _push import Sink  # type: ignore[import-not-found]  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.utils import timezone  # noqa: E402

from newsroom.celery import app  # noqa: E402
from push import webhooks  # noqa: E402
from push.models import Delivery, Endpoint  # noqa: E402
from push.tasks import deliver_webhook  # noqa: E402
from tests.push_support import celery_worker_command  # noqa: E402

BODY = (
    '{"data":{"api_url":"https://news.example.org/api/v1/entries/123456/","cursor":'
    '"MTc2NTA2NjQwMDAwMDAwMC4xMjM0NTY","entry_id":123456},"timestamp":'
    '"2026-12-06T23:00:00+00:00","type":"entry.published"}'
)


def fresh_deliveries(endpoint: Endpoint, count: int) -> list[int]:
    Delivery.objects.all().delete()
    now = timezone.now()
    rows = Delivery.objects.bulk_create(
        (
            Delivery(endpoint=endpoint, event="entry.published", body=BODY, next_attempt_at=now)
            for _ in range(count)
        ),
        batch_size=1000,
    )
    return [row.pk for row in rows]


def in_process(endpoint: Endpoint, count: int) -> float:
    ids = fresh_deliveries(endpoint, count)
    started = time.perf_counter()
    for pk in ids:
        webhooks.attempt(pk)
    elapsed = time.perf_counter() - started
    assert Delivery.objects.filter(status="delivered").count() == count
    return count / elapsed


def broker_up() -> bool:
    try:
        socket.create_connection(("127.0.0.1", 5672), timeout=1).close()
    except OSError:
        return False
    return True


def through_the_queue(endpoint: Endpoint, count: int, concurrency: int) -> float:
    queue = f"newsroom-bench-{uuid.uuid4().hex[:10]}"
    app.conf.update(broker_url=BROKER, task_always_eager=False, task_default_queue=queue)
    ids = fresh_deliveries(endpoint, count)
    env = {**os.environ, "BROKER_URL": BROKER}
    worker = subprocess.Popen(
        celery_worker_command(queue, concurrency=concurrency),
        cwd=ROOT,
        env=env,
        start_new_session=True,
    )
    try:
        time.sleep(5)  # the worker connects and declares its queue
        started = time.perf_counter()
        for pk in ids:
            deliver_webhook.apply_async(args=(pk,), retry=False)
        while Delivery.objects.filter(status="delivered").count() < count:
            if worker.poll() is not None:
                sys.exit("the worker stopped")
            time.sleep(0.05)
        elapsed = time.perf_counter() - started
    finally:
        worker.terminate()
        worker.wait(30)
        with app.connection_for_write() as conn:
            conn.default_channel.queue_delete(queue=queue)
    return count / elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--deliveries", type=int, default=2000)
    parser.add_argument("--concurrency", type=int, nargs="+", default=[1, 4])
    parser.add_argument("--no-worker", action="store_true")
    args = parser.parse_args()
    call_command("migrate", "--noinput", verbosity=0)
    Endpoint.objects.all().delete()
    sink = Sink(204)
    endpoint = Endpoint.objects.create(url=f"{sink.base}/hook", description="bench")
    database = django.db.connection.vendor
    print(f"{args.deliveries} deliveries, database {database}, receiver answers 204 at once")
    print(f"in process, one after another: {in_process(endpoint, args.deliveries):8.0f} /s")
    if args.no_worker:
        return
    if not broker_up():
        print("through the queue: skipped (no broker at 127.0.0.1:5672)")
        return
    for concurrency in args.concurrency:
        rate = through_the_queue(endpoint, args.deliveries, concurrency)
        print(f"through RabbitMQ, 1 worker x {concurrency} processes: {rate:8.0f} /s")
    Delivery.objects.all().delete()
    Endpoint.objects.all().delete()


if __name__ == "__main__":
    main()
