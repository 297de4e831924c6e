"""Benchmark the busy desk: readers' mix under wrk while a writer saves entries or posts comments.

    DATABASE_URL=postgres://... python bench/desk.py [--entries 100000] [--sql-build]
        [--duration 20] [--connections 32] [--no-varnish] [--rows 2,4,6] [--paired 3]

Builds (or reuses) the corpus as bench/pages.py does, then starts a throwaway redis-server,
gunicorn (our gunicorn.conf.py, production settings, BENCH_CEILING_VIEW) and, unless
--no-varnish or varnishd is missing, varnishd from deploy/varnish/default.vcl in front of it
(EDGE_PURGE=varnish). Readers: wrk over a mix of 1,000 URLs (70 % entry pages skewed toward
the newest, then home, /events/, tag pages of the most used tags, day archives), picked at
random by a Lua script. Writers: a separate process that, every N seconds, saves an entry (a
headline edit, as the desk's save does) or posts a pending comment (the service the comment
form calls). Rows, each direct to gunicorn and through Varnish (--rows picks some):

  1 uncached mix | 2 cached, no writes | 3 cached, an entry saved every 10 s | 4 every 2 s |
  5 cached, a pending comment every 2 s | 6 every 1 s

Each row starts its own gunicorn (and Varnish), measures the ceiling (the trivial view, after a
2 s warm-up of the workers), then warms the mix: every URL once in the cached rows (so a row
measures a warm cache and what the writer purges), 50 URLs otherwise. Only answers that are not
errors count (Varnish answers 503 at once while its probe calls an overloaded gunicorn sick).
Prints req/s, p50, p99 and the share of the ceiling per row, the machine's load before and
after, then the rows as a Markdown table with each target's verdict: the write rows against
the no-write row (raw, and as shares of each row's own ceiling) and Varnish against direct.
With --paired N each write row also alternates N times --duration seconds with the writer
paused (SIGSTOP) and running, the same gunicorn, cache and load around both: on a shared
machine the rate drifts between rows by more than the writes cost, so that ratio is the one to
judge the write targets by. Installs nothing: wrk and Varnish come from the system
(`make varnish` as root on Debian).
"""

import argparse
import contextlib
import importlib.util
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "newsroom.settings.dev")

spec = importlib.util.spec_from_file_location("bench_pages", ROOT / "bench" / "pages.py")
assert spec is not None and spec.loader is not None
bench_pages = importlib.util.module_from_spec(spec)
spec.loader.exec_module(bench_pages)  # sets Django up

from django.db.models import Count  # noqa: E402

from events.models import Entry, TaggedEntry  # noqa: E402
from tests.hardening_support import free_port, redis_server, wait_for_url  # noqa: E402

MIX_SIZE = 1000
PICK = """
paths = {%s}
request = function()
  return wrk.format("GET", paths[math.random(#paths)])
end
"""
WRITER = """
import os, random, sys, time
import django
django.setup()
from comments.services import post_comment
from events.models import Entry
kind, every = sys.argv[1], float(sys.argv[2])
recent = list(Entry.objects.published().order_by("-event_date", "-id")[:200])
print("ready", flush=True)  # started up: wrk may begin
n = 0
while True:
    time.sleep(every)
    n += 1
    entry = random.choice(recent)
    try:
        if kind == "entry":
            entry.headline = entry.headline.rstrip(" .") + ("." if n % 2 else "")
            entry.save()
        else:
            post_comment(entry=entry, name="Bench", email=f"bench{n}@example.com",
                         body=f"Reader comment {n}", ip_address=f"198.51.100.{n % 250 + 1}")
    except Exception as error:  # a refused comment (blocked, rate limit): the next one
        print(error, file=sys.stderr)
"""


def uptime() -> str:
    return subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip()


def reader_mix(seed: int = 24) -> list[str]:
    """1,000 paths: 70 % entry pages skewed toward the newest, the rest lists and archives."""
    rng = random.Random(seed)
    published = Entry.objects.published()
    newest = list(published.order_by("-event_date", "-id")[:2000])
    weights = [1 / (rank + 20) for rank in range(len(newest))]
    entries = [e.get_absolute_url() for e in rng.choices(newest, weights, k=int(MIX_SIZE * 0.7))]
    tags = TaggedEntry.objects.values("tag__slug").annotate(uses=Count("id")).order_by("-uses")[:30]
    days = published.order_by("-event_date").values_list("event_date", flat=True).distinct()[:60]
    others = ["/", "/events/"] * 30
    others += [f"/tags/{tag['tag__slug']}/" for tag in tags] * 3
    others += [f"/{day:%Y/%m/%d}/" for day in days] * 2
    rest = rng.choices(others, k=MIX_SIZE - len(entries))
    mix = entries + rest
    rng.shuffle(mix)
    return mix


