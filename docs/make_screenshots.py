"""Screenshots of the public pages and the desk at 1280 and 360 px wide, into docs/screenshots/.

    make screenshots        (or: .venv/bin/python docs/make_screenshots.py)

Builds a throwaway SQLite database with the demo content and accounts (`load_demo`, dated
over the ten days before today) plus the test archive day (`import_archive
tests/fixtures/archive`, a day with two stories), serves it with `runserver`, and photographs
each page in Chromium through Playwright: the system Chromium (`CHROMIUM`, else
/usr/bin/chromium) when there is one, Playwright's own otherwise. The desk's changelist and
moderation queue are photographed signed in as the demo editor and moderator.
Re-run it whenever the look changes and commit the PNGs.
"""

import datetime
import os
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from playwright.sync_api import sync_playwright

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "docs" / "screenshots"
# The demo's entries are dated back from the day it loads (site time, UTC by default).
TODAY = datetime.datetime.now(datetime.UTC).date()
PAGES = [
    ("home", "/"),
    ("day", "/2014/03/04/"),
    ("entry", f"/{TODAY:%Y/%m/%d}/orbis-3-lands-near-the-lunar-south-pole/"),
    ("list-with-filters", "/events/?tag=north-korea&tag=human-rights&from=2014-01-01"),
    ("tag", "/tags/valdora/"),
]
# (name, path, demo account signed in)
DESK_PAGES = [
    ("desk-changelist", "/admin/events/entry/", "editor"),
    ("desk-moderation-queue", "/admin/comments/comment/", "moderator"),
]
WIDTHS = {1280: 900, 360: 780}  # width: viewport height
MAX_HEIGHT = 3200  # long pages are cut here; the top of a page is what a screenshot is for


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def manage(*args: str, env: dict) -> None:
    subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=env, check=True)


def wait_for(url: str, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while True:
        try:
            urllib.request.urlopen(url, timeout=2)
            return
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.3)


def shoot(page, url: str, target: Path, width: int) -> None:
    """The page at `url`, full width, from the top down to MAX_HEIGHT at most."""
    page.goto(url)
    full = page.evaluate("document.documentElement.scrollHeight")
    clip = {"x": 0, "y": 0, "width": width, "height": min(full, MAX_HEIGHT)}
    page.screenshot(path=target, full_page=True, clip=clip)
    print(target.relative_to(ROOT))


def main() -> None:
    tmp = Path(tempfile.mkdtemp(prefix="newsroom-screens-"))
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "newsroom.settings.dev",
        "DATABASE_URL": f"sqlite:///{tmp / 'screens.sqlite3'}",
        "DEBUG": "false",  # the real 404 page, no debug toolbar of errors
    }
    manage("migrate", "--noinput", "-v0", env=env)
    subprocess.run(
        [sys.executable, "manage.py", "load_demo"],
        cwd=ROOT,
        env=env,
        check=True,
        stdout=subprocess.DEVNULL,  # the demo passwords; this run sets its own below
    )
    password = secrets.token_urlsafe(12)
    manage(
        "shell",
        "-c",
        "from django.contrib.auth import get_user_model\n"
        "for user in get_user_model().objects.filter(username__in=['editor', 'moderator']):\n"
        f"    user.set_password({password!r}); user.save()",
        env=env,
    )
    manage("import_archive", "tests/fixtures/archive", env=env)
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "manage.py", "runserver", "--noreload", "--insecure", f"127.0.0.1:{port}"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        wait_for(base + "/")
        OUT.mkdir(parents=True, exist_ok=True)
        executable = os.environ.get("CHROMIUM") or shutil.which("chromium")
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=executable, args=["--no-sandbox"])
            for width, height in WIDTHS.items():
                page = browser.new_page(viewport={"width": width, "height": height})
                for name, path in PAGES:
                    shoot(page, base + path, OUT / f"{name}-{width}.png", width)
                page.close()
                for name, path, username in DESK_PAGES:
                    desk = browser.new_page(viewport={"width": width, "height": height})
                    desk.goto(f"{base}/admin/login/")
                    desk.get_by_label("Username").fill(username)
                    desk.get_by_label("Password").fill(password)
                    desk.get_by_role("button", name="Log in").click()
                    desk.wait_for_url(f"{base}/admin/")
                    shoot(desk, base + path, OUT / f"{name}-{width}.png", width)
                    desk.close()
            dark = browser.new_page(viewport={"width": 1280, "height": 900}, color_scheme="dark")
            dark.goto(base + PAGES[2][1])
            dark.screenshot(path=OUT / "entry-1280-dark.png")
            print((OUT / "entry-1280-dark.png").relative_to(ROOT))
            browser.close()
    finally:
        server.terminate()
        server.wait(timeout=10)
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
