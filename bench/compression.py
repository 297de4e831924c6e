"""What gzip and Brotli make of the real public pages: bytes on the wire and CPU per response.

    DATABASE_URL=postgres://... python bench/compression.py [--repeat 200] [--qualities 4,5,11]

Renders each public page of bench/pages.py's `pages()` once in-process (Django's test client,
page cache off, DEBUG off; reads only), then for each body times `--repeat` compressions and
decompressions: gzip as Django compresses (`compress_string`, level 6) and Brotli (the `brotli`
package, text mode) at each of `--qualities`. Prints the plain size, each compressed size and
its share of the plain one, and the median compress and decompress time. Without the `brotli`
package it prints gzip only.
"""

import argparse
import gzip
import importlib.util
import os
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "newsroom.settings.dev")

spec = importlib.util.spec_from_file_location("bench_pages", ROOT / "bench" / "pages.py")
assert spec is not None and spec.loader is not None
bench_pages = importlib.util.module_from_spec(spec)
spec.loader.exec_module(bench_pages)  # sets Django up, DEBUG off

from django.conf import settings  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.utils.text import compress_string  # noqa: E402

try:
    import brotli
except ImportError:  # measured without it: gzip only
    brotli = None

# The pages a reader fetches most, and the main feed.
MEASURED = ["/", "/events/", "entry page", "/tags/<tag>/", "RSS"]


def median_ms(action: Callable[[], object], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        action()
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=200)
    parser.add_argument("--qualities", default="4,5,11", help="Brotli qualities")
    args = parser.parse_args()
    qualities = [int(q) for q in args.qualities.split(",") if q]

    settings.ALLOWED_HOSTS = ["testserver"]
    settings.PAGE_CACHE = False
    print(f"pages of {connection.settings_dict['NAME']} on {connection.vendor}")
    print("load:", subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip())
    if brotli is None:
        print("(no brotli package: gzip only)")
    client = Client()
    targets = [(name, path) for name, path in bench_pages.pages() if name in MEASURED]
    print(f"n={args.repeat} per figure; times are medians in ms; % of the plain size")
    print(f"{'page':<14} {'codec':<10} {'bytes':>8} {'%':>6} {'compress':>9} {'decompress':>11}")
    for name, path in targets:
        response = client.get(path)
        assert response.status_code == 200, (path, response.status_code)
        body = response.content
        print(f"{name:<14} {'plain':<10} {len(body):8d}")
        codecs: list[tuple[str, Callable[[], bytes], Callable[[bytes], bytes]]] = [
            ("gzip 6", partial(compress_string, body), gzip.decompress)
        ]
        for quality in qualities if brotli is not None else []:
            packer = partial(brotli.compress, body, mode=brotli.MODE_TEXT, quality=quality)
            codecs.append((f"br {quality}", packer, brotli.decompress))
        for label, compress, decompress in codecs:
            packed = compress()
            assert decompress(packed) == body
            compress_ms = median_ms(compress, args.repeat)
            decompress_ms = median_ms(partial(decompress, packed), args.repeat)
            print(
                f"{'':<14} {label:<10} {len(packed):8d} {100 * len(packed) / len(body):5.1f}%"
                f" {compress_ms:9.3f} {decompress_ms:11.3f}",
                flush=True,
            )
    print("load:", subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip())


if __name__ == "__main__":
    main()
