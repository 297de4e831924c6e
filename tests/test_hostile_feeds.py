"""Hostile text through every output format: feeds (read as a feed reader reads them), the HTML
pages and their JSON-LD.

Headlines, bodies, tag names and correction notes carry script, event handlers and
`javascript:` links. Whatever a reader renders as HTML must hold none of them: feeds are parsed
with feedparser *without* its sanitiser (as a reader that trusts the feed would show them), and
every field it reads as HTML is searched for live markup.
"""

import json
import re
from html.parser import HTMLParser

import feedparser  # type: ignore[import-untyped]  # no inline types, no stub package
import pytest
from django.contrib.syndication.views import Feed
from django.urls import URLPattern, URLResolver, get_resolver

from desk.corrections import add_correction
from events.models import Correction
from stories.models import Story
from tests.factories import EntryFactory

pytestmark = pytest.mark.django_db

PAYLOADS = [
    '<script>alert("headline")</script>',
    "<img src=x onerror=alert(1)>",
    '<a href="javascript:alert(1)">click</a>',
    '"><svg onload=alert(1)>',
    "<iframe src=\"javascript:alert('x')\"></iframe>",
    "]]></description><script>alert(1)</script>",
    "&lt;script&gt;alert(1)&lt;/script&gt;",
]
HOSTILE_BODY = "\n\n".join(
    [
        *PAYLOADS,
        "[a link](javascript:alert(1)) and <a href='JaVaScRiPt:alert(2)'>another</a>",
        '<p style="x" onclick="alert(3)">styled</p>',
    ]
)
TAG = "Hostile <b onmouseover=alert(1)>tag</b>"
STORY = "Hostile <b onmouseover=alert(1)>story</b>"

DANGEROUS_ELEMENTS = {"script", "iframe", "object", "embed", "svg", "style", "base", "form"}
URL_ATTRIBUTES = {"href", "src", "action", "formaction", "xlink:href", "data"}


class _LiveMarkup(HTMLParser):
    """Collects what a browser would run in an HTML fragment."""

    def __init__(self, allowed: frozenset[str]) -> None:
        super().__init__(convert_charrefs=True)
        self.found: list[str] = []
        self.allowed = allowed

    def handle_starttag(self, tag, attrs):
        if tag in DANGEROUS_ELEMENTS - self.allowed:
            self.found.append(f"<{tag}>")
        for name, value in attrs:
            if name.startswith("on"):
                self.found.append(f"{tag}[{name}]")
            if name in URL_ATTRIBUTES and re.sub(r"\s", "", value or "").lower().startswith(
                ("javascript:", "vbscript:", "data:")
            ):
                self.found.append(f"{tag}[{name}={value}]")

    handle_startendtag = handle_starttag


def live_markup(html: str, *, allowed: frozenset[str] = frozenset()) -> list[str]:
    """What would run, or post, in `html`; `allowed` elements are the page's own (forms)."""
    parser = _LiveMarkup(allowed)
    parser.feed(html)
    parser.close()
    return parser.found


HTML_TYPES = {"text/html", "application/xhtml+xml"}


def html_fields(parsed) -> list[tuple[str, str]]:
    """(where, value) of every field of a parsed feed that a reader renders as HTML."""
    fields = []

    def collect(where: str, detail) -> None:
        if detail and detail.get("type") in HTML_TYPES:
            fields.append((where, detail.get("value", "")))

    for key in ("title_detail", "subtitle_detail", "rights_detail"):
        collect(f"feed.{key}", parsed.feed.get(key))
    for number, entry in enumerate(parsed.entries):
        for key in ("title_detail", "summary_detail"):
            collect(f"entry {number}.{key}", entry.get(key))
        for part in entry.get("content", []):
            collect(f"entry {number}.content", part)
    return fields


def read_feed(client, url: str):
    response = client.get(url)
    assert response.status_code == 200, url
    # No sanitiser: what a reader that trusts the feed would render.
    parsed = feedparser.parse(response.content, sanitize_html=False, resolve_relative_uris=False)
    assert not parsed.bozo, (url, parsed.get("bozo_exception"))
    return parsed


def feed_url_names() -> set[str]:
    """Every URL name of the site that serves a syndication Feed (wrapped or not)."""
    names = set()

    def walk(patterns, namespace):
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                inner = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
                walk(pattern.url_patterns, inner)
            elif isinstance(pattern, URLPattern):
                callback = pattern.callback
                while hasattr(callback, "__wrapped__") and not isinstance(callback, Feed):
                    callback = callback.__wrapped__
                if isinstance(callback, Feed):
                    names.add(f"{namespace}{pattern.name}")

    walk(get_resolver().url_patterns, "")
    return names


@pytest.fixture
def hostile(editor):
    """Live entries with hostile headlines (empty bodies), hostile bodies, a hostile tag, a
    story with a hostile name and summary, and hostile correction notes on a live entry."""
    entries = [
        EntryFactory(
            headline=f"Headline {n} {payload}",
            slug=f"headline-{n}",
            body="",
            tags=[TAG],
            story=STORY,
        )
        for n, payload in enumerate(PAYLOADS)
    ]
    Story.objects.update(summary=HOSTILE_BODY)
    entries.append(EntryFactory(headline="Hostile body", slug="hostile-body", body=HOSTILE_BODY))
    target = EntryFactory(headline="Corrected <script>alert(9)</script>", slug="corrected")
    for kind, payload in zip(Correction.Kind.values * 3, PAYLOADS, strict=False):
        add_correction(target, kind=kind, note=f"Note {payload}", user=editor)
    return entries


