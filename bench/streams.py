"""Streams: what open live-update streams cost the pages, and what the serving model costs.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/newsroom_streams python bench/streams.py \
        [--streams 1000] [--duration 20] [--connections 8] [--workers N] [--rounds 2]

Serves the demo content with the production command (gunicorn, newsroom/gunicorn.conf.py, the
ASGI worker, production settings, the page cache in Redis database 12 of 127.0.0.1:6379), and
drives wrk over a page mix: the home page from the page cache, and an entry page rendered on
every request (sent with a session cookie, which the page cache never serves). Then:

1. Idle cost: the CPU time and memory of the workers over `--idle-seconds` with no request,
   with no stream and then with `--streams` streams open (heartbeats and the hub's reads only).
2. Streams: the mix with no stream open, then with `--streams` idle streams held open on
   /live/ and /stories/<slug>/live/ by a separate asyncio client (production heartbeat and idle
   settings), same duration, interleaved `--rounds` times. Prints req/s, p95 and the slowdown.
3. Serving model: the same mix with no stream, under the ASGI worker (newsroom.asgi) and the
   old sync worker (newsroom.wsgi), interleaved `--rounds` times.

Prints `uptime` before and after: other work on the machine moves the figures. wrk comes from
the system (`apt-get install wrk`); the client raises its own open-file limit.
"""

import argparse
import asyncio
import os
import re
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

# bench/ is on sys.path (above); mypy knows bench/_site.py as bench._site.
from _site import (  # type: ignore[import-not-found]
    free_port,
    manage,
    page_urls,
    prepare,
    production_env,
    start_gunicorn,
    stop,
)

REDIS_URL = "redis://127.0.0.1:6379/12"
MIX = """
counter = 0
request = function()
  counter = counter + 1
  if counter %% 2 == 0 then
    return wrk.format("GET", "%s")
  end
  return wrk.format("GET", "%s", {["Cookie"] = "sessionid=bench-not-signed-in"})
end
done = function(summary, latency, requests)
  io.write(string.format("P95_US %%d\\n", latency:percentile(95)))
end
"""


def uptime() -> str:
    return subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip()


def wrk(port: int, script: str, duration: int, connections: int) -> tuple[float, float, int]:
    """(req/s, p95 ms, failures: non-2xx/3xx answers and socket errors) of one run."""
    out = subprocess.run(
        [
            *("wrk", "-t2", f"-c{connections}", f"-d{duration}s", "--timeout", "10s"),
            *("-s", script),
            f"http://127.0.0.1:{port}/",
        ],
        capture_output=True,
        text=True,
    ).stdout
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]
    p95 = int(re.search(r"P95_US (\d+)", out).group(1)) / 1000  # type: ignore[union-attr]
    bad = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    errors = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    failed = (int(bad.group(1)) if bad else 0) + (
        sum(int(n) for n in errors.groups()) if errors else 0
    )
    return rate, p95, failed


