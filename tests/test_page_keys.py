"""A write purges exactly the cached pages that show what it changed, and no other.

The newsroom of these tests: "Volcano erupts" (Iceland, 2014-02-19) and "Ash cloud grounds
flights" (Iceland, 2014-02-20) share a tag, so each lists the other in its related widget;
"Storm hits Chile" (Chile, 2015-06-01) shares nothing with them. Each test warms every page,
makes one kind of write the way the desk or a reader makes it, and then pins which pages render
again (the purged ones) and which still come from the cache.

Real Redis at 127.0.0.1:6379 under a key prefix of each test's own; transactional tests,
because purges follow the commit.
"""

import datetime
import re

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from taggit.models import Tag

from comments import services as comment_services
from comments.models import Comment
from desk import tags as tag_services
from reading import pagecache, pagekeys
from reading.models import PageInvalidation
from sources.models import Citation
from tests.desk_support import publish_now
from tests.factories import (
    CitationFactory,
    CommentFactory,
    EntryFactory,
    SourceFactory,
    redis_page_cache,
)

pytestmark = pytest.mark.django_db(transaction=True)

VOLCANO = "/2014/02/19/volcano/"
ASH = "/2014/02/20/ash/"
STORM = "/2015/06/01/storm/"
PAGES = {
    "home": "/",
    "list": "/events/",
    "feed": "/feeds/rss/",
    "sitemap": "/sitemap.xml",
    "volcano": VOLCANO,
    "ash": ASH,
    "storm": STORM,
    "iceland": "/tags/iceland/",
    "iceland feed": "/tags/iceland/rss/",
    "chile": "/tags/chile/",
    "day 19": "/2014/02/19/",
    "day 20": "/2014/02/20/",
    "month 2014-02": "/2014/02/",
    "day storm": "/2015/06/01/",
    "year 2015": "/2015/",
}


@pytest.fixture(autouse=True)
def shared_cache(settings):
    with redis_page_cache(settings, "page-keys"):
        settings.PAGE_CACHE_SECONDS = 300
        settings.PAGE_INVALIDATION_CHECK_SECONDS = 3600
        settings.COMMENTS_MIN_SECONDS = 0
        yield


@pytest.fixture
def newsroom():
    volcano = EntryFactory(
        headline="Volcano erupts",
        slug="volcano",
        event_date=datetime.date(2014, 2, 19),
        tags=["Iceland"],
    )
    ash = EntryFactory(
        headline="Ash cloud grounds flights",
        slug="ash",
        event_date=datetime.date(2014, 2, 20),
        tags=["Iceland"],
    )
    storm = EntryFactory(
        headline="Storm hits Chile",
        slug="storm",
        event_date=datetime.date(2015, 6, 1),
        tags=["Chile"],
    )
    return {"volcano": volcano, "ash": ash, "storm": storm}


def from_cache(client: Client, url: str) -> bool:
    """Whether the page came from the cache (a 404 or a redirect now is rendered, so not)."""
    with CaptureQueriesContext(connection) as queries:
        client.get(url)
    return len(queries) == 0


def warm(client: Client) -> None:
    for name, url in PAGES.items():
        assert client.get(url).status_code == 200, name
        assert from_cache(client, url), name


def rendered_again(client: Client) -> set[str]:
    """The pages a reader now gets freshly rendered (each is cached again by the look)."""
    return {name for name, url in PAGES.items() if not from_cache(client, url)}


