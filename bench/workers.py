"""Serving models side by side: the same pages through several gunicorn configurations at once.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/newsroom_bench .venv/bin/python \\
        bench/workers.py --variants "asgi=newsroom.asgi,sync=newsroom.wsgi" \\
        [--modes cached,uncached] [--only "/,entry page"] [--rounds 3] [--duration 5]

Each variant is `name=module`, optionally with settings after `@` (`+` between them), e.g.
`one-thread=newsroom.asgi@ASGI_THREADS:1`; a `newsroom.wsgi` variant runs the sync worker. All
variants serve at once, on the corpus bench/pages.py built (production settings, its own
throwaway Redis per variant when cached), and wrk's runs alternate between them, page by page
and round by round, so a busy shared machine slows every variant alike: compare the variants
within one run, not across runs. Prints every round's req/s and their median.
"""

import argparse
import importlib.util
import statistics
import subprocess
from contextlib import ExitStack
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
spec = importlib.util.spec_from_file_location("bench_pages", ROOT / "bench" / "pages.py")
assert spec is not None and spec.loader is not None
pages: Any = importlib.util.module_from_spec(spec)  # bench/pages.py, set up as a script
spec.loader.exec_module(pages)  # sets Django up on DATABASE_URL's corpus

from tests.hardening_support import free_port, redis_server  # noqa: E402


def parse_variants(text: str) -> dict[str, tuple[str, dict[str, str]]]:
    variants = {}
    for item in text.split(","):
        name, _, spec_text = item.partition("=")
        module, _, settings_text = spec_text.partition("@")
        if module not in ("newsroom.asgi", "newsroom.wsgi"):
            raise SystemExit(f"{item}: the module is newsroom.asgi or newsroom.wsgi")
        settings = dict(kv.split(":", 1) for kv in settings_text.split("+") if kv)
        if module.endswith("wsgi"):
            settings.setdefault("GUNICORN_WORKER_CLASS", "sync")
        variants[name] = (module, settings)
    return variants


def start(env: dict[str, str]):
    """`pages.start_server` on a port of its own (the port is that module's global); the
    worker class in `env` picks the application."""
    port = free_port()
    pages.PORT = port
    return port, pages.start_server({**env, "GUNICORN_BIND": f"127.0.0.1:{port}"})


def compare(variants, targets, *, cached: bool, rounds: int, duration: int, connections: int):
    rates: dict[tuple[str, str], list[float]] = {}
    with ExitStack() as stack:
        servers = {}
        for name, (_, settings) in variants.items():
            redis_url = stack.enter_context(redis_server()).url if cached else ""
            port, process = start({**pages.server_env(cached, redis_url), **settings})
            servers[name] = (port, process)
        try:
            for _ in range(rounds):
                for page, path in targets:
                    for name, (port, _) in servers.items():
                        pages.PORT = port
                        result = pages.run_wrk(path, duration=duration, connections=connections)
                        if result["errors"] or result["timeouts"]:
                            print(
                                f"  {name} {page}: {result['errors']} non-2xx, "
                                f"{result['timeouts']} timeouts"
                            )
                        rates.setdefault((page, name), []).append(result["rate"])
        finally:
            for port, process in servers.values():
                pages.PORT = port
                pages.stop_server(process)
    mode = "cached (page cache on)" if cached else "uncached"
    print(f"\n{mode}: wrk -t2 -c{connections} -d{duration}s, {rounds} rounds, req/s")
    for (page, name), values in rates.items():
        each = " ".join(f"{v:8.1f}" for v in values)
        print(f"{page:<28} {name:<14} {each}   median {statistics.median(values):8.1f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--variants", default="asgi=newsroom.asgi,sync=newsroom.wsgi")
    parser.add_argument("--modes", default="cached,uncached")
    parser.add_argument("--only", default="/,entry page", help="page names or paths, with ,")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--duration", type=int, default=5)
    parser.add_argument("--connections", type=int, default=32)
    args = parser.parse_args()
    variants = parse_variants(args.variants)
    targets = pages.pages(args.only)
    print("load:", subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip())
    pages.need_wrk()
    pages.collect_static()
    for mode in [m for m in args.modes.split(",") if m]:
        compare(
            variants,
            targets,
            cached=mode == "cached",
            rounds=args.rounds,
            duration=args.duration,
            connections=args.connections,
        )
    print("load:", subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip())


if __name__ == "__main__":
    main()
