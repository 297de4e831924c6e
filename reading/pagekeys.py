"""The keys of what a public page shows, so that a write purges exactly the pages it changed.

A key names one thing a page shows: an entry (`entry:<pk>`), a tag's list (`tag:<slug>`), a
tag's name where other pages print it (`tag-name:<slug>`), which live entries carry a tag (what
related widgets are made of, `related:<slug>`), an entry's comments (`comments:<pk>`), a
publisher (`publisher:<slug>`), a date archive (`day:2014-02-19`, `month:2014-02`,
`year:2014`) or the site-wide lists (`lists`: home, /events/, the site feeds, sitemaps, the
tag and publisher indexes, corrections: which entries they list, in what order). Pages listing
entries name each card's entry (`entry:<pk>`, `reading.cards.card`), so an edit that moves no
entry in or out of a list or within it (same date, status and publish time) purges only the
lists showing that entry, plus the pages that show entries' fields without naming each entry
(`edits`: feeds, sitemaps, searches, corrections, story pages and any unregistered page). Every
page also carries `all`, which a write that cannot say what it changed records.

A page's keys come from two places, both collected while the request runs:

* its URL (`url_page_keys`): every public URL name maps to a function of the URL's kwargs
  (`register_page_keys` is the hook for new pages: a stories app adds
  `register_page_keys("stories:detail", lambda slug, **kw: [f"story:{slug}"])` in its
  `AppConfig.ready()`, and records `story:<slug>` from its own write receivers through
  `reading.pagecache.record_page_change`);
* what it rendered (`add_page_keys`): the entry page adds its entry, its comments, its tags'
  names and memberships, the related widget the entries it lists.

The page cache stores a copy with its keys; the edge cache gets them in a header
(`edge_keys`). Writes record the keys they touch (`reading/signals.py`).
"""

import contextvars
import hashlib
from collections.abc import Callable, Iterable

from django.urls import ResolverMatch

ALL = "all"
LISTS = "lists"
EDITS = "edits"

_collected: contextvars.ContextVar[set[str] | None] = contextvars.ContextVar(
    "page_keys", default=None
)

KeysOfUrl = Callable[..., Iterable[str]]


def entry_key(pk: int) -> str:
    return f"entry:{pk}"


def tag_key(slug: str) -> str:
    return f"tag:{slug}"


def tag_name_key(slug: str) -> str:
    return f"tag-name:{slug}"


def related_key(slug: str) -> str:
    """Which live entries carry the tag: what the related widgets of its entries' pages use."""
    return f"related:{slug}"


def comments_key(entry_pk: int) -> str:
    """The approved comments under an entry (shown on its page only)."""
    return f"comments:{entry_pk}"


def publisher_key(slug: str) -> str:
    return f"publisher:{slug}"


def date_keys(day) -> list[str]:
    """The day, month and year archives that list an entry of `day` (a date)."""
    return [f"day:{day:%Y-%m-%d}", f"month:{day:%Y-%m}", f"year:{day:%Y}"]


def _lists(**kwargs) -> list[str]:
    return [LISTS]


def _lists_and_edits(**kwargs) -> list[str]:
    """Lists that show entries' fields without naming each entry: any edit purges them."""
    return [LISTS, EDITS]


def _tag_and_edits(slug: str, **kwargs) -> list[str]:
    return [tag_key(slug), EDITS]


def _tag(slug: str, **kwargs) -> list[str]:
    return [tag_key(slug)]


def _publisher(slug: str, **kwargs) -> list[str]:
    return [publisher_key(slug)]


def _year(year: str, **kwargs) -> list[str]:
    return [f"year:{year}"]


def _month(year: str, month: str, **kwargs) -> list[str]:
    return [f"month:{year}-{month}"]


def _day(year: str, month: str, day: str, **kwargs) -> list[str]:
    return [f"day:{year}-{month}-{day}"]


def _nothing(**kwargs) -> list[str]:
    # The entry page names its entry once the view found it (add_page_keys); robots.txt shows
    # no data at all.
    return []


# "namespace:name" (or the bare name outside a namespace) -> the keys of the page at that URL.
_URL_KEYS: dict[str, KeysOfUrl] = {
    "events:home": _lists,
    "events:list": _lists,
    "events:feed-rss": _lists_and_edits,
    "events:feed-atom": _lists_and_edits,
    "events:corrections": _lists_and_edits,
    "events:correction": _lists_and_edits,
    "events:corrections-feed-rss": _lists_and_edits,
    "events:corrections-feed-atom": _lists_and_edits,
    "events:tags": _lists,
    "events:tag": _tag,
    "events:tag-feed-rss": _tag_and_edits,
    "events:tag-feed-atom": _tag_and_edits,
    "events:archive-year": _year,
    "events:archive-month": _month,
    "events:archive-day": _day,
    "events:detail": _nothing,
    "events:related-json": lambda pk, **kw: [entry_key(pk)],
    "sources:publishers": _lists,
    "sources:publisher": _publisher,
    "sitemap": _lists_and_edits,
    "sitemap-section": _lists_and_edits,
    "sitemap-news": _lists_and_edits,
    "robots": _nothing,
}


def register_page_keys(view_name: str, keys_of_url: KeysOfUrl) -> None:
    """Declare the keys of the page at URL name `view_name` ("namespace:name").

    `keys_of_url` receives the URL's kwargs and returns the keys. A public page without a
    registration carries `all`, `lists` and `edits`, so any write to entries purges it.
    """
    _URL_KEYS[view_name] = keys_of_url


def url_page_keys(match: ResolverMatch) -> set[str]:
    """The keys a page has by its URL alone, `all` included."""
    keys_of_url = _URL_KEYS.get(match.view_name, _lists_and_edits)
    return {ALL, *keys_of_url(**match.kwargs)}


def start_collecting() -> contextvars.Token:
    """Collect the keys the views of this request add (ended by `stop_collecting`)."""
    return _collected.set(set())


def stop_collecting(token: contextvars.Token) -> set[str]:
    keys = _collected.get() or set()
    _collected.reset(token)
    return keys


def add_page_keys(keys: Iterable[str]) -> None:
    """Note that the page being rendered shows these keys (a no-op outside a cached request)."""
    collected = _collected.get()
    if collected is not None:
        collected.update(keys)


def edge_key(key: str) -> str:
    """A key as the edge cache sees it: short, ASCII, no separators (tag slugs may be Unicode)."""
    return hashlib.sha256(key.encode()).hexdigest()[:16]


def edge_keys(keys: Iterable[str]) -> list[str]:
    return sorted(edge_key(key) for key in keys)
