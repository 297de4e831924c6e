"""Outage drill: kill and restart a throwaway PostgreSQL and Redis under light load.

    python drills/outage.py          # run by `make drill` and by .ci/run; about a minute

Starts its own PostgreSQL cluster (initdb, pg_ctl; as the postgres user when run as root) and
its own redis-server, each on a spare port in a temporary directory, serves the demo content
with gunicorn and newsroom.settings.production, keeps four readers requesting pages, and checks
points 3 and 4 of the hardening issue against real processes:

1. Redis killed: every page keeps answering 200; Redis restarted: still 200.
2. PostgreSQL stopped (immediate shutdown): pages answer 503 with Retry-After, never 500 and never
   a dropped connection; the log has a few outage lines and no traceback.
3. PostgreSQL started again: pages answer 200 without restarting gunicorn.

Exits non-zero with the reason when a check fails. Nothing outside the temporary directory is
touched (the developer's and CI's PostgreSQL and Redis are not used).
"""

import collections
import contextlib
import os
import pwd
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "bench"))

# bench/ is on sys.path (above); mypy knows bench/_site.py as bench._site.
from _site import free_port, get, page_urls, prepare, production_env, start_gunicorn, stop  # type: ignore[import-not-found]

PG_BIN = Path(os.environ.get("PG_BIN", "/usr/lib/postgresql/15/bin"))
OUTAGE_SECONDS = 8


def as_postgres(args: list[str]) -> list[str]:
    """PostgreSQL refuses to run as root: run its tools as the postgres user then."""
    return ["runuser", "-u", "postgres", "--", *args] if os.geteuid() == 0 else args


class Postgres:
    def __init__(self, root: Path):
        self.data = root / "pgdata"
        self.port = free_port()
        self.log = root / "postgres.log"

    def run(self, *args: str) -> None:
        subprocess.run(
            as_postgres([str(PG_BIN / args[0]), *args[1:]]),
            check=True,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.STDOUT,
        )

    def init(self) -> None:
        self.data.mkdir()
        if os.geteuid() == 0:
            pw = pwd.getpwnam("postgres")
            for path in (self.data, self.data.parent):
                os.chown(path, pw.pw_uid, pw.pw_gid)
        self.run("initdb", "-D", str(self.data), "-U", "postgres", "--auth=trust", "-E", "UTF8")

    def start(self) -> None:
        options = f"-p {self.port} -k {self.data} -c listen_addresses=127.0.0.1 -c fsync=off"
        self.run("pg_ctl", "-D", str(self.data), "-l", str(self.log), "-o", options, "-w", "start")

    def stop(self) -> None:
        self.run("pg_ctl", "-D", str(self.data), "-m", "immediate", "-w", "stop")

    @property
    def url(self) -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/drill"


