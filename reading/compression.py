"""Compression of the public pages and feeds, and of nothing else (BREACH).

A compressed response leaks, through its length, whether reflected input matches a secret in
the same body (BREACH). Public pages carry no secret: they are the same bytes for every
anonymous reader (the page cache stores them once for all), so they are compressed; every other
response (the desk with its CSRF tokens, a signed-in reader's page, the API) is left as it is.
For the same reason a public page's compressed bytes may be kept and sent again: the page cache
(`reading/pagecache.py`) compresses each copy once when it stores it, keeps the compressed
bodies beside the plain one, and a hit sends the copy the reader accepts, with no compression
per request and no random padding (that padding only matters where a secret sits in the body).

Brotli (quality 5, with the `brotli` package) is preferred over gzip (level 6, as Django's
GZipMiddleware) when a reader accepts both: on the public pages it makes 13-21 % fewer bytes
than gzip for 0.02-0.08 ms more CPU per stored copy (bench/compression.py, figures in
docs/performance.md). Quality 11 saves another 11-21 % but costs 10-63 ms per page, paid on
every cache miss. Behind the shipped Varnish readers get gzip: it asks the app for gzip on every
miss, stores that and gunzips it for readers who do not accept it. Without the `brotli` package
installed, pages are sent gzipped only. Each coding has its own ETag (the plain copy's with
`-gzip` or `-br`), and every public page says `Vary: Accept-Encoding`.
"""

import gzip
from collections.abc import Iterable

from django.http import HttpRequest, HttpResponse
from django.utils.cache import patch_vary_headers

try:
    import brotli
except ImportError:  # gzip only
    brotli = None

BROTLI_QUALITY = 5
GZIP_LEVEL = 6
# The codings sent, preferred first when a reader accepts several equally.
CODINGS: tuple[str, ...] = ("br", "gzip") if brotli is not None else ("gzip",)
# Shorter bodies gain nothing once headers are counted (as Django's GZipMiddleware).
MIN_LENGTH = 200


def compress(body: bytes, coding: str) -> bytes:
    """`body` compressed with `coding` (one of CODINGS)."""
    if coding == "br":
        assert brotli is not None
        return brotli.compress(body, mode=brotli.MODE_TEXT, quality=BROTLI_QUALITY)
    return gzip.compress(body, compresslevel=GZIP_LEVEL, mtime=0)


def compressed_copies(body: bytes, codings: Iterable[str] = CODINGS) -> dict[str, bytes]:
    """The compressed bodies of a public page worth sending, by coding (none for a short page)."""
    if len(body) < MIN_LENGTH:
        return {}
    copies = {coding: compress(body, coding) for coding in codings}
    return {coding: packed for coding, packed in copies.items() if len(packed) < len(body)}


def _qualities(header: str) -> dict[str, float]:
    """Accept-Encoding as {coding: q} (RFC 9110, 12.5.3)."""
    qualities: dict[str, float] = {}
    for part in header.split(","):
        name, _, params = part.partition(";")
        name = name.strip().lower()
        if not name:
            continue
        quality = 1.0
        for param in params.split(";"):
            key, _, value = param.partition("=")
            if key.strip().lower() == "q":
                try:
                    quality = float(value.strip())
                except ValueError:
                    quality = 0.0
        qualities[name] = quality
    return qualities


def accepted_coding(request: HttpRequest, available: Iterable[str] = CODINGS) -> str | None:
    """The coding of `available` to send this reader: the highest q, Brotli first on a tie.

    None when the reader accepts none of them (no Accept-Encoding, or q=0 for each).
    """
    qualities = _qualities(request.headers.get("Accept-Encoding", ""))
    available = set(available)
    best, best_quality = None, 0.0
    for coding in CODINGS:
        if coding not in available:
            continue
        quality = qualities.get(coding, qualities.get("*", 0.0))
        if quality > best_quality:
            best, best_quality = coding, quality
    return best


def coding_etag(etag: str, coding: str | None) -> str:
    """The ETag of the copy in `coding` of the plain copy whose ETag is `etag`."""
    if coding is None:
        return etag
    return f'{etag[:-1]}-{coding}"' if etag.endswith('"') else etag


def vary_on_coding(response: HttpResponse) -> None:
    """Say that a public page's bytes depend on Accept-Encoding, whichever copy is sent."""
    patch_vary_headers(response, ("Accept-Encoding",))


def send_compressed(response: HttpResponse, coding: str, body: bytes, etag: str) -> HttpResponse:
    """Make `response` (a public page with ETag `etag`) carry its copy `body` in `coding`."""
    response.content = body
    response["Content-Encoding"] = coding
    response["Content-Length"] = str(len(body))
    response["ETag"] = coding_etag(etag, coding)
    return response
