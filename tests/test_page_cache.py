"""The shared page cache, on the real Redis: what is cached, and every write that refreshes it.

Each test gets its own key prefix on the Redis at 127.0.0.1:6379, so runs never share pages.
Transactional tests, because pages are invalidated after the commit.
"""

import datetime
import re

import pytest
from django.core.cache import cache
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from taggit.models import Tag

from comments import services as comment_services
from comments.models import Comment
from events.models import Entry
from reading import pagecache, pagekeys
from tests.desk_support import move_to_draft, publish_now
from tests.factories import CommentFactory, EntryFactory, redis_page_cache

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def shared_cache(settings):
    with redis_page_cache(settings, "pages"):
        settings.PAGE_CACHE_SECONDS = 300
        # These tests count the queries of single requests; the periodic check for invalidations
        # the cache missed (tests/test_durable_invalidation.py) would add one at random.
        settings.PAGE_INVALIDATION_CHECK_SECONDS = 3600
        settings.COMMENTS_MIN_SECONDS = 0
        yield


def get(client, url: str, **headers):
    """(response, number of queries it ran): a page served from the cache runs none."""
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url, **headers)
    return response, len(queries)


def cached(client, url: str) -> bool:
    return get(client, url)[1] == 0


@pytest.fixture
def story():
    return EntryFactory(
        headline="Volcano erupts in Iceland",
        slug="volcano",
        event_date=datetime.date(2014, 2, 19),
        tags=["Iceland"],
    )


PAGES = ["/", "/events/", "/tags/iceland/", "/feeds/rss/", "/2014/02/", "/2014/02/19/volcano/"]


def warm(client, urls=PAGES):
    for url in urls:
        assert get(client, url)[0].status_code == 200, url
        assert cached(client, url), url


def test_anonymous_pages_and_feeds_come_from_the_cache_with_the_same_content(client, story):
    for url in PAGES:
        first, queries = get(client, url)
        again, none = get(client, url)
        assert queries > 0 and none == 0, url
        assert again.content == first.content
        assert again["Content-Type"] == first["Content-Type"]


def test_publishing_shows_the_entry_on_every_page_at_once(client, story, editor):
    draft = EntryFactory(
        headline="Second eruption",
        slug="second",
        event_date=datetime.date(2014, 2, 19),
        tags=["Iceland"],
        draft=True,
    )
    warm(client)
    assert publish_now(editor, draft) == ["Published 1."]
    for url in PAGES[:-1]:
        assert "Second eruption" in client.get(url).content.decode(), url


def test_editing_unpublishing_and_deleting_refresh_every_page(client, story, editor):
    warm(client)
    story.headline = "Volcano calms down"
    story.save()
    for url in PAGES:
        assert "Volcano calms down" in client.get(url).content.decode(), url
    warm(client, PAGES[:-1])
    assert move_to_draft(editor, story) == ["Moved to draft 1."]
    assert client.get("/2014/02/19/volcano/").status_code == 404
    for url in ("/", "/events/", "/feeds/rss/"):
        assert "Volcano calms down" not in client.get(url).content.decode(), url
    other = EntryFactory(headline="Storm hits Chile", tags=["Chile"])
    warm(client, ["/", "/tags/chile/"])
    other.delete()
    assert "Storm hits Chile" not in client.get("/").content.decode()
    assert client.get("/tags/chile/").status_code == 404


def test_approving_and_removing_a_comment_refresh_the_entry_page(client, story, editor):
    comment = CommentFactory(entry=story, body="First-hand account")
    warm(client, ["/2014/02/19/volcano/"])
    comment_services.moderate(
        Comment.objects.filter(pk=comment.pk), status=Comment.Status.APPROVED, moderator=editor
    )
    assert "First-hand account" in client.get("/2014/02/19/volcano/").content.decode()
    warm(client, ["/2014/02/19/volcano/"])
    comment_services.moderate(
        Comment.objects.filter(pk=comment.pk), status=Comment.Status.REJECTED, moderator=editor
    )
    assert "First-hand account" not in client.get("/2014/02/19/volcano/").content.decode()


