"""The Google News sitemap: entries live for less than 48 hours, with publication and title."""

import datetime
import xml.etree.ElementTree as ET

import pytest
from django.utils import timezone

from tests.factories import EntryFactory

pytestmark = pytest.mark.django_db

NS = {
    "s": "http://www.sitemaps.org/schemas/sitemap/0.9",
    "news": "http://www.google.com/schemas/sitemap-news/0.9",
}


def test_news_sitemap_lists_entries_live_for_less_than_48_hours(client, settings):
    settings.SITE_NAME = "The Desk"
    fresh = EntryFactory(headline="Fresh <news> & more")
    EntryFactory(publish_at=timezone.now() - datetime.timedelta(hours=49))  # too old
    EntryFactory(draft=True)
    EntryFactory(scheduled=True)
    response = client.get("/sitemap-news.xml")
    assert response.status_code == 200
    root = ET.fromstring(response.content)
    urls = root.findall("s:url", NS)
    assert [u.findtext("s:loc", namespaces=NS) for u in urls] == [
        f"http://testserver{fresh.get_absolute_url()}"
    ]
    news = urls[0].find("news:news", NS)
    assert news.findtext("news:publication/news:name", namespaces=NS) == "The Desk"
    assert news.findtext("news:publication/news:language", namespaces=NS) == "en"
    assert news.findtext("news:title", namespaces=NS) == "Fresh <news> & more"
    published = datetime.datetime.fromisoformat(
        str(news.findtext("news:publication_date", namespaces=NS))
    )
    assert published == fresh.publish_at


def test_robots_txt_lists_the_news_sitemap(client):
    assert "Sitemap: http://testserver/sitemap-news.xml" in client.get("/robots.txt").text
