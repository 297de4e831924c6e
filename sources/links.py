"""URL normalisation and domain extraction: pure functions, no database."""

from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

ALLOWED_SCHEMES = ("http", "https")

# Query parameters that only track the reader; they never change which article a URL names.
TRACKING_PARAMETERS = frozenset(
    {
        "fbclid", "gclid", "dclid", "gbraid", "wbraid", "msclkid", "mc_cid", "mc_eid", "igshid",
        "yclid", "_ga", "_hsenc", "_hsmi", "mkt_tok", "ocid", "cmpid", "ref_src", "smid",
    }
)  # fmt: skip
DEFAULT_PORTS = {"http": 80, "https": 443}


def is_tracking_parameter(name: str) -> bool:
    name = name.lower()
    return name.startswith("utm_") or name in TRACKING_PARAMETERS


def normalize_url(url: str) -> str:
    """The canonical form a source is stored under, so one article is one row.

    Lower-cases scheme and host, drops default ports, the fragment, tracking parameters
    (utm_*, fbclid, ...) and a trailing slash on the path; keeps other parameters in order.
    Raises ValueError for anything that is not an absolute http(s) URL.
    """
    parts = urlsplit(url.strip())
    scheme = parts.scheme.lower()
    if scheme not in ALLOWED_SCHEMES or not parts.hostname:
        raise ValueError(f"Not an http(s) URL: {url!r}")
    host = parts.hostname.lower().rstrip(".")
    try:
        port = parts.port
    except ValueError:
        raise ValueError(f"Invalid port in URL: {url!r}") from None
    netloc = host if port in (None, DEFAULT_PORTS[scheme]) else f"{host}:{port}"
    path = parts.path.rstrip("/") or "/"
    query = urlencode(
        [
            (k, v)
            for k, v in parse_qsl(parts.query, keep_blank_values=True)
            if not is_tracking_parameter(k)
        ]
    )
    return urlunsplit((scheme, netloc, path, query, ""))


def domain_of(url: str) -> str:
    """The registrable-looking web domain of a URL: host lower-cased, without a leading `www.`."""
    host = (urlsplit(url.strip()).hostname or "").lower().rstrip(".")
    return host.removeprefix("www.")


# What a search results page's URL looks like: a path part or a query parameter.
SEARCH_PATH_PARTS = frozenset({"search", "find", "results", "suche", "recherche"})
SEARCH_PARAMETERS = frozenset({"q", "query", "search", "search_query", "keywords", "text"})
IMAGE_EXTENSIONS = (
    ".jpg", ".jpeg", ".png", ".gif", ".webp", ".svg", ".bmp", ".tif", ".tiff", ".avif", ".heic",
)  # fmt: skip


def is_search_page(url: str) -> bool:
    """True when the URL looks like a page of search results rather than an article.

    A path part such as /search/ or a query parameter such as q= or query= gives it away
    (google.com/search?q=..., bbc.co.uk/search?q=..., duckduckgo.com/?q=...).
    """
    parts = urlsplit(url)
    segments = {s.lower() for s in parts.path.split("/") if s}
    if segments & SEARCH_PATH_PARTS:
        return True
    return any(k.lower() in SEARCH_PARAMETERS for k, _ in parse_qsl(parts.query))


def is_image_file(url: str) -> bool:
    """True when the URL's path ends like an image file (.jpg, .png, .webp, ...)."""
    return urlsplit(url).path.lower().endswith(IMAGE_EXTENSIONS)
