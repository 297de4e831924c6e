"""The site as production runs it, for the load benchmark and the outage drill: gunicorn with
newsroom.settings.production over plain HTTP on a spare loopback port.

Not a benchmark itself (`make bench` runs bench/[!_]*.py).
"""

import json
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from email.message import Message
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def production_env(database_url: str, redis_url: str = "", **extra: str) -> dict[str, str]:
    """The environment production needs (docs/operations.md), for plain HTTP on 127.0.0.1."""
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "newsroom.settings.production",
        "SECRET_KEY": "bench-and-drill-only-" + "x" * 40,
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "SECURE_SSL_REDIRECT": "0",
        "DATABASE_URL": database_url,
        **extra,
    }
    if redis_url:
        env["REDIS_URL"] = redis_url
    else:
        env.pop("REDIS_URL", None)
    return env


def manage(env: dict[str, str], *args: str) -> str:
    """Run a management command; its standard output, or exit with its error."""
    done = subprocess.run(
        [PYTHON, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True
    )
    if done.returncode:
        sys.exit(f"manage.py {' '.join(args)} failed:\n{done.stderr[-3000:]}")
    return done.stdout


def prepare(env: dict[str, str]) -> None:
    """Migrate, collect static files, and load the demo content into an empty database."""
    manage(env, "migrate", "--noinput", "-v0")
    manage(env, "collectstatic", "--noinput", "-v0")
    manage(env, "load_demo", "--no-accounts")


def page_urls(env: dict[str, str]) -> dict[str, str]:
    """One URL of each kind of public page: home, list, search, entry, tag."""
    code = (
        "import json; from events.models import Entry; "
        "e = Entry.objects.published().exclude(tags=None).order_by('-event_date', 'id').first(); "
        "t = e.tags.order_by('slug').first(); "
        "w = max((w for w in e.headline.split() if w.isalpha()), key=len); "
        "print(json.dumps({'entry': e.get_absolute_url(), 'tag': f'/tags/{t.slug}/', 'word': w}))"
    )
    found = json.loads(manage(env, "shell", "-c", code).strip().splitlines()[-1])
    return {
        "home": "/",
        "list": "/events/",
        "search": f"/events/?q={urllib.parse.quote(found['word'])}",
        "entry": found["entry"],
        "tag": found["tag"],
    }


START_SECONDS = 120


def start_gunicorn(
    env: dict[str, str],
    port: int,
    log: Path,
    *,
    workers: int,
    access_log: bool = False,
    worker_class: str = "",
) -> subprocess.Popen:
    """gunicorn with the project's config on 127.0.0.1:port; returns once /healthz answers.

    `worker_class` "sync" serves newsroom.wsgi (the WSGI model, for comparison); by default the
    configured ASGI worker serves newsroom.asgi, as production does. It polls every 0.2 s, so a
    generous deadline costs nothing when gunicorn starts; it only keeps a start on a busy machine
    (CI runs the drill beside the test passes) from failing.
    """
    args = [
        PYTHON,
        "-m",
        "gunicorn",
        "-c",
        "newsroom/gunicorn.conf.py",
        "--bind",
        f"127.0.0.1:{port}",
        "--workers",
        str(workers),
        *(["--worker-class", worker_class] if worker_class else []),
        "newsroom.wsgi" if worker_class == "sync" else "newsroom.asgi",
    ]
    if not access_log:
        args[-1:-1] = ["--access-logfile", "/dev/null"]
    out = log.open("ab")
    proc = subprocess.Popen(args, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + START_SECONDS
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            sys.exit(f"gunicorn exited with {proc.returncode}; see {log}")
        if get(port, "/healthz")[0] == 200:
            return proc
        time.sleep(0.2)
    proc.terminate()
    sys.exit(f"gunicorn did not answer /healthz within {START_SECONDS} s; see {log}")


def get(port: int, path: str, timeout: float = 10) -> tuple[int, Message | dict[str, str]]:
    """(status, headers) of a GET; status 0 when the connection itself failed. The headers are
    looked up in any case, as HTTP says (uvicorn sends lower-case names)."""
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=timeout) as resp:
            resp.read()
            return resp.status, resp.headers
    except urllib.error.HTTPError as error:
        error.read()
        return error.code, error.headers
    except OSError:
        return 0, {}


def stop(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