async def hold(port: int, paths: list[str], count: int) -> None:
    """Open `count` streams over `paths` in turn; print "ready N" once each has its first line,
    then keep reading (heartbeats) until killed."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (max(soft, min(hard, count + 256)), hard))

    async def one(n: int) -> asyncio.StreamReader:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        path = paths[n % len(paths)]
        writer.write(
            f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: text/event-stream\r\n\r\n".encode()
        )
        await writer.drain()
        status = await reader.readline()
        assert b" 200 " in status, status
        while (await reader.readline()).strip():
            pass  # headers
        for _ in range(3):  # the chunk's size, then the retry hint that opens every stream
            if (await reader.readline()).startswith(b"retry:"):
                break
        else:
            raise AssertionError(f"{path}: no retry hint")
        return reader

    readers = []
    for start in range(0, count, 100):  # in batches, as readers arrive
        readers += await asyncio.gather(*(one(n) for n in range(start, min(count, start + 100))))
    print(f"ready {len(readers)}", flush=True)

    async def drain(reader: asyncio.StreamReader) -> None:
        while await reader.read(4096):
            pass

    await asyncio.gather(*(drain(r) for r in readers))


def start_holding(port: int, paths: list[str], count: int) -> subprocess.Popen:
    client = subprocess.Popen(
        [sys.executable, __file__, "--hold", str(count), "--port", str(port), *paths],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert client.stdout is not None
    line = client.stdout.readline()
    if not line.startswith(f"ready {count}"):
        client.kill()
        sys.exit(f"the stream client did not open {count} streams: {line!r}")
    return client


def workers_of(master: int) -> list[int]:
    children = Path(f"/proc/{master}/task/{master}/children").read_text().split()
    return [int(pid) for pid in children]


def cpu_and_memory(pids: list[int]) -> tuple[float, float]:
    """(CPU seconds used so far, resident MB now) of `pids` together, from /proc."""
    ticks = os.sysconf("SC_CLK_TCK")
    page = os.sysconf("SC_PAGE_SIZE")
    cpu = rss = 0.0
    for pid in pids:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        cpu += (int(fields[11]) + int(fields[12])) / ticks  # utime + stime
        rss += int(Path(f"/proc/{pid}/statm").read_text().split()[1]) * page / 2**20
    return cpu, rss


def idle_cost(master: int, seconds: int) -> tuple[float, float]:
    """(CPU % of one core, resident MB) the workers use over `seconds` with no page request."""
    pids = workers_of(master)
    before, _ = cpu_and_memory(pids)
    time.sleep(seconds)
    after, rss = cpu_and_memory(pids)
    return (after - before) / seconds * 100, rss


def slowdown(base: list[float], other: list[float]) -> float:
    return (1 - statistics.mean(other) / statistics.mean(base)) * 100


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--streams", type=int, default=1000)
    parser.add_argument("--duration", type=int, default=20, help="seconds per wrk run")
    parser.add_argument("--connections", type=int, default=8, help="wrk connections")
    parser.add_argument("--workers", type=int, default=0, help="gunicorn workers (0: 2×CPUs+1)")
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument(
        "--idle-seconds", type=int, default=30, help="window of the idle cost (0: skip it)"
    )
    parser.add_argument("--hold", type=int, default=0, help=argparse.SUPPRESS)
    parser.add_argument("--port", type=int, default=0, help=argparse.SUPPRESS)
    options, rest = parser.parse_known_args()
    if options.hold:
        asyncio.run(hold(options.port, rest, options.hold))
        return 0
    database_url = os.environ.get("DATABASE_URL", "")
    if not database_url.startswith("postgres"):
        sys.exit("Set DATABASE_URL to a PostgreSQL database (it is migrated and filled).")
    if not shutil.which("wrk"):
        sys.exit("wrk is not installed (apt-get install wrk).")
    import redis

    redis.Redis.from_url(REDIS_URL).flushdb()
    env = production_env(database_url, REDIS_URL, GUNICORN_ACCESS_LOG="")
    manage(env, "migrate", "--noinput", "-v0")
    count = "from events.models import Entry; print(Entry.objects.count())"
    if manage(env, "shell", "-c", count).strip().splitlines()[-1] == "0":
        prepare(env)  # the demo content
    else:
        manage(env, "collectstatic", "--noinput", "-v0")
    urls = page_urls(env)
    slug = (
        manage(
            env,
            "shell",
            "-c",
            "from stories.models import Story; "
            "print(Story.objects.public().exclude(status='concluded')"
            ".values_list('slug', flat=True).first())",
        )
        .strip()
        .splitlines()[-1]
    )
    streams = ["/live/", f"/stories/{slug}/live/"]
    workers = options.workers or (len(os.sched_getaffinity(0)) * 2 + 1)
    log = Path(tempfile.mkdtemp(prefix="bench-streams-")) / "gunicorn.log"
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as lua:
        lua.write(MIX % ("/", urls["entry"]))
    print(f"page mix: / (page cache) and {urls['entry']} (rendered each time); streams {streams}")
    print(f"gunicorn workers: {workers}; wrk -t2 -c{options.connections} -d{options.duration}s")
    print(f"load before: {uptime()}")

    failures: dict[str, int] = {}

    def run(port: int, key: str = "warm-up") -> tuple[float, float]:
        rate, p95, failed = wrk(port, lua.name, options.duration, options.connections)
        failures[key] = failures.get(key, 0) + failed
        return rate, p95

    results: dict[str, list[tuple[float, float]]] = {}
    port = free_port()
    server = start_gunicorn(env, port, log, workers=workers)
    idle: dict[str, tuple[float, float]] = {}
    try:
        run(port)  # warm-up: caches, connections, imports
        if options.idle_seconds:
            idle["0 streams"] = idle_cost(server.pid, options.idle_seconds)
            client = start_holding(port, streams, options.streams)
            try:
                idle[f"{options.streams} streams"] = idle_cost(server.pid, options.idle_seconds)
            finally:
                client.kill()
                client.wait()
            time.sleep(2)
        for _ in range(options.rounds):
            results.setdefault("asgi, 0 streams", []).append(run(port, "asgi, 0 streams"))
            client = start_holding(port, streams, options.streams)
            time.sleep(2)
            try:
                key = f"asgi, {options.streams} streams"
                results.setdefault(key, []).append(run(port, key))
            finally:
                client.kill()
                client.wait()
            time.sleep(2)
    finally:
        stop(server)
    for _ in range(options.rounds):
        for worker_class in ("sync", ""):
            port = free_port()
            server = start_gunicorn(env, port, log, workers=workers, worker_class=worker_class)
            try:
                run(port)
                key = "sync (wsgi), 0 streams" if worker_class else "asgi, 0 streams (model)"
                results.setdefault(key, []).append(run(port, key))
            finally:
                stop(server)
    print(f"load after: {uptime()}")
    for key, (cpu, rss) in idle.items():
        print(
            f"idle cost, {key}: the {workers} workers used {cpu:.2f} % of one core over "
            f"{options.idle_seconds} s, {rss:.0f} MB resident in all"
        )
    print(f"{'server':32} {'req/s (each run)':>24} {'p95 ms (each run)':>22} {'failed':>7}")
    for key, runs in results.items():
        each_rate = " ".join(f"{r:8.1f}" for r, _ in runs)
        each_p95 = " ".join(f"{p:8.1f}" for _, p in runs)
        print(f"{key:32} {each_rate:>24} {each_p95:>22} {failures.get(key, 0):>7}")
    print("failed: non-2xx/3xx answers and socket errors (wrk --timeout 10s), all runs of a row")

    def rates(key: str) -> list[float]:
        return [r for r, _ in results[key]]

    held = f"asgi, {options.streams} streams"
    print(
        f"streams: {options.streams} idle streams slow the mix by "
        f"{slowdown(rates('asgi, 0 streams'), rates(held)):.1f} % (req/s, mean of rounds)"
    )
    print(
        "serving model: asgi is "
        f"{slowdown(rates('sync (wsgi), 0 streams'), rates('asgi, 0 streams (model)')):.1f} % "
        "slower than sync with no stream (req/s, mean of rounds; negative: faster)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