def wrk(base: str, script: Path | None, *, path: str, duration: int, connections: int) -> dict:
    command = ["wrk", "-t2", f"-c{connections}", f"-d{duration}s", "--timeout", "10s"]
    command += ["--latency", *(["-s", str(script)] if script else []), f"{base}{path}"]
    out = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    found = bench_pages.found
    errors = bench_pages.re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    total = int(found(r"(\d+) requests in", out).group(1))
    rate = float(found(r"Requests/sec:\s+([\d.]+)", out).group(1))
    failed = int(errors.group(1)) if errors else 0
    return {
        # Answers that were not errors (Varnish answers 503 at once while its probe calls
        # an overloaded gunicorn sick): only those count.
        "rate": rate * (total - failed) / total if total else 0.0,
        "p50": bench_pages.to_ms(found(r"\s50%\s+(\S+)", out).group(1)),
        "p99": bench_pages.to_ms(found(r"\s99%\s+(\S+)", out).group(1)),
        "errors": failed,
    }


def warm(url: str, seconds: float = 90) -> None:
    """GET `url`, retrying while Varnish answers 503.

    Right after a wrk run gunicorn's sync workers still serve the requests wrk left queued, so
    Varnish's health probe (1 s timeout) may call the backend sick for a few seconds.
    """
    deadline = time.monotonic() + seconds
    while True:
        try:
            urllib.request.urlopen(url, timeout=60).read()
            return
        except urllib.error.HTTPError as error:
            if error.code != 503 or time.monotonic() > deadline:
                raise
            time.sleep(0.5)


def paired(
    writer: subprocess.Popen,
    base: str,
    script: Path,
    *,
    rounds: int,
    seconds: int,
    connections: int,
) -> tuple[float, float]:
    """The mix's rate with the writer paused (SIGSTOP) and running, alternated `rounds` times.

    On a shared machine the rate drifts between rows; alternating within one row cancels most
    of the drift. Returns (paused, writing) req/s, each the mean of its rounds.
    """
    paused, writing = [], []
    for _ in range(rounds):
        os.killpg(writer.pid, signal.SIGSTOP)
        paused.append(wrk(base, script, path="/", duration=seconds, connections=connections))
        os.killpg(writer.pid, signal.SIGCONT)
        writing.append(wrk(base, script, path="/", duration=seconds, connections=connections))
    return (
        sum(got["rate"] for got in paused) / rounds,
        sum(got["rate"] for got in writing) / rounds,
    )


