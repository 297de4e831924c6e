"""Tag pages: a timeline by month with a count and co-occurring tags; an index by use."""

import datetime

import pytest
from taggit.models import Tag

from tests.factories import EntryFactory

pytestmark = pytest.mark.django_db

D = datetime.date


@pytest.fixture
def tagged():
    EntryFactory(headline="Korea one", event_date=D(2014, 2, 19), tags=["North Korea", "Botswana"])
    EntryFactory(headline="Korea two", event_date=D(2014, 2, 3), tags=["North Korea", "Botswana"])
    EntryFactory(headline="Korea three", event_date=D(2014, 3, 1), tags=["North Korea", "Japan"])
    EntryFactory(headline="Japan only", event_date=D(2014, 3, 2), tags=["Japan"])
    EntryFactory(headline="Draft Korea", draft=True, tags=["North Korea", "Secret"])


def test_tag_page_lists_its_live_entries_newest_first_with_the_count(client, tagged):
    response = client.get("/tags/north-korea/")
    assert response.status_code == 200
    assert [e.headline for e in response.context["entries"]] == [
        "Korea three",
        "Korea one",
        "Korea two",
    ]
    assert "3 entries" in response.content.decode()


def test_tag_page_groups_the_timeline_by_month(client, tagged):
    html = client.get("/tags/north-korea/").content.decode()
    assert html.count('class="timeline-month"') == 2
    assert html.index("March 2014") < html.index("February 2014")


def test_tag_page_lists_co_occurring_tags_by_frequency(client, tagged):
    response = client.get("/tags/north-korea/")
    assert [(t["name"], t["count"]) for t in response.context["co_occurring"]] == [
        ("Botswana", 2),
        ("Japan", 1),
    ]  # "Secret" only appears on a draft


def test_unknown_tag_and_draft_only_tag_are_404(client, tagged):
    assert client.get("/tags/atlantis/").status_code == 404
    assert client.get("/tags/secret/").status_code == 404


def test_tag_index_orders_tags_by_live_use(client, tagged):
    response = client.get("/tags/")
    assert [(t["name"], t["count"]) for t in response.context["tags"]] == [
        ("North Korea", 3),
        ("Botswana", 2),
        ("Japan", 2),
    ]


def test_entry_tag_links_use_the_tag_page_url(client, tagged):
    tag = Tag.objects.get(name="North Korea")
    html = client.get("/2014/02/19/korea-one/").content.decode()
    assert f'href="/tags/{tag.slug}/" rel="tag"' in html


def test_tag_with_a_non_ascii_slug_has_a_working_page(client):
    EntryFactory(headline="Zürich votes", tags=["Zürich"])
    tag = Tag.objects.get(name="Zürich")
    response = client.get(f"/tags/{tag.slug}/")
    assert response.status_code == 200
    assert [e.headline for e in response.context["entries"]] == ["Zürich votes"]


def test_tag_timeline_links_each_date_to_its_day_archive(client, tagged):
    html = client.get("/tags/north-korea/").content.decode()
    assert 'href="/2014/02/19/"><time datetime="2014-02-19">19 February 2014</time></a>' in html
