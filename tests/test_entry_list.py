"""/events/: filters in the URL, active filters with remove links, facet counts from SQL."""

import datetime

import pytest

from reading.filters import PublisherInput
from sources.models import Publisher
from sources.services import merge_publishers
from tests.factories import (
    CitationFactory,
    EntryFactory,
    PublisherFactory,
    SourceFactory,
    headlines,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def desk():
    """Four live entries, one draft and one scheduled, with tags and publishers."""
    reuters = PublisherFactory(name="Reuters", slug="reuters")
    bbc = PublisherFactory(name="BBC", slug="bbc")
    rows = {
        "korea": EntryFactory(
            headline="Botswana cuts ties with North Korea",
            event_date=datetime.date(2014, 2, 19),
            tags=["North Korea", "Botswana"],
        ),
        "korea2": EntryFactory(
            headline="North Korea fires missiles",
            event_date=datetime.date(2014, 3, 3),
            tags=["North Korea"],
        ),
        "ukraine": EntryFactory(
            headline="Protests in Kyiv",
            event_date=datetime.date(2014, 1, 20),
            tags=["Ukraine"],
            body="Crowds gather on the Maidan.",
        ),
        "old": EntryFactory(
            headline="An older story", event_date=datetime.date(2013, 12, 1), tags=["Botswana"]
        ),
        "draft": EntryFactory(headline="Draft about North Korea", draft=True, tags=["North Korea"]),
        "scheduled": EntryFactory(
            headline="Scheduled about North Korea", scheduled=True, tags=["North Korea"]
        ),
    }
    CitationFactory(entry=rows["korea"], source=SourceFactory(publisher=reuters))
    CitationFactory(entry=rows["korea2"], source=SourceFactory(publisher=reuters))
    CitationFactory(entry=rows["ukraine"], source=SourceFactory(publisher=bbc))
    CitationFactory(entry=rows["draft"], source=SourceFactory(publisher=bbc))
    return rows


def test_list_shows_only_published_entries_newest_first(client, desk):
    response = client.get("/events/")
    assert response.status_code == 200
    assert headlines(response) == [
        "North Korea fires missiles",
        "Botswana cuts ties with North Korea",
        "Protests in Kyiv",
        "An older story",
    ]


def test_sort_oldest_reverses_the_order(client, desk):
    assert headlines(client.get("/events/?sort=oldest"))[0] == "An older story"


def test_date_range_keeps_entries_between_from_and_to_inclusive(client, desk):
    response = client.get("/events/?from=2014-01-20&to=2014-02-19")
    assert headlines(response) == ["Botswana cuts ties with North Korea", "Protests in Kyiv"]


def test_from_after_to_is_a_form_error(client, desk):
    response = client.get("/events/?from=2014-03-01&to=2014-01-01")
    assert response.status_code == 200
    assert "must not be after" in response.content.decode()
    assert headlines(response) == []


def test_tags_all_of_requires_every_tag(client, desk):
    response = client.get("/events/?tag=north-korea&tag=botswana")
    assert headlines(response) == ["Botswana cuts ties with North Korea"]


def test_tags_any_of_accepts_either_tag(client, desk):
    response = client.get("/events/?tag=north-korea&tag=ukraine&mode=any")
    assert headlines(response) == [
        "North Korea fires missiles",
        "Botswana cuts ties with North Korea",
        "Protests in Kyiv",
    ]


def test_tag_can_be_typed_by_name_in_any_case(client, desk):
    response = client.get("/events/?tag=north korea")
    assert headlines(response) == [
        "North Korea fires missiles",
        "Botswana cuts ties with North Korea",
    ]


def test_unknown_tag_is_a_form_error_not_an_empty_list(client, desk):
    response = client.get("/events/?tag=atlantis")
    assert response.status_code == 200
    html = response.content.decode()
    assert "No tag is called “atlantis”" in html
    assert 'value="atlantis"' in html  # kept in its box, to be corrected
    assert "No entries" not in html
    assert headlines(response) == []


def test_publisher_filter_keeps_entries_citing_it(client, desk):
    response = client.get("/events/?publisher=bbc")
    assert headlines(response) == ["Protests in Kyiv"]  # the draft citing the BBC stays hidden


def test_unknown_publisher_is_a_form_error(client, desk):
    response = client.get("/events/?publisher=nobody")
    assert response.status_code == 200
    assert "No publisher by that name is cited here" in response.content.decode()


def test_a_publisher_is_found_by_its_name_in_any_case(client, desk):
    response = client.get("/events/?publisher=reuters")
    by_name = client.get("/events/?publisher=rEUTERS")

    assert (
        headlines(by_name)
        == headlines(response)
        == [
            "North Korea fires missiles",
            "Botswana cuts ties with North Korea",
        ]
    )


def test_a_merged_publishers_old_slug_still_filters_by_the_publisher_it_became(client, desk):
    reuters = Publisher.objects.get(slug="reuters")
    merge_publishers([PublisherFactory(name="Reuters UK", slug="reuters-uk")], into=reuters)

    assert len(headlines(client.get("/events/?publisher=reuters-uk"))) == 2


def test_a_publisher_cited_only_by_drafts_is_refused_like_an_unknown_one(client, desk):
    draft_only = PublisherFactory(name="Hidden Wire", slug="hidden-wire")
    CitationFactory(entry=desk["draft"], source=SourceFactory(publisher=draft_only))

    response = client.get("/events/?publisher=Hidden+Wire")

    assert "No publisher by that name is cited here" in response.content.decode()
    assert headlines(response) == []


def test_the_publisher_box_suggests_only_the_most_cited_publishers(client, desk):
    for n in range(PublisherInput.SUGGESTED + 5):
        CitationFactory(
            entry=desk["old"], source=SourceFactory(publisher=PublisherFactory(name=f"Rare {n}"))
        )

    html = client.get("/events/").content.decode()

    suggestions = html[html.index('<datalist id="publisher-suggestions">') :]
    suggestions = suggestions[: suggestions.index("</datalist>")]
    assert suggestions.count("<option") == PublisherInput.SUGGESTED
    assert suggestions.index('"Reuters"') < suggestions.index('"BBC"') < suggestions.index("Rare")
    assert 'list="publisher-suggestions"' in html


def test_filters_combine(client, desk):
    response = client.get("/events/?tag=north-korea&publisher=reuters&from=2014-03-01")
    assert headlines(response) == ["North Korea fires missiles"]


def test_word_search_finds_headline_and_body_words(client, desk):
    assert headlines(client.get("/events/?q=missiles")) == ["North Korea fires missiles"]
    assert headlines(client.get("/events/?q=maidan")) == ["Protests in Kyiv"]


def test_active_filters_each_have_a_link_removing_only_that_filter(client, desk):
    response = client.get("/events/?tag=north-korea&tag=botswana&publisher=reuters")
    active = {f["label"]: f["remove_url"] for f in response.context["active_filters"]}
    assert active == {
        "Tag: North Korea": "?tag=botswana&publisher=reuters",
        "Tag: Botswana": "?tag=north-korea&publisher=reuters",
        "Publisher: Reuters": "?tag=north-korea&tag=botswana",
    }
    html = response.content.decode()
    assert 'href="?tag=botswana&amp;publisher=reuters"' in html
    assert "Remove filter Tag: North Korea" in html


def test_following_a_remove_link_drops_that_filter(client, desk):
    response = client.get("/events/?tag=north-korea&tag=botswana")
    remove_botswana = next(
        f["remove_url"] for f in response.context["active_filters"] if "Botswana" in f["label"]
    )
    after = client.get("/events/" + remove_botswana)
    assert headlines(after) == ["North Korea fires missiles", "Botswana cuts ties with North Korea"]


def test_tag_facets_count_live_results_per_tag(client, desk):
    response = client.get("/events/")
    facets = {f["name"]: f["count"] for f in response.context["tag_facets"]}
    assert facets == {"North Korea": 2, "Botswana": 2, "Ukraine": 1}


def test_facets_follow_the_current_filters_and_link_to_narrower_results(client, desk):
    response = client.get("/events/?tag=north-korea")
    facets = {f["name"]: f for f in response.context["tag_facets"]}
    assert set(facets) == {"Botswana"}  # the chosen tag is not offered again
    assert facets["Botswana"]["count"] == 1
    assert facets["Botswana"]["url"] == "?tag=north-korea&tag=botswana"
    narrowed = client.get("/events/" + facets["Botswana"]["url"])
    assert len(headlines(narrowed)) == facets["Botswana"]["count"]


def test_publisher_facets_count_live_entries_citing_each_publisher(client, desk):
    response = client.get("/events/")
    facets = {f["name"]: f["count"] for f in response.context["publisher_facets"]}
    assert facets == {"Reuters": 2, "BBC": 1}  # the draft's BBC citation is not counted


def test_filtered_publisher_facets_count_each_live_entry_once_per_publisher(client, desk):
    reuters = desk["korea"].citations.get().source.publisher
    CitationFactory(entry=desk["korea"], source=SourceFactory(publisher=reuters))  # a second one
    CitationFactory(entry=desk["scheduled"], source=SourceFactory(publisher=reuters))
    response = client.get("/events/?tag=north-korea")
    facets = {f["name"]: f["count"] for f in response.context["publisher_facets"]}
    # Two live entries cite Reuters (one of them twice); the draft's BBC and the scheduled
    # entry's Reuters citations are not counted.
    assert facets == {"Reuters": 2}


def test_pagination_keeps_the_filters_in_page_links(client):
    for day in range(1, 61):
        EntryFactory(
            event_date=datetime.date(2014, 1, 1) + datetime.timedelta(days=day), tags=["X"]
        )
    response = client.get("/events/?tag=x")
    assert response.context["page_obj"].paginator.num_pages == 2
    assert 'href="?tag=x&amp;page=2"' in response.content.decode()
    assert len(headlines(client.get("/events/?tag=x&page=2"))) == 10


def test_the_add_a_tag_box_is_a_real_input_labelled_for_the_reader(client, desk):
    html = client.get("/events/?tag=botswana").content.decode()
    assert '<label for="id_tag">Add a tag</label>' in html
    assert '<input type="text" name="tag" id="id_tag"' in html
    assert '<input type="hidden" name="tag" value="botswana">' in html
