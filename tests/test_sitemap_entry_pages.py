"""The entry sitemap's pages: blocks of entry ids, each read by one primary key range scan.

Page p of /sitemap-entries.xml holds the live entries whose id lies in ((p - 1) · n, p · n],
n being EntrySitemap.limit, and the index lists pages up to the highest entry id.
"""

import datetime
import math
import re
import xml.etree.ElementTree as ET

import pytest
from django.contrib.sites.requests import RequestSite
from django.db import connection
from django.template.loader import render_to_string
from django.test.utils import CaptureQueriesContext
from django.utils.timezone import localtime

from events.models import Entry
from reading.sitemaps import EntrySitemap
from tests.factories import EntryFactory

pytestmark = pytest.mark.django_db

SITEMAP = "{http://www.sitemaps.org/schemas/sitemap/0.9}"
BLOCK = 3


@pytest.fixture(autouse=True)
def small_pages(monkeypatch):
    """Pages of BLOCK ids, so a handful of entries spans several pages."""
    monkeypatch.setattr(EntrySitemap, "limit", BLOCK)


def page_of(entry: Entry) -> int:
    return (entry.pk - 1) // BLOCK + 1


def url_of(entry: Entry) -> str:
    return f"http://testserver{entry.get_absolute_url()}"


def last_page() -> int:
    return max(1, math.ceil(Entry.objects.order_by("-pk").values_list("pk", flat=True)[0] / BLOCK))


def entry_pages_in_index(client) -> list[str]:
    """The entry section's page URLs, as the index at /sitemap.xml lists them."""
    index = ET.fromstring(client.get("/sitemap.xml").content)
    locs = [s.findtext(f"{SITEMAP}loc", "") for s in index.iter(f"{SITEMAP}sitemap")]
    return [loc.removeprefix("http://testserver") for loc in locs if "sitemap-entries" in loc]


def urls_on(client, page: int) -> dict[str, str]:
    """The URLs page `page` of the entry section lists, each with its <lastmod>."""
    response = client.get(f"/sitemap-entries.xml?p={page}")
    assert response.status_code == 200
    return {
        url.findtext(f"{SITEMAP}loc", ""): url.findtext(f"{SITEMAP}lastmod", "")
        for url in ET.fromstring(response.content).iter(f"{SITEMAP}url")
    }


@pytest.fixture
def archive():
    """Live entries interleaved with drafts and scheduled ones, over several event dates."""
    entries: dict[str, list[Entry]] = {"live": [], "hidden": []}
    for i in range(12):
        day = datetime.date(2014, 1, 1) + datetime.timedelta(days=(i * 7) % 12)
        if i % 5 == 3:
            entries["hidden"].append(EntryFactory(event_date=day, draft=True))
        elif i % 5 == 4:
            entries["hidden"].append(EntryFactory(event_date=day, scheduled=True))
        else:
            entries["live"].append(EntryFactory(event_date=day))
    return entries


def test_every_live_entry_is_on_exactly_one_page_its_id_block_and_hidden_ones_on_none(
    client, archive
):
    # Ids go on from earlier tests on PostgreSQL (its sequences do not roll back): the pages
    # before this archive's first id hold nothing of it, and reading thousands of them would
    # only cost time.
    first = page_of(min((e for entries in archive.values() for e in entries), key=lambda e: e.pk))
    if first > 1:
        assert urls_on(client, first - 1) == {}
    pages = {page: urls_on(client, page) for page in range(first, last_page() + 1)}
    listed = [url for urls in pages.values() for url in urls]
    assert sorted(listed) == sorted(url_of(e) for e in archive["live"])
    for entry in archive["live"]:
        assert pages[page_of(entry)][url_of(entry)] == f"{localtime(entry.updated):%Y-%m-%d}"
    assert all(len(urls) <= BLOCK for urls in pages.values())


def test_the_index_lists_each_page_holding_a_live_entry_once(client, archive):
    # The highest ids may be drafts: a page of drafts only is not listed (an empty sitemap).
    EntryFactory.create_batch(BLOCK + 1, draft=True)
    live = sorted({page_of(entry) for entry in Entry.objects.published()})
    assert last_page() not in live
    assert entry_pages_in_index(client) == [
        "/sitemap-entries.xml" if page == 1 else f"/sitemap-entries.xml?p={page}" for page in live
    ]


def test_an_entrys_page_does_not_change_when_older_entries_go_or_newer_ones_come(client, archive):
    entry = archive["live"][4]
    page = page_of(entry)
    assert url_of(entry) in urls_on(client, page)
    Entry.objects.filter(pk__lt=entry.pk).delete()
    for day in (datetime.date(2015, 1, 1), datetime.date(2013, 1, 1)):
        EntryFactory.create_batch(BLOCK, event_date=day)
    assert url_of(entry) in urls_on(client, page)
    assert page_of(entry) == page


def test_a_page_past_the_last_and_a_page_that_is_no_number_are_404(client, archive):
    last = last_page()
    assert client.get(f"/sitemap-entries.xml?p={last}").status_code == 200
    for page in (last + 1, 0, -1, "two"):
        assert client.get(f"/sitemap-entries.xml?p={page}").status_code == 404


def test_an_empty_archive_has_one_empty_page_the_index_does_not_list(client):
    assert entry_pages_in_index(client) == []
    assert urls_on(client, 1) == {}
    assert client.get("/sitemap-entries.xml?p=2").status_code == 404


def test_first_and_last_pages_run_the_same_two_queries_with_no_offset_and_no_count(client, archive):
    captured = []
    for page in (1, last_page()):
        with CaptureQueriesContext(connection) as queries:
            urls_on(client, page)
        captured.append([q["sql"].upper() for q in queries])
    first, last = captured
    assert len(first) == len(last) == 2  # the highest id, then the page's range of ids
    assert not any("OFFSET" in sql or "COUNT(" in sql for sql in first + last)


def test_a_page_is_the_text_djangos_sitemap_template_renders_for_it(client, archive, rf):
    # The view writes the XML itself (reading.sitemaps.urlset_xml); Django's template is the spec.
    site = RequestSite(rf.get("/"))
    for page in range(1, last_page() + 1):
        urls = EntrySitemap().get_urls(page=page, site=site, protocol="http")
        expected = render_to_string("sitemap.xml", {"urlset": urls})
        served = client.get(f"/sitemap-entries.xml?p={page}").content.decode()
        assert re.sub(r">\s+<", "><", served).strip() == re.sub(r">\s+<", "><", expected).strip()


def test_a_block_holding_only_scheduled_or_deleted_entries_is_not_in_the_index(client, archive):
    # 2 · BLOCK - 1 consecutive ids hold at least one whole block, whatever the first id.
    scheduled = EntryFactory.create_batch(2 * BLOCK - 1, scheduled=True)
    deleted = EntryFactory.create_batch(2 * BLOCK - 1)
    EntryFactory.create_batch(BLOCK)  # later blocks that stay live
    Entry.objects.filter(pk__in=[e.pk for e in deleted]).delete()
    live = sorted({page_of(entry) for entry in Entry.objects.published()})
    for hidden in (scheduled, deleted):
        assert {page_of(e) for e in hidden} - set(live)  # a block of them only
    assert entry_pages_in_index(client) == [
        "/sitemap-entries.xml" if page == 1 else f"/sitemap-entries.xml?p={page}" for page in live
    ]
