"""Outage drill: kill and restart a throwaway PostgreSQL and Redis under light load.

    python drills/outage.py          # run by `make drill` and by .ci/run; about two minutes

Starts its own PostgreSQL cluster (initdb, pg_ctl; as the postgres user when run as root) and
its own redis-server, each on a spare port in a temporary directory, serves the demo content
with gunicorn and newsroom.settings.production, keeps four readers requesting pages, and checks
points 3 and 4 of the hardening issue and the page cache's staleness bound against real processes:

1. Redis killed: every page keeps answering 200; Redis restarted: still 200.
2. PostgreSQL stopped (immediate shutdown): pages answer 503 with Retry-After, never 500 and never
   a dropped connection; the log has a few outage lines and no traceback.
3. PostgreSQL started again: pages answer 200 without restarting gunicorn.
4. Redis hung (SIGSTOP) while an editor unpublishes a cached entry on the desk: once Redis
   answers again (SIGCONT), readers get 404 within 10 s, never the withdrawn page after that.
5. A correction made by a command run without REDIS_URL (its cache is its own memory): readers
   of the servers, which share Redis, get the corrected page within 10 s.

Exits non-zero with the reason when a check fails. Nothing outside the temporary directory is
touched (the developer's and CI's PostgreSQL and Redis are not used).
"""

import collections
import contextlib
import http.cookies
import json
import os
import pwd
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "bench"))

# bench/ is on sys.path (above); mypy knows bench/_site.py as bench._site.
from _site import (  # type: ignore[import-not-found]
    free_port,
    get,
    manage,
    page_urls,
    prepare,
    production_env,
    start_gunicorn,
    stop,
)

PG_BIN = Path(os.environ.get("PG_BIN", "/usr/lib/postgresql/15/bin"))
OUTAGE_SECONDS = 8
# How long after a commit and Redis answering again a reader may still get the old page.
STALE_BOUND_SECONDS = 10
EDITOR, EDITOR_PASSWORD = "drill-editor", "drill-editor-password-1"


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

    def pause(self) -> None:
        """SIGSTOP: the server hangs with every connection open (it neither answers nor refuses)."""
        if self.proc:
            self.proc.send_signal(signal.SIGSTOP)

    def resume(self) -> None:
        if self.proc:
            self.proc.send_signal(signal.SIGCONT)

    def kill(self) -> None:
        if self.proc:
            self.resume()
            self.proc.kill()
            self.proc.wait()


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


class Desk:
    """An editor's browser on the admin: keeps its cookies (Secure ones too, over plain HTTP)."""

    def __init__(self, port: int):
        self.base = f"http://127.0.0.1:{port}"
        self.cookies: dict[str, str] = {}
        self.opener = urllib.request.build_opener(_NoRedirect)

    def request(self, path: str, data: dict | None = None) -> int:
        body = urllib.parse.urlencode(data, doseq=True).encode() if data is not None else None
        request = urllib.request.Request(self.base + path, data=body)
        if self.cookies:
            request.add_header("Cookie", "; ".join(f"{k}={v}" for k, v in self.cookies.items()))
        try:
            response = self.opener.open(request, timeout=30)
        except urllib.error.HTTPError as error:
            response = error
        for header in response.headers.get_all("Set-Cookie") or []:
            for name, morsel in http.cookies.SimpleCookie(header).items():
                self.cookies[name] = morsel.value
        response.read()
        return response.status

    def sign_in(self) -> None:
        self.request("/admin/login/")
        status = self.request(
            "/admin/login/?next=/admin/",
            {
                "username": EDITOR,
                "password": EDITOR_PASSWORD,
                "csrfmiddlewaretoken": self.cookies.get("csrftoken", ""),
                "next": "/admin/",
            },
        )
        if status != 302 or "sessionid" not in self.cookies:
            sys.exit(f"the drill's editor could not sign in (HTTP {status})")

    def unpublish(self, entry_id: int) -> int:
        return self.request(
            "/admin/events/entry/",
            {
                "action": "move_to_draft",
                "_selected_action": [str(entry_id)],
                "csrfmiddlewaretoken": self.cookies["csrftoken"],
            },
        )