class Redis:
    def __init__(self, root: Path):
        self.port = free_port()
        self.dir = root
        self.proc: subprocess.Popen | None = None

    def start(self) -> None:
        self.proc = subprocess.Popen(
            [
                "redis-server",
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                str(self.dir),
            ],
            stdout=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            done = subprocess.run(
                ["redis-cli", "-p", str(self.port), "ping"], capture_output=True, text=True
            )
            if done.stdout.strip() == "PONG":
                return
            time.sleep(0.1)
        sys.exit("redis-server did not start")

    def kill(self) -> None:
        if self.proc:
            self.proc.kill()
            self.proc.wait()


class Readers:
    """Four threads requesting the pages in turn; every answer is recorded with its phase."""

    def __init__(self, port: int, paths: list[str]):
        self.port, self.paths = port, paths
        self.phase = "start"
        self.seen: list[tuple[str, int, bool]] = []  # (phase, status, has Retry-After)
        self.running = True
        self.threads = [threading.Thread(target=self.read, args=(i,)) for i in range(4)]

    def read(self, offset: int) -> None:
        n = offset
        while self.running:
            path = self.paths[n % len(self.paths)]
            if n % 2 and "?" not in path:
                # A URL no reader asked for yet: the shared page cache cannot answer it, so the
                # page is rendered (and, without the database, refused with a 503).
                path = f"{path}?drill={n}"
            status, headers = get(self.port, path, timeout=15)
            self.seen.append((self.phase, status, "Retry-After" in headers))
            n += 1
            time.sleep(0.05)

    def statuses(self, phase: str) -> collections.Counter:
        return collections.Counter(status for p, status, _ in self.seen if p == phase)


def check(condition: bool, message: str, failures: list[str]) -> None:
    print(("ok   " if condition else "FAIL ") + message, flush=True)
    if not condition:
        failures.append(message)


def main() -> int:
    for tool in (PG_BIN / "initdb", PG_BIN / "pg_ctl"):
        if not tool.exists():
            sys.exit(f"{tool} not found (set PG_BIN to PostgreSQL's bin directory)")
    if not shutil.which("redis-server"):
        sys.exit("redis-server not found")
    started = time.monotonic()
    failures: list[str] = []
    with tempfile.TemporaryDirectory(prefix="newsroom-drill-") as tmp:
        root = Path(tmp)
        postgres, redis = Postgres(root), Redis(root)
        postgres.init()
        postgres.start()
        redis.start()
        server = readers = None
        try:
            subprocess.run(
                as_postgres(
                    [
                        str(PG_BIN / "createdb"),
                        "-h",
                        "127.0.0.1",
                        "-p",
                        str(postgres.port),
                        "-U",
                        "postgres",
                        "drill",
                    ]
                ),
                check=True,
            )
            env = production_env(
                postgres.url,
                f"redis://127.0.0.1:{redis.port}/0",
                OUTAGE_RETRY_AFTER="7",
                # Refused connections fail at once; the bound only matters on a loaded machine.
                DB_CONNECT_TIMEOUT="5",
                CACHE_RETRY_SECONDS="2",
                LOG_LEVEL="INFO",
            )
            prepare(env)
            paths = [*page_urls(env).values(), "/readyz"]
            port = free_port()
            log = root / "gunicorn.log"
            server = start_gunicorn(env, port, log, workers=2)
            readers = Readers(port, paths[:-1])
            for thread in readers.threads:
                thread.start()

            def phase(name: str, seconds: float) -> None:
                readers.phase = name
                time.sleep(seconds)

            phase("steady", 4)
            readers.phase = "redis down"
            redis.kill()
            phase("redis down", OUTAGE_SECONDS)
            redis_down_ready = get(port, "/readyz")[0]
            redis.start()
            phase("redis back", 4)
            log_before = log.read_text(errors="replace")
            readers.phase = "database down"  # before the stop: requests fail while it stops
            postgres.stop()
            phase("database down", OUTAGE_SECONDS)
            db_down_ready = get(port, "/readyz")[0]
            postgres.start()
            readers.phase = "database back"
            deadline = time.monotonic() + 20
            recovered_after = None
            while time.monotonic() < deadline:
                if all(get(port, path)[0] == 200 for path in paths):
                    recovered_after = time.monotonic() - (deadline - 20)
                    break
                time.sleep(0.2)
            phase("database back", 2)
            readers.running = False
            for thread in readers.threads:
                thread.join()
            outage_log = log.read_text(errors="replace")[len(log_before) :]
        finally:
            if readers:
                readers.running = False
            if server:
                stop(server)
            redis.kill()
            with contextlib.suppress(subprocess.CalledProcessError):  # already stopped
                postgres.stop()
        for name in ("steady", "redis down", "redis back"):
            counts = readers.statuses(name)
            check(
                set(counts) == {200} and counts[200] > 5,
                f"{name}: pages answer 200 {dict(counts)}",
                failures,
            )
        check(
            redis_down_ready == 503,
            f"redis down: /readyz says 503 (got {redis_down_ready})",
            failures,
        )
        counts = readers.statuses("database down")
        check(
            counts[503] > 5 and set(counts) <= {200, 503},
            f"database down: 503s (200s are the page cache's copies), no 500 and no dropped "
            f"connection {dict(counts)}",
            failures,
        )
        with_retry = [
            has for p, status, has in readers.seen if p == "database down" and status == 503
        ]
        check(
            all(with_retry),
            f"database down: every 503 has Retry-After ({len(with_retry)})",
            failures,
        )
        check(
            db_down_ready == 503, f"database down: /readyz says 503 (got {db_down_ready})", failures
        )
        lines = [line for line in outage_log.splitlines() if line.strip()]
        check(
            "Traceback" not in outage_log and len(lines) <= 20,
            f"database outage: {len(lines)} log lines, no traceback",
            failures,
        )
        check(
            recovered_after is not None,
            f"database back: every page 200 again without a restart "
            f"({recovered_after and round(recovered_after, 1)} s after start)",
            failures,
        )
        if failures:
            print("gunicorn log of the outage:\n" + outage_log[-3000:])
    print(f"drill took {time.monotonic() - started:.0f} s; {len(failures)} failure(s)")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
