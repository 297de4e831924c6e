"""Purging the edge cache (Varnish, Fastly or Cloudflare) by the keys of what changed.

Public pages name their keys in a header (EDGE_KEYS_HEADER, `reading.pagecache.edge_headers`);
`purge(keys)` asks the edge to drop every copy carrying one of them. It is called by the
invalidation apply step (`reading.pagecache.apply_page_invalidations`), which keeps the record
until the purge succeeded, so a purge lost to an edge outage is retried like a missed cache bump.

EDGE_PURGE chooses the adapter:

* `varnish`: a `PURGE` request with an `xkey-purge` header to each of EDGE_PURGE_URLS (the
  shipped `deploy/varnish/default.vcl` answers it with varnish-modules' xkey);
* `fastly`: Fastly's batch purge by surrogate key, `POST /service/<id>/purge` with the keys in
  a JSON body (at most 256 per request), token in `Fastly-Key`;
* `cloudflare`: Cloudflare's purge by cache tag, `POST /zones/<zone>/purge_cache` with
  `{"tags": [...]}` (at most 30 per request), token as a Bearer token;
* empty (the default): no edge cache to purge.
"""

import json
import logging
import urllib.error
import urllib.request
from collections.abc import Iterable, Iterator

from django.conf import settings

from . import pagekeys

logger = logging.getLogger(__name__)

TIMEOUT_SECONDS = 3.0
FASTLY_BATCH = 256
CLOUDFLARE_BATCH = 30
# How the edge reads a list of keys in the header: Cloudflare's Cache-Tag is comma-separated,
# Varnish's xkey and Fastly's Surrogate-Key are space-separated.
COMMA_SEPARATED_HEADERS = {"cache-tag"}


def header_value(keys: Iterable[str]) -> str:
    """The keys header's value for a page showing `keys`."""
    separator = "," if settings.EDGE_KEYS_HEADER.lower() in COMMA_SEPARATED_HEADERS else " "
    return separator.join(pagekeys.edge_keys(keys))


def _batches(items: list[str], size: int) -> Iterator[list[str]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _send(request: urllib.request.Request) -> bool:
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT_SECONDS) as response:
            return 200 <= response.status < 300
    except (urllib.error.URLError, OSError) as error:
        logger.warning("Edge purge to %s failed: %s", request.full_url, error)
        return False


def purge_varnish(keys: list[str]) -> bool:
    ok = True
    for base in settings.EDGE_PURGE_URLS:
        request = urllib.request.Request(
            base, method="PURGE", headers={"xkey-purge": " ".join(keys)}
        )
        ok = _send(request) and ok
    return ok


def purge_fastly(keys: list[str]) -> bool:
    url = f"{settings.FASTLY_API_URL}/service/{settings.FASTLY_SERVICE_ID}/purge"
    headers = {
        "Fastly-Key": settings.FASTLY_API_TOKEN,
        "Content-Type": "application/json",
        "Accept": "application/json",
    }
    return all(
        _send(
            urllib.request.Request(
                url,
                method="POST",
                headers=headers,
                data=json.dumps({"surrogate_keys": batch}).encode(),
            )
        )
        for batch in _batches(keys, FASTLY_BATCH)
    )


def purge_cloudflare(keys: list[str]) -> bool:
    url = f"{settings.CLOUDFLARE_API_URL}/zones/{settings.CLOUDFLARE_ZONE_ID}/purge_cache"
    headers = {
        "Authorization": f"Bearer {settings.CLOUDFLARE_API_TOKEN}",
        "Content-Type": "application/json",
    }
    return all(
        _send(
            urllib.request.Request(
                url, method="POST", headers=headers, data=json.dumps({"tags": batch}).encode()
            )
        )
        for batch in _batches(keys, CLOUDFLARE_BATCH)
    )


ADAPTERS = {"varnish": purge_varnish, "fastly": purge_fastly, "cloudflare": purge_cloudflare}


def purge(keys: Iterable[str]) -> bool:
    """Ask the edge cache to drop every page showing one of `keys`; True when it took it all."""
    adapter = ADAPTERS.get(settings.EDGE_PURGE)
    edge_keys = pagekeys.edge_keys(set(keys))
    if adapter is None or not edge_keys:
        return True
    return adapter(edge_keys)
