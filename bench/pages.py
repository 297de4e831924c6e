"""Benchmark every public page: served by gunicorn, driven by wrk, against the ceiling.

    DATABASE_URL=postgres://... python bench/pages.py [--entries 100000] [--duration 10]
        [--connections 32] [--modes uncached,cached] [--server-time 30] [--explain] [--sql-build]
        [--cached-server-time 200] [--accept-encoding "gzip, br"]

Builds the corpus with bench/import.py's generator through import_events, or with --sql-build
the same rows by set-based SQL (bench/_sql_corpus.py, PostgreSQL; minutes instead of hours at
1,000,000), or reuses it when the database already holds exactly --entries entries; collects
static files, then for each mode starts gunicorn with our gunicorn.conf.py and production
settings (plus BENCH_CEILING_VIEW for the ceiling, a trivial view behind the same middleware)
and runs `wrk -t2 -c<connections> -d<duration>s --latency` on each page after a short warm-up.
"cached" sets REDIS_URL (a throwaway redis-server) so the shared page cache serves anonymous
readers. --accept-encoding sends that Accept-Encoding header with every request (wrk -H), as a
browser does (and the in-process hits of --cached-server-time); without it, requests ask for
no coding.

Prints req/s, p50, p99 and the share of the ceiling, measured right before each page (half
the duration, at least 3 s) because on a shared machine the ceiling moves during a run. With
--server-time N it also times each page N times in-process (Django's test client, uncached,
DEBUG off) and prints the median and p95 of the server time and the page's slowest query;
--explain adds that query's EXPLAIN (ANALYZE, BUFFERS) on PostgreSQL. With
--cached-server-time N it times N page-cache hits of each page in-process (a throwaway
redis-server), with the page's purge times read in the same round trip as the page and in a
second one. Installs nothing: wrk comes from the system (`apt-get install wrk` on Debian).
"""

import argparse
import importlib.util
import os
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "newsroom.settings.dev")

spec = importlib.util.spec_from_file_location("bench_import", ROOT / "bench" / "import.py")
assert spec is not None and spec.loader is not None
bench_import = importlib.util.module_from_spec(spec)
spec.loader.exec_module(bench_import)  # sets Django up, DEBUG off
spec = importlib.util.spec_from_file_location("sql_corpus", ROOT / "bench" / "_sql_corpus.py")
assert spec is not None and spec.loader is not None
sql_corpus = importlib.util.module_from_spec(spec)
spec.loader.exec_module(sql_corpus)

from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from events.models import Entry  # noqa: E402
from reading.sitemaps import URLS_PER_PAGE  # noqa: E402
from tests.hardening_support import free_port, redis_server  # noqa: E402

# A spare port, and a throwaway redis-server for the cached runs: other runs on the machine
# keep theirs.
PORT = free_port()


def pages(only: str | None = None) -> list[tuple[str, str]]:
    """(name, path) of every public page kind, picked from the corpus, the ceiling first; with
    `only` (names or paths, comma-separated), the ceiling and those pages."""
    every = _every_page()
    if not only:
        return every
    wanted = set(only.split(","))
    return [every[0]] + [page for page in every[1:] if page[0] in wanted or page[1] in wanted]


def _every_page() -> list[tuple[str, str]]:
    entry = Entry.objects.published().order_by("-event_date", "-id")[1000]
    day = entry.event_date
    # Sitemap entry pages are blocks of ids: the one holding that entry, and the last one.
    block = URLS_PER_PAGE
    last_id = Entry.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    return [
        ("ceiling (trivial view)", "/bench/ceiling/"),
        ("/", "/"),
        ("/events/", "/events/"),
        ("/events/?tag=<popular tag>", "/events/?tag=topic-7"),
        ("/events/?q=<word in every entry>", "/events/?q=happens"),
        ("/events/?q=<rare word>", f"/events/?q={entry.pk * 7}"),
        ("/tags/<tag>/", "/tags/topic-7/"),
        ("/sources/<publisher>/", "/sources/publisher-7/"),
        ("year archive", f"/{day:%Y}/"),
        ("month archive", f"/{day:%Y/%m}/"),
        ("day archive", f"/{day:%Y/%m/%d}/"),
        ("RSS", "/feeds/rss/"),
        ("tag RSS", "/tags/topic-7/rss/"),
        ("sitemap index", "/sitemap.xml"),
        ("sitemap entries page", f"/sitemap-entries.xml?p={(entry.pk - 1) // block + 1}"),
        ("sitemap entries last page", f"/sitemap-entries.xml?p={max(last_id - 1, 0) // block + 1}"),
        ("entry page", entry.get_absolute_url()),
    ]


