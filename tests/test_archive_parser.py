"""The Context archive parser: page text in, plain data out (no database)."""

import datetime
from pathlib import Path

import pytest

from interchange.archive import (
    ArchiveError,
    DayPage,
    EntryPage,
    EntryRef,
    parse_page,
    split_context,
)

FIXTURES = Path(__file__).parent / "fixtures" / "archive" / "news" / "2014" / "03" / "4"
MARCH_4 = datetime.date(2014, 3, 4)


def entry_page(body: str, *, date_line="### [2014-03-04](/news/2014/03/4/index.md)") -> str:
    return f"{date_line}\n\n# A headline \n\n{body}"


def fixture(name: str):
    path = FIXTURES / name
    return parse_page(path.read_text("utf-8"), path)


def test_old_layout_entry_page_gives_date_slug_headline_summary_sources_and_related():
    page = fixture("harbour-bridge-reopens-after-repairs.md")
    assert isinstance(page, EntryPage)
    assert page.ref == EntryRef(MARCH_4, "harbour-bridge-reopens-after-repairs")
    assert (
        page.headline
        == 'The Harbour Bridge reopens after three weeks of repairs "ahead of schedule".'
    )
    assert page.summary == "Crews finished the work early, the city says."
    assert [(s.publisher, s.url) for s in page.sources] == [
        ("Example Times", "http://www.example-times.test/news/bridge-reopens?utm_source=feed"),
        ("Harbour Gazette", "https://gazette.example.org/2014/03/04/bridge"),
    ]
    assert [link.ref for link in page.related] == [
        EntryRef(datetime.date(2014, 2, 11), "harbour-bridge-closes-for-repairs"),
        EntryRef(MARCH_4, "ferry-services-double"),
    ]
    assert page.related[0].tags == ("Harbour Bridge", "Acme Builders, Inc.")
    assert page.tags == ["Harbour Bridge", "Acme Builders, Inc.", "Ferries"]


def test_link_text_with_nested_brackets_keeps_the_whole_text_as_headline():
    page = fixture("harbour-bridge-reopens-after-repairs.md")
    assert page.related[0].headline == (
        "The Harbour Bridge closes for repairs after a barge strikes a pier "
        '[http://port.example/x "(Port News)"].'
    )


def test_new_layout_entry_page_reads_topic_skips_cover_image_and_keeps_changes_apart():
    page = fixture("ferry-services-double.md")
    assert page.topic == "Ferries"
    assert page.headline == "Ferry services double while the bridge is closed."
    assert page.summary == ""
    assert [s.url for s in page.sources] == ["https://gazette.example.org/2014/03/03/ferries"]
    assert [c.ref.slug for c in page.changes] == [
        "ferries-ferry-services-double",
        "ferry-services-double",
    ]
    assert [r.ref.slug for r in page.related] == ["harbour-bridge-reopens-after-repairs"]
    assert page.tags == ["Ferries", "Harbour Bridge"]


def test_day_page_lists_each_story_with_topic_and_context_or_summary():
    page = fixture("index.md")
    assert isinstance(page, DayPage)
    assert page.event_date == MARCH_4
    bridge, ferries = page.stories
    assert bridge.topic == "Harbour Bridge"
    assert bridge.link.tags == ("Harbour Bridge", "Acme Builders, Inc.", "Port City")
    assert bridge.summary == ""
    assert ferries.link.ref == EntryRef(MARCH_4, "ferry-services-double")
    assert ferries.link.tags == ()
    assert ferries.summary == "Commuters crowd the piers as extra boats run every ten minutes..."
    assert ferries.tags == ["Ferries"]


@pytest.mark.parametrize(
    ("text", "tags"),
    [
        ("Facebook, Inc., WhatsApp", ("Facebook, Inc.", "WhatsApp")),
        ("Dale Earnhardt, Jr., NASCAR", ("Dale Earnhardt, Jr.", "NASCAR")),
        (
            " Senate special election in Western Australia, 2014, Western Australia",
            ("Senate special election in Western Australia, 2014", "Western Australia"),
        ),
        ("Ai Weiwei, Pérez Art Museum Miami", ("Ai Weiwei", "Pérez Art Museum Miami")),
        ("O&#039;Hare, &quot;Quoted&quot;", ("O'Hare", '"Quoted"')),
        ("Pakistan Army, Pakistan army", ("Pakistan Army",)),
    ],
)
def test_context_tags_rejoin_comma_suffixes_and_unescape_entities(text, tags):
    assert split_context(text) == tags


def test_empty_context_is_refused_with_its_line():
    with pytest.raises(ArchiveError) as error:
        parse_page(
            entry_page("### Related:\n\n1. [Other ](/news/2014/03/1/other.md) _Context: _"),
            "news/2014/03/4/a.md",
        )
    assert error.value.line == 7
    assert "empty" in error.value.reason


def test_related_link_with_an_impossible_date_is_refused_with_its_line():
    with pytest.raises(ArchiveError) as error:
        parse_page(
            entry_page("### Related:\n\n1. [Other ](/news/2014/02/30/other.md) _Context: Tag_"),
            "news/2014/03/4/a.md",
        )
    assert (error.value.line, error.value.reason) == (7, "impossible date 2014/02/30")


def test_page_without_a_date_is_refused():
    with pytest.raises(ArchiveError, match="no date heading"):
        parse_page("# A headline\n\n### Source:\n", "news/2014/03/4/a.md")


@pytest.mark.parametrize("url", ["ftp://files.example/a", "javascript:alert(1)", "/relative"])
def test_source_url_that_is_not_http_is_refused(url):
    with pytest.raises(ArchiveError, match="not http"):
        parse_page(entry_page(f"### Source:\n\n1. [Paper]({url})"), "news/2014/03/4/a.md")


def test_unpadded_and_padded_day_folders_name_the_same_entry():
    text = entry_page(
        "### Related:\n\n"
        "1. [One ](/news/2016/03/7/same.md) _Context: A_\n"
        "2. [Two ](/news/2016/03/07/same.md) _Context: B_"
    )
    page = parse_page(text, "news/2014/03/4/a.md")
    assert isinstance(page, EntryPage)
    assert {link.ref for link in page.related} == {EntryRef(datetime.date(2016, 3, 7), "same")}


def test_date_heading_that_disagrees_with_its_link_is_refused():
    with pytest.raises(ArchiveError, match="disagrees"):
        parse_page(
            entry_page("", date_line="### [2014-03-05](/news/2014/03/4/index.md)"),
            "news/2014/03/4/a.md",
        )


def test_file_name_that_is_not_a_slug_is_refused():
    with pytest.raises(ArchiveError, match="slug"):
        parse_page(entry_page(""), "news/2014/03/4/not a slug.md")


def test_day_page_story_from_another_day_is_refused():
    text = (
        "## [2014-03-04](/news/2014/03/4/index.md)\n\n##### Topic\n"
        "### [Elsewhere ](/news/2014/03/5/elsewhere.md)\n"
    )
    with pytest.raises(ArchiveError, match="on the page of 2014-03-04") as error:
        parse_page(text, "news/2014/03/4/index.md")
    assert error.value.line == 4