def test_every_public_page_carries_the_keys_of_what_it_shows(client, newsroom):
    volcano = newsroom["volcano"]
    response = client.get(VOLCANO)
    shown = set(response["xkey"].split())
    expected = {
        pagekeys.ALL,
        pagekeys.entry_key(volcano.pk),
        pagekeys.comments_key(volcano.pk),
        pagekeys.related_key("iceland"),
        pagekeys.entry_key(newsroom["ash"].pk),  # in the related widget
        pagekeys.tag_name_key("iceland"),
    }
    assert shown == set(pagekeys.edge_keys(expected))
    # A list names its own key and the entry of each card it prints.
    assert set(client.get("/tags/iceland/")["xkey"].split()) == set(
        pagekeys.edge_keys(
            {
                pagekeys.ALL,
                pagekeys.tag_key("iceland"),
                pagekeys.entry_key(volcano.pk),
                pagekeys.entry_key(newsroom["ash"].pk),
            }
        )
    )


def test_an_entry_edit_purges_its_page_days_tags_lists_and_related_pages_only(client, newsroom):
    warm(client)
    volcano = newsroom["volcano"]
    volcano.headline = "Volcano erupts again"
    volcano.save()
    assert rendered_again(client) == {
        "home",
        "list",
        "feed",
        "sitemap",
        "volcano",
        "ash",  # its related widget shows the volcano
        "iceland",
        "iceland feed",
        "day 19",
        "month 2014-02",
    }
    assert "Volcano erupts again" in client.get(ASH).content.decode()


def test_an_edit_keeping_its_place_purges_only_the_lists_printing_the_entry(client, newsroom):
    for day in range(1, 6):  # five later days: the volcano is off the home page
        EntryFactory(
            headline=f"Later news {day}",
            slug=f"later-{day}",
            event_date=datetime.date(2016, 1, day),
            tags=["Later"],
        )
    warm(client)
    search = "/events/?q=erupts"
    assert "Volcano erupts" in client.get(search).content.decode()
    assert from_cache(client, search)
    assert "Volcano erupts" not in client.get("/").content.decode()
    volcano = newsroom["volcano"]
    volcano.headline = "Volcano erupts again"
    volcano.save()
    assert rendered_again(client) == {
        "list",  # its card is on /events/
        "feed",  # feeds, sitemaps and searches show entries' fields without naming them
        "sitemap",
        "volcano",
        "ash",  # its related widget shows the volcano
        "iceland",
        "iceland feed",
        "day 19",
        "month 2014-02",
    }
    assert not from_cache(client, search)  # which entries match follows their text
    assert "Volcano erupts again" in client.get("/tags/iceland/").content.decode()


def test_moving_an_entry_to_another_day_purges_the_archive_it_left(client, newsroom):
    warm(client)
    storm = newsroom["storm"]
    storm.event_date = datetime.date(2014, 2, 20)
    storm.save()
    purged = rendered_again(client)  # its old URL and its old archives are 404s now
    assert {"storm", "day storm", "year 2015", "day 20", "month 2014-02", "chile"} <= purged
    assert {"volcano", "iceland", "day 19"}.isdisjoint(purged)


def test_publishing_through_the_desk_purges_the_lists_and_the_tag(client, newsroom, editor):
    draft = EntryFactory(
        headline="Lava reaches the sea",
        slug="lava",
        event_date=datetime.date(2015, 6, 1),
        tags=["Chile"],
        draft=True,
    )
    warm(client)
    publish_now(editor, draft)
    purged = rendered_again(client)
    assert {"home", "list", "feed", "chile", "day storm", "year 2015", "storm"} <= purged
    assert {"volcano", "ash", "iceland", "iceland feed", "day 19", "day 20"}.isdisjoint(purged)
    assert "Lava reaches the sea" in client.get("/tags/chile/").content.decode()


def test_a_pending_comment_posted_by_a_reader_purges_nothing(newsroom):
    reader = Client()
    warm(reader)
    html = reader.get(VOLCANO).content.decode()
    token = re.search(r'name="token" value="([^"]+)"', html).group(1)
    response = reader.post(
        f"/comments/post/{newsroom['volcano'].pk}/",
        {"name": "Ann", "email": "ann@example.com", "body": "Seen from Reykjavik", "token": token},
    )
    assert response.status_code == 302
    assert Comment.objects.get().status == Comment.Status.PENDING
    assert not PageInvalidation.objects.exists()
    assert rendered_again(Client()) == set()


