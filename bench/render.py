"""CPU time of rendering the uncached home, /events/ and an entry page, in process.

    DATABASE_URL=postgres://... python bench/render.py [--repeat 60] [--profile 25]

Reuses the corpus `bench/pages.py` built (run that first; it needs at least 1,001 published
entries) and renders each page with Django's test client under the production settings, no
page cache, after a warm-up: the process's CPU time (`time.process_time`, which on a shared
machine moves much less than wall time) and wall time per request, minimum and median. With
--profile N, also the N most expensive functions of each page by own CPU time (cProfile with
a CPU clock; its overhead inflates Python-heavy code, so read shares, not times). Compare two
versions by running this in each working tree alternately, within one run of load.
"""

import argparse
import cProfile
import os
import pstats
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.update(
    {
        "DJANGO_SETTINGS_MODULE": "newsroom.settings.production",
        "SECRET_KEY": "bench-only-secret-key-not-for-production-0123456789",
        "ALLOWED_HOSTS": "testserver",
        "SECURE_SSL_REDIRECT": "0",
        "LOG_LEVEL": "WARNING",
    }
)
os.environ.pop("REDIS_URL", None)  # no page cache: every request renders

import django  # noqa: E402

django.setup()

from django.test import Client  # noqa: E402

from events.models import Entry  # noqa: E402


def pages() -> list[tuple[str, str]]:
    """The pages of the uncached-throughput target, the entry as bench/pages.py picks it."""
    entry = Entry.objects.published().order_by("-event_date", "-id")[1000]
    return [("/", "/"), ("/events/", "/events/"), ("entry page", entry.get_absolute_url())]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=60)
    parser.add_argument("--profile", type=int, default=0, metavar="N")
    args = parser.parse_args()
    client = Client()
    print(f"{Entry.objects.count()} entries; load {os.getloadavg()[0]:.1f}")
    print(f"{'page':<12} {'cpu min':>8} {'cpu med':>8} {'wall min':>9} {'wall med':>9}  (ms)")
    for name, path in pages():
        for _ in range(5):  # warm-up: templates compiled, connection open
            assert client.get(path).status_code == 200, path
        cpu, wall = [], []
        for _ in range(args.repeat):
            started, used = time.perf_counter(), time.process_time()
            client.get(path)
            cpu.append(1000 * (time.process_time() - used))
            wall.append(1000 * (time.perf_counter() - started))
        print(
            f"{name:<12} {min(cpu):8.2f} {statistics.median(cpu):8.2f}"
            f" {min(wall):9.2f} {statistics.median(wall):9.2f}",
            flush=True,
        )
        if args.profile:
            profile = cProfile.Profile(time.process_time)
            profile.enable()
            for _ in range(20):
                client.get(path)
            profile.disable()
            pstats.Stats(profile).sort_stats("tottime").print_stats(args.profile)


if __name__ == "__main__":
    main()