@contextlib.contextmanager
def process(command: list[str], env: dict | None = None, *, ready: bool = False):
    """A process for the block; with `ready`, once it printed a first line (it started up)."""
    started = subprocess.Popen(
        command,
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE if ready else subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        if ready:
            assert started.stdout is not None
            started.stdout.readline()
        yield started
    finally:
        started.terminate()
        started.wait(timeout=30)


@contextlib.contextmanager
def site(*, cached: bool, redis_url: str, varnish_url: str):
    port = free_port()
    env = bench_pages.server_env(cached)
    env["GUNICORN_BIND"] = f"127.0.0.1:{port}"
    env.pop("REDIS_URL", None)
    if cached:
        env["REDIS_URL"] = redis_url
    if varnish_url:
        env.update(EDGE_PURGE="varnish", EDGE_PURGE_URLS=varnish_url, EDGE_CACHE_SECONDS="3600")
    command = [sys.executable, "-m", "gunicorn", "-c", "newsroom/gunicorn.conf.py"]
    with process([*command, "newsroom.asgi"], env) as server:
        wait_for_url(f"http://127.0.0.1:{port}/bench/ceiling/")
        yield server, env, port


@contextlib.contextmanager
def varnish(backend_port: int, port: int, directory: str):
    vcl = Path(directory) / "default.vcl"
    shipped = (ROOT / "deploy" / "varnish" / "default.vcl").read_text()
    vcl.write_text(shipped.replace('.port = "8000";', f'.port = "{backend_port}";'))
    command = ["varnishd", "-F", "-a", f"127.0.0.1:{port}", "-f", str(vcl), "-T", "none"]
    command += ["-n", str(Path(directory) / "varnish"), "-s", "malloc,256m", "-j", "none"]
    with process(command):
        wait_for_url(f"http://127.0.0.1:{port}/robots.txt")
        yield f"http://127.0.0.1:{port}"


def _number(value: float) -> str:
    return f"{value:,.0f}"


def markdown(
    results: dict[tuple[str, str], dict], names: list[str], varnish: bool, before: str, after: str
) -> str:
    """The rows as a Markdown table, then each target's verdict (raw and ceiling-normalised)."""
    wheres = ["direct", *(["varnish"] if varnish else [])]
    head = "| readers' mix | " + " | ".join(
        f"{w} req/s | p50 ms | p99 ms | ceiling req/s" for w in wheres
    )
    lines = [head + " |", "|---" + "|---:" * 4 * len(wheres) + "|"]
    for name in names:
        cells = []
        for where in wheres:
            got = results.get((name, where))
            if got is None:
                cells += ["—"] * 4
                continue
            cells += [
                _number(got["rate"]),
                f"{got['p50']:.1f}",
                f"{got['p99']:.1f}",
                _number(got["ceiling"]),
            ]
            if got["errors"]:
                cells[-4] += f" ({got['errors']} non-2xx)"
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    lines += ["", f"Load before: `{before}`; after: `{after}`.", ""]

    def ratio(name: str, where: str, base: str = "cached, no writes") -> str:
        got, ref = results.get((name, where)), results.get((base, where))
        if not got or not ref:
            return "not measured"
        raw = got["rate"] / ref["rate"]
        # The same ratio of shares of the ceiling, which each row measures just before itself.
        shares = (got["rate"] / got["ceiling"]) / (ref["rate"] / ref["ceiling"])
        return f"{100 * raw:.0f} % ({100 * shares:.0f} % of its share of the ceiling)"

    def verdict(name: str, where: str, target: float) -> str:
        got, ref = results.get((name, where)), results.get(("cached, no writes", where))
        if not got or not ref:
            return ""
        return " met" if got["rate"] / ref["rate"] >= target else " **missed**"

    for where in wheres:
        for name, target in (
            ("cached, an entry saved every 2 s", 0.80),
            ("cached, a pending comment every 1 s", 0.95),
        ):
            if (name, where) in results and ("cached, no writes", where) in results:
                lines.append(
                    f"- {where}, {name}: {ratio(name, where)} of the no-write rate"
                    f" (target ≥ {100 * target:.0f} %){verdict(name, where, target)}"
                )
    for (name, where), got in results.items():
        if "paired" in got:
            quiet, busy = got["paired"]
            target = 0.80 if "entry" in name else 0.95
            met = " met" if busy / quiet >= target else " **missed**"
            lines.append(
                f"- {where}, {name}, writer paused and running in turn: {busy:,.0f} against"
                f" {quiet:,.0f} req/s, {100 * busy / quiet:.0f} %"
                f" (target ≥ {100 * target:.0f} %){met}"
            )
    if varnish:
        for name in names[1:]:
            edge, alone = results.get((name, "varnish")), results.get((name, "direct"))
            if edge and alone:
                times = edge["rate"] / alone["rate"]
                met = " met" if times >= 5 else " **missed**"
                lines.append(f"- through Varnish, {name}: {times:.1f}× direct (target ≥ 5×){met}")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--entries", type=int, default=100_000)
    parser.add_argument("--sql-build", action="store_true")
    parser.add_argument("--duration", type=int, default=20)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--no-varnish", action="store_true")
    parser.add_argument("--rows", help="comma-separated row numbers to run (1-6; default: all)")
    parser.add_argument(
        "--paired",
        type=int,
        default=0,
        metavar="N",
        help="in each write row, also alternate N times --duration s with the writer paused and"
        " running (the ratio within one row)",
    )
    args = parser.parse_args()
    if not shutil.which("wrk"):
        raise SystemExit("wrk is missing: apt-get install wrk (Debian), or `make varnish` as root")
    use_varnish = not args.no_varnish and bool(shutil.which("varnishd"))

    bench_pages.build_corpus(args.entries, sql=args.sql_build)
    # Production settings keep a manifest of hashed static files; build it with them.
    subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--noinput", "-v0"],
        cwd=ROOT,
        env=bench_pages.server_env(False),
        check=True,
    )
    mix = reader_mix()
    print(f"{Entry.objects.count()} entries; {len(mix)} URLs in the mix; varnish: {use_varnish}")
    before = uptime()
    print("load before:", before, flush=True)
    rows = [
        ("uncached", False, None),
        ("cached, no writes", True, None),
        ("cached, an entry saved every 10 s", True, ("entry", 10)),
        ("cached, an entry saved every 2 s", True, ("entry", 2)),
        ("cached, a pending comment every 2 s", True, ("comment", 2)),
        ("cached, a pending comment every 1 s", True, ("comment", 1)),
    ]
    names = [name for name, _, _ in rows]
    if args.rows:
        rows = [rows[int(number) - 1] for number in args.rows.split(",")]
    results: dict[tuple[str, str], dict] = {}
    with tempfile.TemporaryDirectory(prefix="newsroom-desk-") as tmp, redis_server() as redis:
        script = Path(tmp) / "mix.lua"
        script.write_text(PICK % ", ".join(f'"{path}"' for path in mix))
        varnish_port = free_port()
        varnish_url = f"http://127.0.0.1:{varnish_port}" if use_varnish else ""
        for name, cached, writer in rows:
            with site(cached=cached, redis_url=redis.url, varnish_url=varnish_url) as (
                _,
                env,
                port,
            ):
                direct = f"http://127.0.0.1:{port}"
                # Every worker imports and connects on its first requests: not part of the ceiling.
                wrk(direct, None, path="/bench/ceiling/", duration=2, connections=args.connections)
                ceiling = wrk(
                    direct, None, path="/bench/ceiling/", duration=5, connections=args.connections
                )
                bases = [("direct", direct)]
                edge = varnish(port, varnish_port, tmp) if use_varnish else contextlib.nullcontext()
                with edge:
                    if use_varnish:
                        bases.append(("varnish", varnish_url))
                    for where, base in bases:
                        # Warm-up: every URL of the mix once when cached (the rows measure a
                        # warm cache and what the writer purges), or connections and queries.
                        paths = sorted(set(mix)) if cached else mix[:50]
                        with ThreadPoolExecutor(4) as pool:
                            list(pool.map(warm, [f"{base}{path}" for path in paths]))
                        code = [sys.executable, "-c", WRITER, *map(str, writer or ())]
                        # The writer's start-up (Django, imports) is not part of the row.
                        # The corpus ends years ago: with the default limit every entry is
                        # closed to comments and each post would be refused.
                        writer_env = {**env, "COMMENTS_CLOSE_AFTER_DAYS": "0"}
                        running = (
                            process(code, writer_env, ready=True)
                            if writer
                            else contextlib.nullcontext()
                        )
                        with running as writing:
                            got = wrk(
                                base,
                                script,
                                path="/",
                                duration=args.duration,
                                connections=args.connections,
                            )
                            if writer and args.paired:
                                assert writing is not None
                                got["paired"] = paired(
                                    writing,
                                    base,
                                    script,
                                    rounds=args.paired,
                                    seconds=args.duration,
                                    connections=args.connections,
                                )
                        got["ceiling"] = ceiling["rate"]
                        results[name, where] = got
                        share = got["rate"] / ceiling["rate"] * 100
                        print(
                            f"{name:38} {where:7} {got['rate']:7.0f} req/s"
                            f"  p50 {got['p50']:6.1f} ms"
                            f"  p99 {got['p99']:7.1f} ms  {share:5.1f} % of the ceiling"
                            f" ({ceiling['rate']:.0f})  non-2xx {got['errors']}",
                            flush=True,
                        )
                        if "paired" in got:
                            quiet, busy = got["paired"]
                            print(
                                f"{'':38} {where:7} paired: {busy:7.0f} req/s writing,"
                                f" {quiet:7.0f} paused: {100 * busy / quiet:5.1f} %",
                                flush=True,
                            )
    after = uptime()
    print("load after:", after)
    print()
    print(markdown(results, names, use_varnish, before, after))


if __name__ == "__main__":
    main()
