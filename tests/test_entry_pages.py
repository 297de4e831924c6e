"""Home and entry pages: what readers see, safely rendered, in a fixed number of queries."""

import datetime

import pytest

from events.markdown import render_markdown
from events.tagging import edit_string_for_tags, parse_tags
from reading import selectors
from sources.services import cite
from tests.factories import CommentFactory, EntryFactory

pytestmark = pytest.mark.django_db


def test_home_lists_latest_entries_grouped_by_day_newest_first(client):
    EntryFactory(event_date=datetime.date(2014, 2, 18), headline="Older event")
    EntryFactory(event_date=datetime.date(2014, 2, 19), headline="Newer event")
    EntryFactory(event_date=datetime.date(2014, 2, 19), headline="Draft event", draft=True)
    html = client.get("/").content.decode()
    assert html.index("Wednesday 19 February 2014") < html.index("Newer event")
    assert html.index("Newer event") < html.index("Tuesday 18 February 2014")
    assert html.index("Tuesday 18 February 2014") < html.index("Older event")
    assert "Draft event" not in html


def test_entry_page_shows_headline_date_linked_tags_body_and_sources(client):
    entry = EntryFactory(
        headline="Botswana ends diplomatic relations with North Korea.",
        body="Following a **UN report**.",
        tags=["North Korea", "human rights"],
    )
    cite(entry, "http://www.dailynk.com/english/read.php?num=11542")
    html = client.get(entry.get_absolute_url()).content.decode()
    assert "<h1" in html and "Botswana ends diplomatic relations with North Korea." in html
    assert '<time datetime="2014-02-19">Wednesday 19 February 2014</time>' in html
    assert "<strong>UN report</strong>" in html
    assert 'rel="tag">North Korea</a>' in html
    assert "dailynk.com" in html


def test_scheduled_entry_is_404_until_live(client):
    entry = EntryFactory(scheduled=True)
    assert client.get(entry.get_absolute_url()).status_code == 404


@pytest.mark.parametrize(
    "path",
    ["/2014/02/19/no-such-entry/", "/2014/02/30/impossible-date/", "/2014/13/01/x/", "/nowhere/"],
)
def test_unknown_entry_urls_are_404_pages_in_the_sites_layout(client, path):
    response = client.get(path)
    assert response.status_code == 404
    html = response.content.decode()
    assert "Page not found" in html
    assert 'class="masthead"' in html


def test_entry_under_the_wrong_date_is_404(client):
    entry = EntryFactory(event_date=datetime.date(2014, 2, 19), slug="x")
    assert client.get("/2014/02/20/x/").status_code == 404
    assert client.get(entry.get_absolute_url()).status_code == 200


@pytest.mark.parametrize(
    ("markdown", "forbidden"),
    [
        ("<script>alert(1)</script>", "<script"),
        ('<img src=x onerror="alert(1)">', "onerror"),
        ("[click](javascript:alert(1))", "javascript:"),
        ('<a href="#" onclick="steal()">x</a>', "onclick"),
        ("<iframe src='https://evil.example'></iframe>", "<iframe"),
        ("<style>body{display:none}</style>", "<style"),
    ],
)
def test_markdown_bodies_lose_scripts_and_event_handlers(markdown, forbidden):
    assert forbidden not in render_markdown(markdown)


def test_markdown_keeps_ordinary_formatting_and_safe_links():
    html = render_markdown("Some *emphasis*, a [link](https://example.com) and\n\n- a list")
    assert "<em>emphasis</em>" in html
    assert 'href="https://example.com"' in html and 'rel="noopener noreferrer nofollow"' in html
    assert "<li>a list</li>" in html


def test_a_hostile_body_on_the_entry_page_is_neutralised(client):
    entry = EntryFactory(body='<script>alert("x")</script><p onmouseover="x()">Hi</p>')
    html = client.get(entry.get_absolute_url()).content.decode()
    assert '<script>alert("x")' not in html
    assert "onmouseover" not in html


@pytest.mark.parametrize(
    ("text", "names"),
    [
        ("North Korea, human rights", ["human rights", "North Korea"]),
        ('"Facebook, Inc.", privacy', ["Facebook, Inc.", "privacy"]),
        ("North Korea", ["North Korea"]),
        ("  spaced   out ,, ", ["spaced out"]),
        ("Kiev, kiev, KIEV", ["Kiev"]),
        ("", []),
    ],
)
def test_tag_field_parsing(text, names):
    assert parse_tags(text) == names


def test_tag_field_round_trips_names_with_commas():
    class T:
        def __init__(self, name):
            self.name = name

    text = edit_string_for_tags([T("privacy"), T("Facebook, Inc.")])
    assert text == '"Facebook, Inc.", privacy'
    assert parse_tags(text) == ["Facebook, Inc.", "privacy"]


def _page_of(n_entries):
    for i in range(n_entries):
        entry = EntryFactory(tags=[f"tag {i % 7}", f"tag {i % 5 + 10}", "common", "x", "y"])
        for j in range(3):
            cite(entry, f"https://pub{j}.example/story/{i}")


def test_home_runs_a_constant_number_of_queries(client, django_assert_num_queries):
    _page_of(2)
    # The window of days, the entries, their data; the developing and the ongoing stories.
    with django_assert_num_queries(6) as small:
        client.get("/")
    _page_of(48)
    with django_assert_num_queries(len(small.captured_queries)):
        assert client.get("/").content.decode().count('<li class="item" ') == 50


def test_entry_page_runs_a_constant_number_of_queries(client, django_assert_num_queries):
    entry = EntryFactory(tags=["a", "b", "c", "d", "e"])
    for j in range(3):
        cite(entry, f"https://pub{j}.example/story")
    CommentFactory.create_batch(3, entry=entry, status="approved")
    # The entry with its comment count, tags, citations, its corrections and updates, the
    # related stories (one query, cold cache), then the approved comments' page (count, rows).
    with django_assert_num_queries(7):
        client.get(entry.get_absolute_url())


def test_the_entry_page_builds_its_queryset_once(client, monkeypatch):
    """The date lookup finds the model without building the page's queryset a second time."""
    built = []
    entry_for_page = selectors.entry_for_page

    def counted(user):
        built.append(user)
        return entry_for_page(user)

    monkeypatch.setattr(selectors, "entry_for_page", counted)
    entry = EntryFactory()

    assert client.get(entry.get_absolute_url()).status_code == 200
    assert len(built) == 1
