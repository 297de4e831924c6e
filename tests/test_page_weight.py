"""The weight budget: an entry page's HTML and CSS together stay under 40 KB compressed, and
public pages need no JavaScript (nor inline styles, which the content security policy forbids):
the one script they may load is the small live-update script, deferred, which adds to a page
that is complete without it."""

import gzip
import re

import pytest
from django.contrib.staticfiles import finders

from sources.services import cite
from tests.factories import CommentFactory, EntryFactory

pytestmark = pytest.mark.django_db

BUDGET = 40 * 1024
LIVE_SCRIPT = re.compile(r'<script src="/static/js/live\.js" defer data-stream="[^"]+">')
LIVE_SCRIPT_BUDGET = 2_560  # bytes gzipped: the story page and the front page, no framework


def gzipped(data: bytes) -> int:
    return len(gzip.compress(data, compresslevel=6))


def stylesheets(html: str) -> list[bytes]:
    paths = re.findall(r'<link rel="stylesheet" href="/static/([^"]+)"', html)
    return [open(str(finders.find(path)), "rb").read() for path in paths]


@pytest.fixture
def heavy_entry(settings):
    """An entry as heavy as real ones get: long body, 5 sources, 10 related, 20 comments."""
    settings.COMMENTS_CLOSE_AFTER_DAYS = 0
    tags = ["North Korea", "human rights", "United Nations", "sanctions", "Botswana"]
    entry = EntryFactory(
        headline="Botswana ends diplomatic relations with North Korea following a UN report. " * 3,
        body="\n\n".join(["The report documents abuses in detail, says the commission. " * 8] * 6),
        tags=tags,
        story="North Korea and the United Nations",
    )
    for i in range(5):
        cite(entry, f"https://publisher{i % 3}.example/story/{i}", title=f"Article {i} " * 8)
    for i in range(12):
        EntryFactory(headline=f"Related story number {i} about North Korea " * 3, tags=tags[:3])
    CommentFactory.create_batch(
        20, entry=entry, status="approved", body="A considered reply. " * 10
    )
    return entry


def test_entry_page_html_and_css_stay_under_40_kb_compressed(client, heavy_entry):
    html = client.get(heavy_entry.get_absolute_url()).content
    css = stylesheets(html.decode())
    assert css, "the page links its stylesheet"
    total = gzipped(html) + sum(gzipped(sheet) for sheet in css)
    print(f"entry page: {gzipped(html):,} B HTML + {total - gzipped(html):,} B CSS compressed")
    assert total < BUDGET, f"{total:,} bytes compressed (budget {BUDGET:,})"


@pytest.mark.parametrize("path", ["/", "/events/", "/events/?q=korea", "/2014/02/19/", "/tags/"])
def test_public_pages_carry_no_script_no_style_element_and_no_style_attribute(
    client, heavy_entry, path
):
    pages = [path, heavy_entry.get_absolute_url()]
    for url in pages:
        html = client.get(url).content.decode()
        scripts = re.findall(r"<script\b[^>]*>", html)
        assert all(
            'type="application/ld+json"' in s or LIVE_SCRIPT.fullmatch(s) for s in scripts
        ), (url, scripts)
        assert "<style" not in html and " style=" not in html, url


def test_the_live_update_script_is_small():
    with open(str(finders.find("js/live.js")), "rb") as file:
        script = file.read()
    assert gzipped(script) < LIVE_SCRIPT_BUDGET, f"{gzipped(script):,} bytes compressed"