def test_an_approved_or_removed_comment_purges_its_entry_page_only(client, newsroom, editor):
    comment = CommentFactory(entry=newsroom["volcano"], body="First-hand account")
    warm(client)
    comment_services.moderate(
        Comment.objects.filter(pk=comment.pk), status=Comment.Status.APPROVED, moderator=editor
    )
    assert rendered_again(client) == {"volcano"}
    assert "First-hand account" in client.get(VOLCANO).content.decode()
    comment_services.moderate(
        Comment.objects.filter(pk=comment.pk), status=Comment.Status.REJECTED, moderator=editor
    )
    assert rendered_again(client) == {"volcano"}
    assert "First-hand account" not in client.get(VOLCANO).content.decode()


def test_a_tag_merge_purges_both_tags_pages_and_their_entries_not_the_others(client, newsroom):
    warm(client)
    tag_services.merge_tags([Tag.objects.get(slug="chile")], Tag.objects.get(slug="iceland"))
    purged = rendered_again(client)
    assert client.get("/tags/chile/").status_code == 301  # the merged tag's cached page is gone
    assert {"iceland", "iceland feed", "storm", "day storm", "home", "list"} <= purged
    assert "Storm hits Chile" in client.get("/tags/iceland/").content.decode()
    assert {"day 19", "day 20"}.isdisjoint(purged)


def test_renaming_a_tag_purges_the_pages_printing_its_name(client, newsroom):
    warm(client)
    tag_services.rename_tag(Tag.objects.get(slug="chile"), "Republic of Chile")
    purged = rendered_again(client)
    assert {"storm", "chile", "day storm", "home", "list"} <= purged
    assert {"volcano", "ash", "iceland", "day 19", "day 20"}.isdisjoint(purged)


def test_a_citation_purges_its_entry_and_publisher_pages_only(client, newsroom):
    source = SourceFactory()  # a new source purges everything: before the pages are warmed
    warm(client)
    citation = CitationFactory(entry=newsroom["storm"], source=source)
    slug = citation.source.publisher.slug
    assert Citation.objects.count() == 1
    purged = rendered_again(client)
    assert "storm" in purged
    assert {"volcano", "ash", "iceland", "day 19"}.isdisjoint(purged)
    record_keys = pagecache.PageInvalidation.objects.values_list("keys", flat=True)
    assert not record_keys.exists()  # applied and deleted after the commit
    assert client.get(f"/sources/{slug}/").status_code == 200


def test_a_write_records_its_keys_with_it_and_a_rollback_records_none(newsroom):
    from django.db import transaction

    storm = newsroom["storm"]
    with transaction.atomic():
        storm.headline = "Storm weakens"
        storm.save()
        record = PageInvalidation.objects.get()
        assert pagekeys.entry_key(storm.pk) in record.keys
        assert pagekeys.EDITS in record.keys  # a plain edit: lists name their cards' entries
        assert pagekeys.entry_key(newsroom["volcano"].pk) not in record.keys
        newsroom["volcano"].save()
        record.refresh_from_db()  # the same record, with the second write's keys added
        assert pagekeys.entry_key(newsroom["volcano"].pk) in record.keys


def test_an_entry_joining_a_story_purges_the_story_pages_and_its_entries_pages_only(
    client, newsroom
):
    from stories import services as story_services

    story = story_services.story_named("Icelandic eruption")
    story_services.set_story(newsroom["volcano"], story)
    pages = {**PAGES, "story": f"/stories/{story.slug}/", "stories": "/stories/"}
    for name, url in pages.items():
        assert client.get(url).status_code == 200, name
        assert from_cache(client, url), name

    story_services.set_story(newsroom["ash"], story)

    again = {name for name, url in pages.items() if not from_cache(client, url)}
    # The story box on both members' pages, the lists (home, story pages and index); never the
    # pages of entries outside the story, nor tag pages whose entries did not change.
    assert {"story", "stories", "home", "volcano", "ash"} <= again
    assert not again & {"storm", "chile", "day storm", "year 2015"}


