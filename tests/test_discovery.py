"""Feeds, sitemap, robots.txt and the entry page's canonical URL, Open Graph and JSON-LD."""

import json
import re
import xml.etree.ElementTree as ET

import pytest

from tests.factories import CitationFactory, EntryFactory, PublisherFactory, SourceFactory

pytestmark = pytest.mark.django_db

ATOM = "{http://www.w3.org/2005/Atom}"
SITEMAP = "{http://www.sitemaps.org/schemas/sitemap/0.9}"


@pytest.fixture
def botswana_story():
    """A live entry cited by Reuters, beside another live entry, a draft and a scheduled one."""
    entry = EntryFactory(
        headline="Botswana cuts ties with North Korea",
        slug="botswana-cuts-ties",
        body="Botswana **ends** relations. </script><script>alert(1)</script>",
        tags=["North Korea", "Botswana"],
    )
    CitationFactory(
        entry=entry,
        source=SourceFactory(publisher=PublisherFactory(name="Reuters", slug="reuters")),
    )
    EntryFactory(headline="Unrelated live entry", tags=["Japan"])
    EntryFactory(headline="Secret draft", draft=True, tags=["North Korea"])
    EntryFactory(headline="Scheduled story", scheduled=True, tags=["North Korea"])
    return entry


def test_rss_feed_lists_live_entries_with_their_tags(client, botswana_story):
    response = client.get("/feeds/rss/")
    assert response["Content-Type"].startswith("application/rss+xml")
    items = ET.fromstring(response.content).findall("./channel/item")
    assert {i.findtext("title") for i in items} == {
        "Botswana cuts ties with North Korea",
        "Unrelated live entry",
    }
    item = next(i for i in items if i.findtext("title").startswith("Botswana"))
    assert item.findtext("link") == "http://testserver/2014/02/19/botswana-cuts-ties/"
    assert {c.text for c in item.findall("category")} == {"North Korea", "Botswana"}
    description = item.findtext("description")
    assert description and "<script>" not in description


def test_atom_feed_lists_live_entries(client, botswana_story):
    response = client.get("/feeds/atom/")
    assert response["Content-Type"].startswith("application/atom+xml")
    titles = {
        e.findtext(f"{ATOM}title") for e in ET.fromstring(response.content).iter(f"{ATOM}entry")
    }
    assert titles == {"Botswana cuts ties with North Korea", "Unrelated live entry"}


@pytest.mark.parametrize("kind", ["rss", "atom"])
def test_tag_feeds_list_only_that_tags_live_entries(client, botswana_story, kind):
    response = client.get(f"/tags/north-korea/{kind}/")
    assert response.status_code == 200
    body = response.content.decode()
    assert "Botswana cuts ties with North Korea" in body
    assert "Unrelated live entry" not in body
    assert "Secret draft" not in body and "Scheduled story" not in body


def test_tag_feed_for_unknown_tag_is_404(client, botswana_story):
    assert client.get("/tags/atlantis/rss/").status_code == 404


def sitemap_locs(client) -> set[str]:
    """Every URL of every section page the sitemap index at /sitemap.xml points to."""
    index = ET.fromstring(client.get("/sitemap.xml").content)
    locs = set()
    for section in index.iter(f"{SITEMAP}sitemap"):
        url = section.findtext(f"{SITEMAP}loc").removeprefix("http://testserver")
        page = ET.fromstring(client.get(url).content)
        locs |= {u.findtext(f"{SITEMAP}loc", "") for u in page.iter(f"{SITEMAP}url")}
    return locs


def test_sitemap_lists_live_entries_days_tags_and_publishers_only(client, botswana_story):
    locs = sitemap_locs(client)
    assert "http://testserver/2014/02/19/botswana-cuts-ties/" in locs
    assert "http://testserver/2014/02/19/" in locs
    assert "http://testserver/tags/north-korea/" in locs
    assert "http://testserver/sources/reuters/" in locs
    assert not any("secret-draft" in loc or "scheduled-story" in loc for loc in locs)
    assert len([loc for loc in locs if loc.count("/") == 7]) == 2  # two live entry pages


def test_robots_txt_points_to_the_sitemap_and_keeps_crawlers_off_filter_permutations(client):
    response = client.get("/robots.txt")
    assert response["Content-Type"].startswith("text/plain")
    text = response.content.decode()
    assert "Sitemap: http://testserver/sitemap.xml" in text
    assert "Disallow: /admin/" in text


def test_entry_page_has_canonical_url_and_open_graph_tags(client, botswana_story):
    html = client.get(botswana_story.get_absolute_url()).content.decode()
    url = "http://testserver/2014/02/19/botswana-cuts-ties/"
    assert f'<link rel="canonical" href="{url}">' in html
    assert f'<meta property="og:url" content="{url}">' in html
    assert '<meta property="og:type" content="article">' in html
    assert '<meta property="og:title" content="Botswana cuts ties with North Korea">' in html
    assert '<meta property="article:tag" content="North Korea">' in html


def test_canonical_url_uses_site_url_when_set(client, botswana_story, settings):
    settings.SITE_URL = "https://news.example"
    html = client.get(botswana_story.get_absolute_url()).content.decode()
    assert (
        '<link rel="canonical" href="https://news.example/2014/02/19/botswana-cuts-ties/">' in html
    )


def test_entry_page_has_news_article_json_ld_that_cannot_break_out_of_its_script(
    client, botswana_story
):
    html = client.get(botswana_story.get_absolute_url()).content.decode()
    blocks = re.findall(r'<script type="application/ld\+json">(.*?)</script>', html, re.S)
    assert len(blocks) == 1
    data = json.loads(blocks[0])
    assert data["@type"] == "NewsArticle"
    assert data["headline"] == "Botswana cuts ties with North Korea"
    assert data["url"] == "http://testserver/2014/02/19/botswana-cuts-ties/"
    assert set(data["keywords"]) == {"North Korea", "Botswana"}
    source = botswana_story.citations.get().source
    assert data["citation"][0]["@type"] == "CreativeWork"
    assert data["citation"][0]["url"] == source.url
    assert "datePublished" in data


def test_headline_with_markup_is_escaped_in_json_ld(client):
    entry = EntryFactory(headline="</script><script>alert(1)</script>", slug="xss")
    html = client.get(entry.get_absolute_url()).content.decode()
    block = re.search(r'<script type="application/ld\+json">(.*?)</script>', html, re.S).group(1)
    assert json.loads(block)["headline"] == "</script><script>alert(1)</script>"
    assert "<script>alert" not in html


def test_sitemap_index_splits_a_section_into_pages_past_its_limit(
    client, botswana_story, monkeypatch
):
    # Three live tags, one per page; entry pages (blocks of ids): tests/test_sitemap_entry_pages.py
    from reading.sitemaps import TagSitemap

    monkeypatch.setattr(TagSitemap, "limit", 1)
    index = client.get("/sitemap.xml").content.decode()
    assert "/sitemap-tags.xml?p=3" in index and "/sitemap-tags.xml?p=4" not in index
    assert client.get("/sitemap-tags.xml?p=3").status_code == 200
    assert client.get("/sitemap-tags.xml?p=4").status_code == 404