FEEDS = {
    "events:feed-rss": "/feeds/rss/",
    "events:feed-atom": "/feeds/atom/",
    "events:corrections-feed-rss": "/corrections/rss/",
    "events:corrections-feed-atom": "/corrections/atom/",
    "events:tag-feed-rss": "/tags/{tag}/rss/",
    "events:tag-feed-atom": "/tags/{tag}/atom/",
    "events:story-feed-rss": "/stories/{story}/rss/",
    "events:story-feed-atom": "/stories/{story}/atom/",
}


def test_every_feed_of_the_site_is_in_the_hostile_input_test():
    assert feed_url_names() == set(FEEDS)


@pytest.mark.parametrize("name", sorted(FEEDS))
def test_no_script_or_handler_survives_in_any_feed(client, hostile, name):
    from taggit.models import Tag

    url = FEEDS[name].format(tag=Tag.objects.get(name=TAG).slug, story=Story.objects.get().slug)
    parsed = read_feed(client, url)
    assert parsed.entries, url
    fields = html_fields(parsed)
    assert fields, f"{url}: no field read as HTML, the test would prove nothing"
    found = {where: live for where, value in fields if (live := live_markup(value))}
    assert found == {}, url


def test_hostile_text_still_reaches_readers_as_text(client, hostile):
    """Escaping is not deleting: the reader sees the characters that were written.

    One exception, by choice: an RSS title that spells an entity (`&lt;`) shows the character
    in readers that take RSS titles as HTML, because `&` is left alone there so that the
    common "AT&T" reads right in readers that take them as text (reading.feeds.inert_text).
    """
    for url in ("/feeds/rss/", "/feeds/atom/"):
        entries = read_feed(client, url).entries
        summaries = {shown(e.summary_detail) for e in entries}
        titles = {shown(e.title_detail) for e in entries}
        for n, payload in enumerate(PAYLOADS):
            headline = f"Headline {n} {payload}"
            assert headline in summaries, (url, headline)
            if not (url == "/feeds/rss/" and "&lt;" in payload):
                assert headline in titles, (url, headline)
    for url in ("/corrections/rss/", "/corrections/atom/"):
        notes = {shown(e.summary_detail) for e in read_feed(client, url).entries}
        assert notes == {f"Note {payload}" for payload in PAYLOADS}, url


def shown(detail) -> str:
    """The text a reader shows for a parsed field: HTML's text, or the text itself."""
    return html_text(detail.value) if detail.type in HTML_TYPES else detail.value


def html_text(html: str) -> str:
    class Text(HTMLParser):
        def __init__(self):
            super().__init__(convert_charrefs=True)
            self.parts: list[str] = []

        def handle_data(self, data):
            self.parts.append(data)

    parser = Text()
    parser.feed(html)
    parser.close()
    return "".join(parser.parts)


# --- the HTML pages and their JSON-LD ----------------------------------------------------------


def page_scripts(html: str) -> list[str]:
    return re.findall(r"<script\b[^>]*>", html, re.I)


def assert_no_live_markup(html: str, url: str) -> None:
    for tag in page_scripts(html):
        assert 'type="application/ld+json"' in tag or re.search(r'src="/static/', tag), (url, tag)
    # The pages' own search and comment forms are theirs; no element may carry a handler.
    found = live_markup(html, allowed=frozenset({"script", "form"}))
    assert found == [], url


def test_html_pages_show_hostile_text_inert(client, hostile):
    from taggit.models import Tag

    tag = Tag.objects.get(name=TAG)
    urls = [
        "/",
        "/events/",
        "/events/?q=Headline",
        f"/tags/{tag.slug}/",
        "/tags/",
        f"/stories/{Story.objects.get().slug}/",
        "/stories/",
        "/corrections/",
        "/2014/",
        "/2014/02/",
        "/2014/02/19/",
        *[entry.get_absolute_url() for entry in hostile],
        "/2014/02/19/corrected/",
    ]
    urls += [c.get_absolute_url() for c in Correction.objects.all()]
    for url in urls:
        response = client.get(url)
        assert response.status_code == 200, url
        assert_no_live_markup(response.content.decode(), url)


def test_json_ld_carries_hostile_text_as_data_that_cannot_close_its_script(client, hostile):
    response = client.get("/2014/02/19/corrected/")
    html = response.content.decode()
    blocks = re.findall(r'<script type="application/ld\+json">(.*?)</script>', html, re.S)
    assert len(blocks) == 1
    assert "<" not in blocks[0] and ">" not in blocks[0]
    data = json.loads(blocks[0])
    assert data["headline"] == "Corrected <script>alert(9)</script>"
    assert {c["text"] for c in data["correction"]} == {
        f"Note {p}" for p in PAYLOADS[: len(data["correction"])]
    }
    for entry in hostile:
        page = client.get(entry.get_absolute_url()).content.decode()
        block = re.search(r'<script type="application/ld\+json">(.*?)</script>', page, re.S)
        assert block and "<" not in block.group(1), entry.get_absolute_url()
        assert json.loads(block.group(1))["headline"] == entry.headline