def test_renaming_a_tag_refreshes_the_pages_showing_it(client, story):
    warm(client)
    tag = Tag.objects.get(name="Iceland")
    tag.name = "Republic of Iceland"
    tag.save()
    for url in ("/events/", "/tags/iceland/", "/2014/02/19/volcano/"):
        assert "Republic of Iceland" in client.get(url).content.decode(), url


def test_a_cached_page_never_outlives_the_next_scheduled_publish_time(client, story, rf):
    soon = timezone.now() + datetime.timedelta(seconds=90)
    EntryFactory(headline="Embargoed report", publish_at=soon, tags=["Iceland"])
    client.get("/")
    page = cache.get(pagecache.page_key(rf.get("/")))
    assert page is not None
    assert page["expires"] <= soon.timestamp()
    assert cache.get(pagecache.NEXT_PUBLISH_KEY) == soon.timestamp()


def test_when_a_scheduled_time_passes_every_page_and_related_list_shows_the_entry(client, story):
    soon = timezone.now() + datetime.timedelta(seconds=90)
    EntryFactory(
        headline="Embargoed report",
        slug="embargoed",
        event_date=datetime.date(2014, 2, 18),
        publish_at=soon,
        tags=["Iceland"],
    )
    warm(client)
    assert "Embargoed report" not in client.get("/2014/02/19/volcano/").content.decode()
    # The clock passes the publish time: no write, no signal. Here the time is moved back in
    # the database and in the cached next-publish time, as the clock would have moved forward.
    passed = timezone.now() - datetime.timedelta(seconds=1)
    Entry.objects.filter(slug="embargoed").update(publish_at=passed)
    cache.set(pagecache.NEXT_PUBLISH_KEY, passed.timestamp(), timeout=None)
    for url in PAGES:
        assert "Embargoed report" in client.get(url).content.decode(), url
    assert cache.get(pagecache.NEXT_PUBLISH_KEY) == pagecache.NONE_SCHEDULED


def test_signed_in_staff_and_session_holders_never_get_a_cached_page(client, story, editor):
    warm(client)
    staff = Client()
    staff.force_login(editor)
    for url in PAGES:
        assert not cached(staff, url), url
    draft = EntryFactory(headline="Draft only staff see", draft=True)
    assert staff.get(draft.get_absolute_url()).status_code == 200
    # Staff pages are not stored for readers either.
    assert client.get(draft.get_absolute_url()).status_code == 404


def test_cached_pages_vary_on_cookie_and_answer_conditional_gets_without_rendering(client, story):
    url = "/2014/02/19/volcano/"  # differs for signed-in users (drafts, the comment form)
    warm(client, [url])
    response = client.get(url)
    assert "Cookie" in response["Vary"]
    etag = response["ETag"]
    not_modified, queries = get(client, url, HTTP_IF_NONE_MATCH=etag)
    assert not_modified.status_code == 304 and queries == 0
    assert not_modified["ETag"] == etag and "Cookie" in not_modified["Vary"]
    since = response["Last-Modified"]
    assert get(client, url, HTTP_IF_MODIFIED_SINCE=since)[0].status_code == 304
    story.headline = "Changed"
    story.save()
    assert client.get(url, HTTP_IF_NONE_MATCH=etag).status_code == 200


def test_pages_carry_an_etag_without_the_shared_cache_too(client, story, settings):
    settings.PAGE_CACHE = False
    etag = client.get("/feeds/rss/")["ETag"]
    assert client.get("/feeds/rss/", HTTP_IF_NONE_MATCH=etag).status_code == 304


