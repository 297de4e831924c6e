"""The sitemap index lists no page of the entry section that holds no live entry."""

import pytest

from reading.sitemaps import EntrySitemap
from tests.desk_support import move_to_draft
from tests.factories import EntryFactory

pytestmark = pytest.mark.django_db


def test_the_sitemap_index_never_lists_an_empty_entry_page(client, monkeypatch, editor):
    monkeypatch.setattr(EntrySitemap, "limit", 2)
    entries = [EntryFactory(headline=f"Entry {n}") for n in range(6)]
    blocks = {entry.pk: (entry.pk - 1) // 2 + 1 for entry in entries}
    middle = blocks[entries[2].pk]
    move_to_draft(editor, *[entry for entry in entries if blocks[entry.pk] == middle])
    live = {blocks[entry.pk] for entry in entries if blocks[entry.pk] != middle}

    index = client.get("/sitemap.xml").content.decode()
    for page in live:
        suffix = "" if page == 1 else f"?p={page}"
        assert f"/sitemap-entries.xml{suffix}<" in index, page
        # Each page the index lists holds entries.
        assert "<url>" in client.get(f"/sitemap-entries.xml{suffix}").content.decode()
    assert f"/sitemap-entries.xml?p={middle}<" not in index
    if middle == 1:
        assert "/sitemap-entries.xml<" not in index
    assert "<url>" not in client.get(f"/sitemap-entries.xml?p={middle}").content.decode()
