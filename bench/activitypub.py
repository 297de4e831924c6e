"""Benchmark: ActivityPub followers reached per second by one Create (a published entry).

    python bench/activitypub.py [--followers 500]

Each follower has its own shared inbox (so none is deduplicated away) on one local server
(127.0.0.1, a threading HTTP server answering 202 at once). One entry is published with the
desk's save path (signals record a delivery row per inbox in the save's transaction); the
bulk of rows is handed to one sweep after commit, which here runs the deliveries in this
process one after another (no broker: what one worker process does per delivery: read the
row, sign it with the site's RSA key, POST, record). Printed: the time the save spent recording
the fan-out (what the editor waits for) and followers delivered per second.

Runs on the database DATABASE_URL names; without it, on a throwaway SQLite file.
"""

import argparse
import datetime
import logging
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "newsroom.settings.dev")
os.environ.setdefault(
    "DATABASE_URL", f"sqlite:///{Path(tempfile.gettempdir()) / 'newsroom-bench-ap.sqlite3'}"
)
os.environ.setdefault("SITE_URL", "https://news.example.org")
os.environ.pop("BROKER_URL", None)  # in process: the sweep delivers inline after commit
os.environ["PUSH_EAGER_IN_BACKGROUND"] = "0"

import django  # noqa: E402

django.setup()
logging.getLogger("celery").setLevel(logging.WARNING)
logging.getLogger("push").setLevel(logging.WARNING)

# bench/ is on sys.path (the script's folder); mypy knows bench/_push.py as bench._push.
from _push import Sink  # type: ignore[import-not-found]  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import transaction  # noqa: E402
from django.utils import timezone  # noqa: E402

from events.models import Entry  # noqa: E402
from push.models import FederationDelivery, Follower  # noqa: E402


def publish() -> tuple[float, float]:
    """Publish one entry: (seconds until its transaction commits, seconds delivering after)."""
    holder: dict[str, float] = {}
    started = time.perf_counter()
    with transaction.atomic():
        # Registered first, so it runs before the deliveries the save hands to after commit.
        transaction.on_commit(lambda: holder.setdefault("committed", time.perf_counter()))
        Entry.objects.create(
            headline=f"Bench entry {time.time_ns()}",
            body="A *short* body with a [link](https://example.com/).",
            event_date=datetime.date(2026, 12, 7),
            status=Entry.Status.PUBLISHED,
            publish_at=timezone.now() - datetime.timedelta(seconds=1),
        )
    return holder["committed"] - started, time.perf_counter() - holder["committed"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--followers", type=int, default=500)
    args = parser.parse_args()
    call_command("migrate", "--noinput", verbosity=0)
    FederationDelivery.objects.all().delete()
    Follower.objects.all().delete()
    sink = Sink(202)
    base = sink.base
    load = os.getloadavg()[0]
    print(f"{args.followers} followers, database {django.db.connection.vendor}, load {load:.2f}")
    baseline, _ = publish()  # no followers: what the save costs without federation
    Follower.objects.bulk_create(
        Follower(
            actor=f"{base}/users/{n}", inbox=f"{base}/users/{n}/inbox", shared_inbox=f"{base}/s{n}"
        )
        for n in range(args.followers)
    )
    saved, sent = publish()
    delivered = FederationDelivery.objects.filter(status="delivered").count()
    assert delivered == args.followers == sink.received, (delivered, sink.received)
    print(f"the save, no followers:            {baseline * 1000:8.0f} ms")
    print(f"the save, recording the fan-out:   {saved * 1000:8.0f} ms")
    print(f"delivered in process, one by one:  {args.followers / sent:8.0f} followers/s")
    FederationDelivery.objects.all().delete()
    Follower.objects.all().delete()


if __name__ == "__main__":
    main()
