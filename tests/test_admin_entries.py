"""The editors' flow in the admin: write, tag, source, publish; bad input refused, nothing lost."""

import datetime

import pytest
from django.urls import reverse
from taggit.models import Tag

from events.models import Entry
from sources.models import Citation, Publisher, Source
from tests.factories import EntryFactory, PublisherFactory

pytestmark = pytest.mark.django_db

ADD_URL = reverse("admin:events_entry_add")


def entry_form(sources=(), **fields):
    """POST data for the entry admin page, with one inline row per source dict."""
    data = {
        "event_date": "2014-02-19",
        "headline": "Botswana ends diplomatic relations with North Korea.",
        "slug": "botswana-ends-diplomatic-relations",
        "tags": "",
        "body": "",
        "status": "draft",
        "publish_at_0": "",
        "publish_at_1": "",
        "comments_open": "on",
        "citations-TOTAL_FORMS": str(len(sources)),
        "citations-INITIAL_FORMS": "0",
        "citations-MIN_NUM_FORMS": "0",
        "citations-MAX_NUM_FORMS": "1000",
    }
    for i, source in enumerate(sources):
        row = {"url": "", "title": "", "publisher": "", "byline": "", "published_on": "",
               "excerpt": "", "position": str(i)}  # fmt: skip
        row.update(source)
        data.update({f"citations-{i}-{key}": value for key, value in row.items()})
    data.update(fields)
    return data


def test_editor_creates_an_entry_with_three_tags_and_two_sources_publishes_and_readers_see_it(
    editor_client, editor, client
):
    reuters = PublisherFactory(name="Reuters", slug="reuters", domain="reuters.com")
    response = editor_client.post(
        ADD_URL,
        entry_form(
            tags='North Korea, human rights, "Facebook, Inc."',
            status="published",
            sources=[
                {
                    "url": "https://www.reuters.com/article/nk-botswana?utm_source=twitter",
                    "title": "Botswana cuts ties with North Korea",
                    "byline": "Jane Doe",
                    "published_on": "2014-02-20",
                },
                {"url": "HTTP://WWW.DailyNK.com/english/read.php?num=11542", "title": "Botswana"},
            ],
        ),
    )
    assert response.status_code == 302, response.context["adminform"].form.errors
    entry = Entry.objects.get()
    assert entry.author == editor
    assert entry.is_live
    assert sorted(entry.tags.names()) == ["Facebook, Inc.", "North Korea", "human rights"]
    sources = [c.source for c in entry.citations.select_related("source__publisher")]
    assert [s.url for s in sources] == [
        "https://www.reuters.com/article/nk-botswana",
        "http://www.dailynk.com/english/read.php?num=11542",
    ]
    assert sources[0].publisher == reuters
    assert sources[1].publisher.domain == "dailynk.com"

    page = client.get("/2014/02/19/botswana-ends-diplomatic-relations/")
    html = page.content.decode()
    assert page.status_code == 200
    assert "Botswana ends diplomatic relations with North Korea." in html
    assert "Facebook, Inc." in html
    assert 'href="https://www.reuters.com/article/nk-botswana" rel="noopener"' in html
    sources_list = html[html.index('<ol class="sources">') :]
    assert sources_list.index("Reuters") < sources_list.index("dailynk.com")
    assert client.get("/").content.decode().count("Botswana ends diplomatic") == 1


def test_tags_differing_only_in_case_are_one_tag(editor_client):
    EntryFactory(tags=["North Korea"])
    editor_client.post(ADD_URL, entry_form(tags="north korea, NORTH KOREA, Human Rights"))
    assert sorted(Tag.objects.values_list("name", flat=True)) == ["Human Rights", "North Korea"]


def test_a_tag_name_may_contain_a_comma_when_quoted(editor_client):
    editor_client.post(ADD_URL, entry_form(tags='"Facebook, Inc.", privacy'))
    assert sorted(Entry.objects.get().tags.names()) == ["Facebook, Inc.", "privacy"]


