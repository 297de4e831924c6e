"""Benchmark: related_entries() (cold cache) against django-taggit's similar_objects().

    python bench/related.py [--entries 100000] [--tags 5000] [--samples 200] [--explain]
                             [--no-compare] [--existing]
                             [--first-pass 6000] [--first-exact 100]

Runs on the database DATABASE_URL names (newsroom.settings.dev); without DATABASE_URL it uses
a throwaway SQLite file in the temporary directory rather than the development database.
The first run generates the corpus with bulk inserts (entries with 3-6 tags each, tag
popularity following Zipf's law, s=1; 5% drafts, 1% scheduled); later runs reuse it when it has
the requested size. Both functions are timed on the same random live entries, interleaved, so
machine load hits both alike. Figures go to docs/performance.md by hand.
"""

import argparse
import bisect
import datetime
import itertools
import os
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "newsroom.settings.dev")
os.environ.setdefault(
    "DATABASE_URL", f"sqlite:///{Path(tempfile.gettempdir()) / 'newsroom-bench-related.sqlite3'}"
)

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import DatabaseError, connection, transaction  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.utils import timezone  # noqa: E402
from taggit.models import Tag  # noqa: E402

from events.models import Entry, TaggedEntry  # noqa: E402
from events.related import bump_related_version, related_entries  # noqa: E402
from events.related import query as related  # noqa: E402

PREFIX = "bench-related"
SEED = 20140219
BATCH = 5000


def corpus_size() -> tuple[int, int]:
    entries = Entry.objects.filter(slug__startswith=PREFIX).count()
    tags = Tag.objects.filter(slug__startswith=PREFIX).count()
    return entries, tags


def generate(n_entries: int, n_tags: int) -> None:
    """Bulk-insert the corpus: no per-row save(), no signals."""
    rng = random.Random(SEED)
    Entry.objects.filter(slug__startswith=PREFIX).delete()
    Tag.objects.filter(slug__startswith=PREFIX).delete()
    tags = Tag.objects.bulk_create(
        [Tag(name=f"Bench tag {i:05d}", slug=f"{PREFIX}-tag-{i:05d}") for i in range(n_tags)],
        batch_size=BATCH,
    )
    tag_ids = [t.pk for t in tags]
    if tag_ids[0] is None:  # backends that do not return ids from bulk_create
        tag_ids = list(
            Tag.objects.filter(slug__startswith=PREFIX)
            .order_by("slug")
            .values_list("pk", flat=True)
        )
    cumulative = list(itertools.accumulate(1 / (rank + 1) for rank in range(n_tags)))
    now = timezone.now()
    start = datetime.date(2005, 1, 1)
    for first in range(0, n_entries, BATCH):
        rows = []
        for i in range(first, min(first + BATCH, n_entries)):
            roll = rng.random()
            publish_at: datetime.datetime | None
            status, publish_at = Entry.Status.PUBLISHED, now - datetime.timedelta(days=1)
            if roll < 0.05:
                status, publish_at = Entry.Status.DRAFT, None
            elif roll < 0.06:
                publish_at = now + datetime.timedelta(days=30)
            rows.append(
                Entry(
                    event_date=start + datetime.timedelta(days=rng.randrange(7300)),
                    headline=f"Benchmark event {i}",
                    slug=f"{PREFIX}-{i}",
                    status=status,
                    publish_at=publish_at,
                )
            )
        with transaction.atomic():
            created = Entry.objects.bulk_create(rows)
            if created[0].pk is None:
                created = list(Entry.objects.filter(slug__in=[r.slug for r in rows]).only("pk"))
            links: list[TaggedEntry] = []
            for entry in created:
                chosen: set[int] = set()
                wanted = rng.randint(3, 6)
                while len(chosen) < wanted:
                    pick = bisect.bisect(cumulative, rng.random() * cumulative[-1])
                    chosen.add(tag_ids[min(pick, n_tags - 1)])
                links.extend(TaggedEntry(content_object_id=entry.pk, tag_id=t) for t in chosen)
            TaggedEntry.objects.bulk_create(links, batch_size=BATCH)
        print(f"  {min(first + BATCH, n_entries)} entries", flush=True)
    with connection.cursor() as cursor:
        # What autovacuum would do on a live site: planner statistics, and on PostgreSQL the
        # visibility map that lets counts read the (tag, entry) index without the table.
        cursor.execute("VACUUM ANALYZE" if connection.vendor == "postgresql" else "ANALYZE")


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def timed(fn) -> float:
    start = time.perf_counter()
    fn()
    return (time.perf_counter() - start) * 1000


