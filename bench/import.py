"""Benchmark import_events: generate a JSONL export of N entries, time importing it (then export).

    python bench/import.py [--entries 100000] [--keep FILE]

Uses newsroom.settings.dev and DATABASE_URL (SQLite file db.sqlite3 when unset). The entries,
sources, tags, publishers and comments tables are emptied before and after the run, so point it
at a database you use for benchmarks only. Prints entries/s and the process's peak memory
(max RSS; --tracemalloc adds peak Python allocations at the cost of speed).
"""

import argparse
import datetime
import json
import os
import resource
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "newsroom.settings.dev")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402

# dev settings turn DEBUG on, which keeps the text of the last 9,000 queries in memory; the
# benchmark measures the import as production runs it.
settings.DEBUG = False

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from taggit.models import Tag  # noqa: E402

from comments.models import Comment  # noqa: E402
from events.models import Entry  # noqa: E402
from interchange.jsonlines import export_entries  # noqa: E402
from sources.models import Publisher, Source  # noqa: E402

TAGS = [f"Topic {n}" for n in range(2000)]
PUBLISHERS = [f"Publisher {n}" for n in range(200)]


def generate(path: Path, count: int) -> None:
    """Entries over 20 years: 3 tags, 2 sources (one shared by many), 1 in 5 commented."""
    start = datetime.date(2000, 1, 1)
    with path.open("w", encoding="utf-8") as out:
        for n in range(count):
            day = start + datetime.timedelta(days=n % 7300)
            publisher = PUBLISHERS[n % len(PUBLISHERS)]
            domain = f"publisher{n % len(PUBLISHERS)}.example"
            stamp = f"{day.isoformat()}T12:00:00+00:00"
            record = {
                "event_date": day.isoformat(),
                "slug": f"event-number-{n}-happens-somewhere",
                "headline": f"Event number {n} happens somewhere in the world",
                "body": "A short summary of what happened. " * 3,
                "status": "published",
                "publish_at": stamp,
                "comments_open": True,
                "author": None,
                "created": stamp,
                "updated": stamp,
                "tags": [
                    {"name": TAGS[(n * k) % len(TAGS)], "slug": f"topic-{(n * k) % len(TAGS)}"}
                    for k in (1, 7, 13)
                ],
                "sources": [
                    {
                        "url": f"https://{domain}/{day.isoformat()}/story-{n}",
                        "title": f"Story {n}",
                        "byline": "A. Reporter",
                        "published_on": day.isoformat(),
                        "excerpt": "",
                        "created": stamp,
                        "publisher": {
                            "name": publisher,
                            "slug": f"publisher-{n % len(PUBLISHERS)}",
                            "domain": domain,
                            "homepage": f"https://{domain}",
                        },
                    },
                    {
                        "url": f"https://wire.example/daily/{day.isoformat()}",
                        "title": "Daily wire",
                        "byline": "",
                        "published_on": None,
                        "excerpt": "",
                        "created": stamp,
                        "publisher": None,
                    },
                ],
                "comments": [
                    {
                        "name": "Reader",
                        "email": "reader@example.com",
                        "body": "Thanks for the summary.",
                        "created": stamp,
                        "ip_address": "192.0.2.1",
                        "user": None,
                        "moderated_by": None,
                        "moderated_at": None,
                    }
                ]
                if n % 5 == 0
                else [],
                "archive": None,
            }
            out.write(json.dumps(record) + "\n")


def empty_tables() -> None:
    Comment.objects.all().delete()
    Entry.objects.all().delete()
    Source.objects.all().delete()
    Publisher.objects.all().delete()
    Tag.objects.all().delete()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--entries", type=int, default=100_000)
    parser.add_argument("--keep", help="write the generated JSONL here and keep it")
    parser.add_argument(
        "--tracemalloc",
        action="store_true",
        help="also report peak Python allocations (slows the import down)",
    )
    parser.add_argument(
        "--import-only",
        action="store_true",
        help="time the import alone: no export, and the imported rows are left in place",
    )
    args = parser.parse_args()

    call_command("migrate", verbosity=0)
    empty_tables()
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(args.keep or Path(tmp) / "entries.jsonl")
        generate(path, args.entries)
        size = path.stat().st_size
        rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        if args.tracemalloc:
            tracemalloc.start()
        began = time.perf_counter()
        with open(os.devnull, "w") as devnull:
            call_command("import_events", str(path), stdout=devnull)
        elapsed = time.perf_counter() - began
        peak = tracemalloc.get_traced_memory()[1] if args.tracemalloc else None
        tracemalloc.stop()
        rss_after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        imported = Entry.objects.count()
        vendor = connection.vendor
        print(
            f"import_events on {vendor}: {imported:,} entries ({size / 1e6:.1f} MB of JSONL) "
            f"in {elapsed:.1f} s = {imported / elapsed:,.0f} entries/s; "
            + (f"peak Python allocations {peak / 1e6:.1f} MB (tracemalloc); " if peak else "")
            + f"max RSS {rss_before / 1024:.0f} MB before, {rss_after / 1024:.0f} MB after",
            flush=True,
        )
        if imported != args.entries:
            sys.exit(f"expected {args.entries} entries, found {imported}")
        if args.import_only:
            return
        began = time.perf_counter()
        with open(os.devnull, "w") as devnull:
            exported = export_entries(devnull)
        export_elapsed = time.perf_counter() - began
        rss_export = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(
        f"export_events on {vendor}: {exported:,} entries in {export_elapsed:.1f} s = "
        f"{exported / export_elapsed:,.0f} entries/s; max RSS {rss_export / 1024:.0f} MB after"
    )
    empty_tables()


if __name__ == "__main__":
    main()