def build_corpus(count: int, *, sql: bool = False) -> None:
    call_command("migrate", verbosity=0)
    if Entry.objects.count() == count:
        print(f"Reusing the corpus of {count} entries")
        return
    how = "by set-based SQL" if sql else "through import_events"
    print(f"Building a corpus of {count} entries {how} ...", flush=True)
    started = time.perf_counter()
    bench_import.empty_tables()
    if sql:
        with transaction.atomic(), connection.cursor() as cursor:
            sql_corpus.build(cursor, count)
    else:
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / "entries.jsonl"
            bench_import.generate(path, count)
            call_command("import_events", str(path), verbosity=0)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("VACUUM ANALYZE")
    print(f"  built in {time.perf_counter() - started:.0f} s", flush=True)


def server_env(cached: bool, redis_url: str = "") -> dict[str, str]:
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "newsroom.settings.production",
        "SECRET_KEY": "bench-only-secret-key-not-for-production-0123456789",
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "SECURE_SSL_REDIRECT": "0",
        "BENCH_CEILING_VIEW": "1",
        "GUNICORN_BIND": f"127.0.0.1:{PORT}",
        "GUNICORN_ACCESS_LOG": "",
        "LOG_LEVEL": "WARNING",
    }
    env.pop("REDIS_URL", None)
    if cached:
        env["REDIS_URL"] = redis_url
    return env


def start_server(env: dict[str, str]) -> subprocess.Popen:
    # GUNICORN_WORKER_CLASS=sync measures the WSGI model (newsroom.wsgi) for comparison.
    app = "newsroom.wsgi" if env.get("GUNICORN_WORKER_CLASS") == "sync" else "newsroom.asgi"
    process = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "-c", "newsroom/gunicorn.conf.py", app],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    deadline = time.time() + 30
    while time.time() < deadline:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{PORT}/bench/ceiling/", timeout=2):
                return process
        except OSError:
            time.sleep(0.3)
    stop_server(process)
    raise SystemExit("gunicorn did not start")


def stop_server(process: subprocess.Popen) -> None:
    os.killpg(process.pid, signal.SIGTERM)
    process.wait(timeout=30)
    while True:  # wait for the port to be free again
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", PORT)) != 0:
                return
        time.sleep(0.2)


def found(pattern: str, text: str) -> re.Match:
    """The match of `pattern` in wrk's output; wrk always prints these lines."""
    match = re.search(pattern, text)
    assert match is not None, f"no {pattern!r} in wrk's output"
    return match


def to_ms(text: str) -> float:
    value, unit = found(r"^([\d.]+)(us|ms|s)$", text).groups()
    return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]