def explain(entry: Entry) -> None:
    """Print the plan of the one query related_entries() runs, executed for real."""
    with CaptureQueriesContext(connection) as queries:
        related.query_related_entries(entry)
    (query,) = queries.captured_queries
    prefix = (
        "EXPLAIN (ANALYZE, BUFFERS) "
        if connection.vendor == "postgresql"
        else "EXPLAIN QUERY PLAN "
    )
    with connection.cursor() as cursor:
        # The captured SQL has its parameters inlined by the driver, so it runs as is.
        cursor.execute(prefix + query["sql"])
        for row in cursor.fetchall():
            print(" | ".join(str(col) for col in row))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--entries", type=int, default=100_000)
    parser.add_argument("--tags", type=int, default=5000)
    parser.add_argument("--samples", type=int, default=200)
    parser.add_argument("--explain", action="store_true", help="print the query plan too")
    parser.add_argument(
        "--existing",
        action="store_true",
        help="time on the published entries the database already holds (e.g. bench/pages.py's"
        " corpus) instead of generating this benchmark's own",
    )
    parser.add_argument(
        "--no-compare",
        action="store_true",
        help="time related_entries() only, not taggit's similar_objects() (80-100x slower)",
    )
    parser.add_argument(
        "--first-pass",
        type=int,
        default=related.FIRST_PASS_POSTINGS,
        help="tuning: postings read before the first scoring pass stops widening",
    )
    parser.add_argument(
        "--first-exact",
        type=int,
        default=related.FIRST_PASS_EXACT,
        help="tuning: best first-pass candidates scored exactly to set the bar",
    )
    args = parser.parse_args()
    if args.entries < 10 or args.tags < 6 or args.samples < 1:
        parser.error("need --entries >= 10, --tags >= 6 and --samples >= 1")

    related.FIRST_PASS_POSTINGS = args.first_pass
    related.FIRST_PASS_EXACT = args.first_exact
    call_command("migrate", verbosity=0)
    vendor = f"{connection.vendor} ({connection.settings_dict['NAME']})"
    if args.existing:
        print(f"Using the entries already on {vendor}")
    elif corpus_size() != (args.entries, args.tags):
        print(f"Generating {args.entries} entries and {args.tags} tags on {vendor} ...")
        started = time.perf_counter()
        generate(args.entries, args.tags)
        print(f"  done in {time.perf_counter() - started:.0f} s")
    else:
        print(f"Reusing the corpus of {args.entries} entries on {vendor}")
    print(f"  {Entry.objects.count()} entries, {TaggedEntry.objects.count()} tag links in all")

    rng = random.Random(SEED + args.samples)
    live = Entry.objects.published()
    if not args.existing:
        live = live.filter(slug__startswith=PREFIX)
    live_ids = list(live.values_list("pk", flat=True))
    sample = [Entry.objects.get(pk=pk) for pk in rng.sample(live_ids, args.samples)]

    cold, theirs, failures = [], [], 0
    for entry in sample:
        # Cold cache, emptied outside the timed region (N and df come from the trigger-kept
        # count tables, which no cache holds).
        bump_related_version()
        cold.append(timed(lambda e=entry: related_entries(e)))
        if args.no_compare:
            continue
        try:
            theirs.append(timed(lambda e=entry: e.tags.similar_objects()))
        except DatabaseError as error:  # e.g. SQLite's limit on query parameters
            failures += 1
            last_error = error

    def line(name: str, values: list[float]) -> str:
        return (
            f"{name:<40} median {statistics.median(values):8.1f} ms"
            f"   p95 {percentile(values, 0.95):8.1f} ms   (n={len(values)})"
        )

    print(line("related_entries() cold cache", cold))
    if theirs:
        print(line("taggit similar_objects()", theirs))
        print(
            "ratio similar_objects / related_entries:"
            f" median {statistics.median(theirs) / statistics.median(cold):.1f}x,"
            f" p95 {percentile(theirs, 0.95) / percentile(cold, 0.95):.1f}x"
        )
    if failures:
        print(f"similar_objects() failed on {failures} of {len(sample)} entries: {last_error}")
        print("  (its figures above cover only the entries where it ran)")
    if args.explain:
        by_time = sorted(zip(cold, sample, strict=True), key=lambda pair: pair[0])
        entry = by_time[round(0.95 * (len(by_time) - 1))][1]
        print(f"\nPlan for entry {entry.pk} (the p95 sample):")
        explain(entry)


if __name__ == "__main__":
    main()