def test_a_reader_served_a_cached_entry_page_can_post_a_comment(story):
    reader = Client(enforce_csrf_checks=True)
    url = "/2014/02/19/volcano/"
    warm(reader, [url])
    html = reader.get(url).content.decode()
    token = re.search(r'name="token" value="([^"]+)"', html).group(1)
    response = reader.post(
        f"/comments/post/{story.pk}/",
        {"name": "Ann", "email": "ann@example.com", "body": "Seen from Reykjavik", "token": token},
    )
    assert response.status_code == 302
    assert Comment.objects.filter(entry=story, body="Seen from Reykjavik").exists()
    # The reader now holds a flash message cookie: the entry page is rendered for them.
    assert not cached(reader, url)


def test_a_signed_in_post_without_the_csrf_token_is_refused(story, editor):
    staff = Client(enforce_csrf_checks=True)
    staff.force_login(editor)
    html = staff.get("/2014/02/19/volcano/").content.decode()
    token = re.search(r'name="token" value="([^"]+)"', html).group(1)
    response = staff.post(
        f"/comments/post/{story.pk}/",
        {"name": "Ed", "email": "ed@example.com", "body": "Forged", "token": token},
    )
    assert response.status_code == 403
    assert not Comment.objects.filter(body="Forged").exists()


def test_two_readers_served_the_same_cached_page_can_each_post_once(client):
    """The cached form's token is spent per sender: each reader posts once, a replay is refused."""
    from django.test import Client

    from comments.models import Comment
    from tests.factories import EntryFactory

    entry = EntryFactory()
    first = client.get(entry.get_absolute_url()).content.decode()
    again = Client().get(entry.get_absolute_url()).content.decode()
    token = re.search(r'name="token" value="([^"]+)"', first).group(1)
    assert f'value="{token}"' in again  # the second reader got the same cached form

    def post(address, email):
        reader = Client(REMOTE_ADDR=address)
        data = {"name": "R", "email": email, "body": "Hello.", "website": "", "token": token}
        return reader.post(f"/comments/post/{entry.pk}/", data)

    post("192.0.2.1", "ann@example.com")
    post("192.0.2.2", "bob@example.com")
    post("192.0.2.1", "ann@example.com")  # the same reader again: a replay
    assert sorted(Comment.objects.values_list("email", flat=True)) == [
        "ann@example.com",
        "bob@example.com",
    ]


def _cache_round_trips(monkeypatch) -> list:
    """Record each `get_many` the page cache sends (one Redis round trip each)."""
    from django.core.cache import caches

    calls: list = []
    backend = caches["default"]  # this thread's, the one `cache` stands for
    original = backend.get_many

    def counting(keys, *args, **kwargs):
        calls.append(list(keys))
        return original(keys, *args, **kwargs)

    monkeypatch.setattr(backend, "get_many", counting)
    return calls


def test_a_hit_costs_one_cache_round_trip_once_the_process_saw_the_page(client, story, monkeypatch):
    url = "/2014/02/19/volcano/"
    client.get(url)  # rendered and stored: this process knows the copy's keys
    calls = _cache_round_trips(monkeypatch)
    assert cached(client, url)
    assert len(calls) == 1
    # A process that never saw the page reads the copy's keys in a second round trip.
    pagecache._known_bump_keys.clear()
    calls.clear()
    assert cached(client, url)
    assert len(calls) == 2
    calls.clear()
    assert cached(client, url)
    assert len(calls) == 1


def test_a_hit_checks_every_key_of_the_copy_even_those_the_process_did_not_expect(client, story):
    url = "/2014/02/19/volcano/"
    client.get(url)
    # As if another process had stored the copy, with a key this one never saw on the page.
    entry_bump = pagecache.bump_key(pagekeys.entry_key(story.pk))
    for page_key, names in list(pagecache._known_bump_keys.items()):
        pagecache._known_bump_keys[page_key] = tuple(n for n in names if n != entry_bump)
    assert cached(client, url)
    pagecache.purge_keys([pagekeys.entry_key(story.pk)])
    assert not cached(client, url)