def run_wrk(path: str, *, duration: int, connections: int, accept_encoding: str = "") -> dict:
    url = f"http://127.0.0.1:{PORT}{path}"
    headers = {"Accept-Encoding": accept_encoding} if accept_encoding else {}
    for _ in range(3):  # warm-up: connections, caches, the first compile of each query
        urllib.request.urlopen(urllib.request.Request(url, headers=headers), timeout=60).read()
    extra = [f"-HAccept-Encoding: {accept_encoding}"] if accept_encoding else []
    out = subprocess.run(
        [
            *("wrk", "-t2", f"-c{connections}", f"-d{duration}s", "--timeout", "10s", "--latency"),
            *extra,
            url,
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    rate = float(found(r"Requests/sec:\s+([\d.]+)", out).group(1))
    p50 = found(r"\s50%\s+(\S+)", out).group(1)
    p99 = found(r"\s99%\s+(\S+)", out).group(1)
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    timeouts = re.search(r"timeout (\d+)", out)
    return {
        "rate": rate,
        "p50": to_ms(p50),
        "p99": to_ms(p99),
        "errors": int(errors.group(1)) if errors else 0,
        "timeouts": int(timeouts.group(1)) if timeouts else 0,
    }


def load_test(targets, *, cached: bool, **options) -> None:
    if cached:
        with redis_server() as redis:
            _load_test(targets, redis.url, **options)
    else:
        _load_test(targets, "", **options)


def _load_test(
    targets, redis_url: str, *, duration: int, connections: int, accept_encoding: str = ""
) -> None:
    cached = bool(redis_url)
    mode = "cached (REDIS_URL, page cache on)" if cached else "uncached (no REDIS_URL)"
    env = server_env(cached, redis_url)
    process = start_server(env)
    try:
        coding = f", Accept-Encoding: {accept_encoding}" if accept_encoding else ""
        print(f"\n{mode}: wrk -t2 -c{connections} -d{duration}s{coding}, gunicorn.conf.py defaults")
        print(
            f"{'page':<36} {'req/s':>9} {'p50 ms':>9} {'p99 ms':>9}"
            f" {'ceiling req/s':>14} {'share':>7}"
        )
        ceiling_path = targets[0][1]
        for name, path in targets[1:]:
            # The ceiling is measured right before each page: on a shared machine it moves.
            ceiling = run_wrk(
                ceiling_path,
                duration=max(3, duration // 2),
                connections=connections,
                accept_encoding=accept_encoding,
            )
            result = run_wrk(
                path, duration=duration, connections=connections, accept_encoding=accept_encoding
            )
            flags = ""
            if result["errors"] or result["timeouts"]:
                flags = f"  ({result['errors']} non-2xx, {result['timeouts']} timeouts)"
            print(
                f"{name:<36} {result['rate']:9.1f} {result['p50']:9.1f} {result['p99']:9.1f}"
                f" {ceiling['rate']:14.1f} {100 * result['rate'] / ceiling['rate']:6.1f}%{flags}",
                flush=True,
            )
    finally:
        stop_server(process)


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[round(q * (len(ordered) - 1))]


def server_times(targets, *, repeat: int, explain: bool) -> None:
    """Each page rendered `repeat` times in-process: median and p95 server time, slowest query."""
    settings.ALLOWED_HOSTS = ["testserver"]
    settings.PAGE_CACHE = False
    client = Client()
    print(f"\nServer time in-process (uncached, DEBUG off, n={repeat} per page)")
    print(f"{'page':<36} {'median ms':>10} {'p95 ms':>8} {'queries':>8} {'slowest q ms':>13}")
    for name, path in targets[1:]:
        client.get(path)
        times, slowest = [], None
        for _ in range(repeat):
            with CaptureQueriesContext(connection) as queries:
                started = time.perf_counter()
                response = client.get(path)
                times.append((time.perf_counter() - started) * 1000)
            assert response.status_code == 200, (path, response.status_code)
            top = max(queries.captured_queries, key=lambda q: float(q["time"]), default=None)
            if top and (slowest is None or float(top["time"]) > float(slowest["time"])):
                slowest = top
        print(
            f"{name:<36} {statistics.median(times):10.1f} {percentile(times, 0.95):8.1f}"
            f" {len(queries):8d} {1000 * float(slowest['time']) if slowest else 0:13.1f}",
            flush=True,
        )
        if explain and slowest and connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + slowest["sql"])
                plan = "\n".join(f"    {row[0]}" for row in cursor.fetchall())
            print(f"  slowest query of {path}:\n    {slowest['sql'][:600]}\n{plan}\n")


def cached_server_times(targets, *, repeat: int, redis_url: str, accept_encoding: str = "") -> None:
    """Each page served `repeat` times from the page cache in-process: median and p95.

    Against a throwaway Redis. "1 trip" is a hit as served (the page and the purge times of the
    keys this process saw on it in one `get_many`); "2 trips" the same hit in a process that
    never saw the page (`_known_bump_keys` emptied before each), interleaved with it.
    """
    from django.test.utils import override_settings

    from reading import pagecache

    redis = {"BACKEND": "newsroom.cache.ResilientRedisCache", "LOCATION": redis_url}
    client = Client(headers={"Accept-Encoding": accept_encoding} if accept_encoding else None)
    coding = f", Accept-Encoding: {accept_encoding}" if accept_encoding else ""
    print(f"\nServer time in-process, page cache hits (DEBUG off, n={repeat} per page{coding})")
    print(f"{'page':<36} {'1 trip median':>14} {'p95 ms':>8} {'2 trips median':>15} {'p95 ms':>8}")
    with override_settings(
        ALLOWED_HOSTS=["testserver"],
        PAGE_CACHE=True,
        PAGE_INVALIDATION_CHECK_SECONDS=3600,
        CACHES={"default": redis, "counters": redis},
    ):
        for name, path in targets[1:]:
            assert client.get(path).status_code == 200, path  # stored
            one: list[float] = []
            two: list[float] = []
            for _ in range(repeat):
                for times, forget in ((one, False), (two, True)):
                    if forget:
                        pagecache._known_bump_keys.clear()
                    with CaptureQueriesContext(connection) as queries:
                        started = time.perf_counter()
                        client.get(path)
                        times.append((time.perf_counter() - started) * 1000)
                    assert not queries, f"{path} was not served from the cache"
            print(
                f"{name:<36} {statistics.median(one):14.2f} {percentile(one, 0.95):8.2f}"
                f" {statistics.median(two):15.2f} {percentile(two, 0.95):8.2f}",
                flush=True,
            )


def need_wrk() -> None:
    if not shutil.which("wrk"):
        raise SystemExit("wrk is missing: apt-get install wrk (Debian), or pass --modes ''")


def collect_static() -> None:
    """Production settings keep a manifest of hashed static files: build it once per run."""
    subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--noinput", "-v0"],
        cwd=ROOT,
        env=server_env(cached=False),
        check=True,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--entries", type=int, default=100_000)
    parser.add_argument("--duration", type=int, default=10)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--modes", default="uncached,cached")
    parser.add_argument("--only", help="comma-separated page names to run (default: all)")
    parser.add_argument("--server-time", type=int, default=0, metavar="N")
    parser.add_argument("--explain", action="store_true")
    parser.add_argument("--cached-server-time", type=int, default=0, metavar="N")
    parser.add_argument(
        "--accept-encoding", default="", help='Accept-Encoding of the wrk runs, e.g. "gzip, br"'
    )
    parser.add_argument(
        "--sql-build",
        action="store_true",
        help="build a missing corpus with bench/_sql_corpus.py (PostgreSQL) instead of the import",
    )
    args = parser.parse_args()

    build_corpus(args.entries, sql=args.sql_build)
    targets = pages(args.only)
    print(
        f"{Entry.objects.count()} entries on {connection.vendor}",
        f"({connection.settings_dict['NAME']})",
    )
    print("load:", subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip())
    if args.server_time:
        server_times(targets, repeat=args.server_time, explain=args.explain)
    if args.cached_server_time:
        with redis_server() as redis:
            cached_server_times(
                targets,
                repeat=args.cached_server_time,
                redis_url=redis.url,
                accept_encoding=args.accept_encoding,
            )
    modes = [m for m in args.modes.split(",") if m]
    if modes:
        need_wrk()
        collect_static()
    for mode in modes:
        load_test(
            targets,
            cached=mode == "cached",
            duration=args.duration,
            connections=args.connections,
            accept_encoding=args.accept_encoding,
        )
    print("load:", subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip())


if __name__ == "__main__":
    main()