def test_a_space_never_splits_a_tag(editor_client):
    editor_client.post(ADD_URL, entry_form(tags="North Korea"))
    assert list(Entry.objects.get().tags.names()) == ["North Korea"]


def test_the_change_page_shows_a_comma_tag_quoted_so_saving_again_keeps_it(editor_client):
    entry = EntryFactory(tags=["Facebook, Inc.", "privacy"])
    page = editor_client.get(reverse("admin:events_entry_change", args=[entry.pk]))
    assert 'value="&quot;Facebook, Inc.&quot;, privacy"' in page.content.decode()


def test_one_source_can_back_several_entries_and_is_stored_once(editor_client):
    url = "https://example.com/story"
    editor_client.post(ADD_URL, entry_form(sources=[{"url": url}]))
    editor_client.post(
        ADD_URL,
        entry_form(slug="second", headline="Second", sources=[{"url": url + "/?utm_medium=x"}]),
    )
    assert Source.objects.count() == 1
    assert Citation.objects.count() == 2


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("javascript:alert(1)", "Enter an http:// or https:// URL."),
        ("ftp://example.com/file", "Enter an http:// or https:// URL."),
        ("not a url", "Enter an http:// or https:// URL."),
    ],
)
def test_a_source_url_that_is_not_http_is_refused(editor_client, url, message):
    response = editor_client.post(ADD_URL, entry_form(sources=[{"url": url}]))
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not Entry.objects.exists()
    assert not Source.objects.exists()