def desk_fixtures(env: dict[str, str], taken: str) -> dict:
    """An editor account and two live entries other than `taken` (the readers' entry)."""
    code = (
        "import json; from django.contrib.auth import get_user_model; "
        "from events.models import Entry; "
        f"get_user_model().objects.create_superuser({EDITOR!r}, 'drill@example.invalid', "
        f"{EDITOR_PASSWORD!r}); "
        "entries = [e for e in Entry.objects.published().order_by('-event_date', 'id')[:10] "
        f"if e.get_absolute_url() != {taken!r}][:2]; "
        "print(json.dumps([{'id': e.pk, 'url': e.get_absolute_url(), "
        "'ref': f'{e.event_date:%Y-%m-%d}/{e.slug}'} for e in entries]))"
    )
    withdrawn, corrected = json.loads(manage(env, "shell", "-c", code).strip().splitlines()[-1])
    return {"withdrawn": withdrawn, "corrected": corrected}


def read_for(port: int, path: str, seconds: float) -> list[tuple[float, int, str]]:
    """(time, status, body) of an anonymous reader's GETs of `path` for `seconds`."""
    started, seen = time.monotonic(), []
    while (elapsed := time.monotonic() - started) < seconds:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=10) as resp:
                seen.append((elapsed, resp.status, resp.read().decode(errors="replace")))
        except urllib.error.HTTPError as error:
            seen.append((elapsed, error.code, error.read().decode(errors="replace")))
        except OSError:
            seen.append((elapsed, 0, ""))
        time.sleep(0.2)
    return seen


def stale_writes(port: int, env: dict[str, str], redis: Redis, fixtures: dict) -> dict:
    """Points 4 and 5: a desk write while Redis hangs, a command's write without Redis."""
    withdrawn, corrected = fixtures["withdrawn"], fixtures["corrected"]
    for entry in (withdrawn, corrected):
        for _ in range(2):  # the second answer comes from the page cache
            get(port, entry["url"])
    desk = Desk(port)
    desk.sign_in()
    redis.pause()
    try:
        unpublished = desk.unpublish(withdrawn["id"])
    finally:
        redis.resume()
    after_pause = read_for(port, withdrawn["url"], STALE_BOUND_SECONDS + 2)

    without_redis = {key: value for key, value in env.items() if key != "REDIS_URL"}
    manage(
        without_redis,
        "correct_entry",
        corrected["ref"],
        "--as",
        EDITOR,
        "--note",
        "Corrected by the outage drill.",
        "--headline",
        "Corrected by the outage drill",
    )
    after_command = read_for(port, corrected["url"], STALE_BOUND_SECONDS + 2)
    return {
        "unpublished": unpublished,
        "after_pause": [(t, status) for t, status, _ in after_pause],
        "after_command": [
            (t, "Corrected by the outage drill" in body) for t, status, body in after_command
        ],
    }


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
            urls = page_urls(env)
            paths = [*urls.values(), "/readyz"]
            fixtures = desk_fixtures(env, urls["entry"])
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
            stale = stale_writes(port, env, redis, fixtures)
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
        check(
            stale["unpublished"] == 302,
            f"redis hung: the desk unpublished an entry (HTTP {stale['unpublished']})",
            failures,
        )
        late = [status for t, status in stale["after_pause"] if t >= STALE_BOUND_SECONDS]
        served = [round(t, 1) for t, status in stale["after_pause"] if status == 200]
        check(
            bool(late) and set(late) == {404},
            f"redis back: the withdrawn entry is 404 within {STALE_BOUND_SECONDS} s "
            f"(last 200 at {served[-1] if served else '-'} s; answers from then on: "
            f"{dict(collections.Counter(late))})",
            failures,
        )
        late = [fresh for t, fresh in stale["after_command"] if t >= STALE_BOUND_SECONDS]
        old = [round(t, 1) for t, fresh in stale["after_command"] if not fresh]
        check(
            bool(late) and all(late),
            f"command without REDIS_URL: its correction is served within {STALE_BOUND_SECONDS} s "
            f"(last old page at {old[-1] if old else '-'} s)",
            failures,
        )
        if failures:
            print("gunicorn log of the outage:\n" + outage_log[-3000:])
    print(f"drill took {time.monotonic() - started:.0f} s; {len(failures)} failure(s)")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
