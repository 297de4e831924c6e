"""With a read replica and the shared page cache both on, a page the cache will store renders
from the primary: a lagging replica's rows are never cached for every reader after a write's
purge. Pages the cache does not store (the cache off) still read the replica.
"""

import pytest
from django.db import connections
from django.test.utils import CaptureQueriesContext

from tests.factories import EntryFactory, redis_page_cache

pytestmark = pytest.mark.django_db(transaction=True, databases=["default", "replica"])


@pytest.fixture(autouse=True)
def replica_and_page_cache(settings):
    with redis_page_cache(settings, "replica-pages"):
        settings.DATABASE_ROUTERS = ["newsroom.routers.ReplicaRouter"]
        settings.PAGE_INVALIDATION_CHECK_SECONDS = 3600
        yield settings


def reads(client, url: str) -> dict[str, int]:
    with (
        CaptureQueriesContext(connections["default"]) as default,
        CaptureQueriesContext(connections["replica"]) as replica,
    ):
        assert client.get(url).status_code == 200
    return {"default": len(default), "replica": len(replica)}


def test_a_page_cache_miss_renders_from_the_primary(client, replica_and_page_cache):
    entry = EntryFactory(headline="Read where it is cached", tags=["replicas"])
    for url in (entry.get_absolute_url(), "/events/", "/tags/replicas/"):
        miss = reads(client, url)
        assert miss["replica"] == 0 and miss["default"] > 0, url
        assert reads(client, url) == {"default": 0, "replica": 0}, url  # the hit reads nothing


def test_without_the_page_cache_anonymous_pages_still_read_the_replica(
    client, replica_and_page_cache
):
    replica_and_page_cache.PAGE_CACHE = False
    entry = EntryFactory(headline="Read from the replica")
    got = reads(client, entry.get_absolute_url())
    assert got["replica"] > 0 and got["default"] == 0