def test_the_same_source_twice_on_one_entry_is_refused(editor_client):
    response = editor_client.post(
        ADD_URL,
        entry_form(
            sources=[{"url": "https://example.com/a"}, {"url": "https://EXAMPLE.com/a/?utm_x=1"}]
        ),
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert page.count("This source is already cited by this entry.") == 1  # said once
    assert "listed twice" not in page
    assert not Entry.objects.exists()
    assert not Source.objects.exists()


def test_an_empty_headline_is_refused(editor_client):
    response = editor_client.post(ADD_URL, entry_form(headline="   ", slug="x"))
    assert response.status_code == 200
    assert "This field is required." in response.content.decode()
    assert not Entry.objects.exists()


def test_a_slug_clash_on_the_same_day_is_refused_and_the_saved_entry_is_untouched(editor_client):
    existing = EntryFactory(slug="botswana-ends-diplomatic-relations", headline="Original")
    response = editor_client.post(ADD_URL, entry_form(headline="A rival entry", tags="x"))
    assert response.status_code == 200
    page = response.content.decode()
    assert page.count("Another entry of that day already has this slug; change the slug.") == 1
    assert "must be unique" not in page
    existing.refresh_from_db()
    assert existing.headline == "Original"
    assert Entry.objects.count() == 1
    assert not Tag.objects.filter(name="x").exists()


def test_the_same_slug_on_another_day_is_fine(editor_client):
    EntryFactory(slug="botswana-ends-diplomatic-relations")
    response = editor_client.post(ADD_URL, entry_form(event_date="2014-02-20"))
    assert response.status_code == 302
    assert Entry.objects.count() == 2


def test_a_refused_edit_keeps_what_was_saved(editor_client):
    entry = EntryFactory(headline="Kept headline", tags=["kept"])
    url = reverse("admin:events_entry_change", args=[entry.pk])
    response = editor_client.post(
        url,
        entry_form(
            headline="Changed headline",
            slug=entry.slug,
            tags="changed",
            sources=[{"url": "javascript:alert(1)"}],
        ),
    )
    assert response.status_code == 200
    entry.refresh_from_db()
    assert entry.headline == "Kept headline"
    assert list(entry.tags.names()) == ["kept"]
    # What the editor typed is still in the form, ready to correct.
    assert "Changed headline" in response.content.decode()


def test_a_tag_longer_than_the_limit_is_refused(editor_client):
    response = editor_client.post(ADD_URL, entry_form(tags="x" * 101))
    assert response.status_code == 200
    assert "A tag may be at most 100 characters long" in response.content.decode()
    assert not Entry.objects.exists()


def test_scheduling_keeps_an_entry_off_the_site_until_its_time(editor_client, client):
    response = editor_client.post(
        ADD_URL,
        entry_form(
            status="published",
            publish_at_0="2999-01-01",
            publish_at_1="09:00:00",
            publish_without_sources="on",
        ),
    )
    assert response.status_code == 302
    entry = Entry.objects.get()
    assert entry.status == "published" and not entry.is_live
    assert client.get(entry.get_absolute_url()).status_code == 404


def test_publish_action_publishes_drafts_and_keeps_live_entries_publish_time(editor_client):
    draft = EntryFactory(draft=True)
    live = EntryFactory()
    original_time = live.publish_at
    editor_client.post(
        reverse("admin:events_entry_changelist"),
        {"action": "publish_now", "_selected_action": [draft.pk, live.pk]},
    )
    draft.refresh_from_db()
    live.refresh_from_db()
    assert draft.is_live
    assert live.publish_at == original_time


def test_move_to_draft_action_takes_an_entry_off_the_site(editor_client, client):
    entry = EntryFactory()
    editor_client.post(
        reverse("admin:events_entry_changelist"),
        {"action": "move_to_draft", "_selected_action": [entry.pk]},
    )
    assert client.get(entry.get_absolute_url()).status_code == 404


def test_tag_autocomplete_suggests_existing_tags_most_used_first(editor_client):
    EntryFactory(tags=["North Korea", "Norway"])
    EntryFactory(tags=["North Korea"])
    EntryFactory(tags=["Nigeria"])
    url = reverse("admin:events_entry_tag_autocomplete")
    assert [s["value"] for s in editor_client.get(url, {"term": "no"}).json()] == [
        "North Korea",
        "Norway",
    ]
    assert editor_client.get(url, {"term": ""}).json() == []


def test_tag_autocomplete_is_for_signed_in_staff_only(client):
    url = reverse("admin:events_entry_tag_autocomplete")
    response = client.get(url, {"term": "no"})
    assert response.status_code == 302
    assert "/admin/login/" in response["Location"]


def test_the_entry_page_offers_the_tag_autocomplete(editor_client):
    html = editor_client.get(ADD_URL).content.decode()
    assert "data-tag-autocomplete=" in html
    assert 'list="id_tags-suggestions"' in html
    assert "js/tag_autocomplete.js" in html


def test_publisher_admin_is_searchable_for_editors(editor_client):
    PublisherFactory(name="Reuters")
    response = editor_client.get(reverse("admin:sources_publisher_changelist"), {"q": "reut"})
    assert "Reuters" in response.content.decode()


def test_editing_a_source_in_the_admin_refuses_a_duplicate_url(editor_client):
    publisher = PublisherFactory()
    Source.objects.create(url="https://example.com/a", publisher=publisher)
    response = editor_client.post(
        reverse("admin:sources_source_add"),
        {"url": "https://EXAMPLE.com/a/", "title": "", "publisher": publisher.pk},
    )
    assert response.status_code == 200
    assert "This article is already stored as a source" in response.content.decode()
    assert Source.objects.count() == 1


def test_entries_are_listed_for_editors_with_their_live_state(editor_client):
    EntryFactory(headline="Live one")
    EntryFactory(headline="Draft one", draft=True)
    html = editor_client.get(reverse("admin:events_entry_changelist")).content.decode()
    assert "Live one" in html and "Draft one" in html
    assert Publisher.objects.count() == 0  # listing entries creates nothing


def test_event_date_is_required(editor_client):
    response = editor_client.post(ADD_URL, entry_form(event_date=""))
    assert response.status_code == 200
    assert not Entry.objects.exists()


def test_entry_event_date_can_be_any_real_day():
    entry = EntryFactory(event_date=datetime.date(2016, 2, 29))
    assert entry.get_absolute_url().startswith("/2016/02/29/")