def test_the_home_page_regroups_when_a_story_changes_category_and_ignores_comments(
    client, newsroom, editor
):
    """The home page groups entries by their story's category (and places entries outside any
    story by their tags): a story's change purges it. It prints no comment counts, so a
    moderated comment leaves it cached and still true."""
    from stories import services as story_services

    story = story_services.story_named("Icelandic eruption", category="disasters")
    story_services.set_story(newsroom["volcano"], story)
    heading = '<h3 class="category__heading">{}</h3>'.format
    assert heading("Disasters and accidents") in client.get("/").content.decode()
    assert from_cache(client, "/")

    story.category = "science"
    story.save()

    assert not from_cache(client, "/")
    html = client.get("/").content.decode()
    assert heading("Science and technology") in html
    assert heading("Disasters and accidents") not in html
    # "Ash cloud" shares the Iceland tag with the story's entry: it follows it to science.
    science = html[html.index(heading("Science and technology")) :]
    assert "Ash cloud grounds flights" in science[: science.index("</section>")]
    comment = CommentFactory(entry=newsroom["volcano"], body="Seen from Reykjavik")
    comment_services.moderate(
        Comment.objects.filter(pk=comment.pk), status=Comment.Status.APPROVED, moderator=editor
    )
    assert from_cache(client, "/")
    assert "comment" not in client.get("/").content.decode().split("<main")[1]


def _keys_of_entries_calls(monkeypatch) -> list:
    """Record each call of the receivers' `keys_of_entries` (three queries each)."""
    from reading import signals

    calls: list = []
    original = signals.keys_of_entries

    def counting(entry_ids, **kwargs):
        calls.append(set(entry_ids))
        return original(entry_ids, **kwargs)

    monkeypatch.setattr(signals, "keys_of_entries", counting)
    return calls


def test_tags_and_a_citation_added_in_one_transaction_compute_the_entry_keys_once(
    newsroom, monkeypatch
):
    from django.db import transaction

    from reading import signals

    storm = newsroom["storm"]
    source = SourceFactory()
    calls = _keys_of_entries_calls(monkeypatch)
    with transaction.atomic():
        storm.tags.add("Flood", "Santiago", "Andes", "Rain")  # a link saved per tag, then bulk
        Citation.objects.create(entry=storm, source=source)
        keys = set(PageInvalidation.objects.get().keys)
    assert calls == [{storm.pk}]
    # The keys computing them per link gave: the entry's (now with every tag), each new tag's
    # page and related widgets, the publisher's page; nothing of another entry.
    assert signals.keys_of_entries([storm.pk]) <= keys
    for slug in ("flood", "santiago", "andes", "rain"):
        assert {pagekeys.tag_key(slug), pagekeys.related_key(slug)} <= keys
    assert pagekeys.publisher_key(source.publisher.slug) in keys
    assert pagekeys.entry_key(newsroom["volcano"].pk) not in keys


def test_keys_recorded_in_a_rolled_back_savepoint_are_computed_again(newsroom, monkeypatch):
    from django.db import transaction

    from reading import signals

    storm = newsroom["storm"]
    calls = _keys_of_entries_calls(monkeypatch)
    with transaction.atomic():
        with pytest.raises(RuntimeError), transaction.atomic():
            storm.tags.add("Flood")
            raise RuntimeError("rolled back with its record")
        assert not PageInvalidation.objects.exists()
        storm.tags.add("Rain")
        keys = set(PageInvalidation.objects.get().keys)
    assert calls == [{storm.pk}, {storm.pk}]
    assert signals.keys_of_entries([storm.pk]) <= keys
    assert pagekeys.tag_key("flood") not in keys
