"""Load: the site under gunicorn with production settings on PostgreSQL, driven by wrk.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/newsroom_load python bench/load.py \
        [--duration 60] [--connections 64] [--threads 2] [--workers N]

Migrates the database DATABASE_URL names, loads the demo content when it has no entries, serves
it with gunicorn (newsroom/gunicorn.conf.py, access log off) on a spare port over plain HTTP
(SECURE_SSL_REDIRECT=0), then wrk requests home, list, search, entry and tag pages in turn over
`--connections` keep-alive connections. Exits non-zero on any socket error or any response that
is not 2xx/3xx, so 0 × 5xx is checked, not just reported. REDIS_URL, when set, is passed on.
Figures and the machine they were taken on go to docs/performance.md by hand.
"""

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

# bench/ is on sys.path (above); mypy knows bench/_site.py as bench._site.
from _site import free_port, page_urls, prepare, production_env, start_gunicorn, stop  # type: ignore[import-not-found]

ROTATE = """
paths = {%s}
counter = 0
request = function()
  counter = counter + 1
  return wrk.format("GET", paths[(counter %% #paths) + 1])
end
"""


def uptime() -> str:
    return subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--duration", type=int, default=60, help="seconds")
    parser.add_argument("--connections", type=int, default=64)
    parser.add_argument("--threads", type=int, default=2, help="wrk threads")
    parser.add_argument("--workers", type=int, default=0, help="gunicorn workers (0: its config)")
    options, _ = parser.parse_known_args()  # make bench passes BENCH_ARGS to every benchmark
    database_url = os.environ.get("DATABASE_URL", "")
    if not database_url.startswith("postgres"):
        print("bench/load.py: skipped, it needs DATABASE_URL=postgres://... (as production)")
        return 0
    if not shutil.which("wrk"):
        sys.exit("bench/load.py needs wrk (Debian: apt-get install wrk)")
    env = production_env(database_url, os.environ.get("REDIS_URL", ""))
    prepare(env)
    urls = page_urls(env)
    port = free_port()
    workers = options.workers or (os.cpu_count() or 1) * 2 + 1
    with tempfile.TemporaryDirectory() as tmp:
        log = Path(tmp) / "gunicorn.log"
        script = Path(tmp) / "rotate.lua"
        script.write_text(ROTATE % ", ".join(f'"{u}"' for u in urls.values()))
        server = start_gunicorn(env, port, log, workers=workers)
        try:
            command = [
                "wrk",
                f"-t{options.threads}",
                f"-c{options.connections}",
                f"-d{options.duration}s",
                "--timeout",
                "10s",
                "--latency",
                "-s",
                str(script),
                f"http://127.0.0.1:{port}",
            ]
            print("pages:", " ".join(urls.values()))
            print(f"gunicorn workers: {workers}; before: {uptime()}")
            print("$", " ".join(command), flush=True)
            result = subprocess.run(command, capture_output=True, text=True)
            print(result.stdout, result.stderr)
            print(f"after: {uptime()}")
        finally:
            stop(server)
        errors = log.read_text(errors="replace").count("Traceback")
    socket_errors = re.search(r"Socket errors: (.*)", result.stdout)
    bad = re.search(r"Non-2xx or 3xx responses: (\d+)", result.stdout)
    print(f"socket errors: {socket_errors.group(1) if socket_errors else 'none'}")
    print(f"non-2xx/3xx responses: {bad.group(1) if bad else 0}; tracebacks logged: {errors}")
    return 1 if (result.returncode or socket_errors or bad or errors) else 0


if __name__ == "__main__":
    sys.exit(main())
