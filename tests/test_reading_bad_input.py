"""Garbage in any query parameter of a public page: a 200 with the form's error, or a 404."""

import datetime
from urllib.parse import urlencode

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.factories import CitationFactory, EntryFactory, PublisherFactory, SourceFactory

pytestmark = pytest.mark.django_db

LONG = "x" * 10_240


@pytest.fixture
def corpus():
    entry = EntryFactory(event_date=datetime.date(2014, 2, 19), tags=["North Korea"])
    CitationFactory(
        entry=entry,
        source=SourceFactory(publisher=PublisherFactory(name="Reuters", slug="reuters")),
    )
    return entry


# (path, query parameters as (name, value) pairs, expected status, text the page must show)
CASES = [
    ("/events/", [("page", "abc")], 404, None),
    ("/events/", [("page", "99999999999999999999")], 404, None),
    ("/events/", [("page", "-1")], 404, None),
    ("/events/", [("page", "last")], 200, None),
    ("/events/", [("from", "2014-13-45")], 200, "Enter a date as year-month-day"),
    ("/events/", [("to", "not a date")], 200, "Enter a date as year-month-day"),
    ("/events/", [("from", "0000-01-01")], 200, "Enter a date as year-month-day"),
    ("/events/", [("from", "9999-12-31")], 200, "0 entries"),
    ("/events/", [("tag", "<script>alert(1)</script>")], 200, "No tag is called “&lt;script&gt;"),
    ("/events/", [("tag", LONG)], 200, "at most 100 characters"),
    ("/events/", [("tag", "a\x00b")], 200, "Null characters are not allowed."),
    ("/events/", [("tag", f"t{n}") for n in range(11)], 200, "at most 10 tags"),
    ("/events/", [("tag", "north-korea"), ("tag", "north-korea")], 200, "1 entry"),
    ("/events/", [("q", LONG)], 200, "at most 200 characters"),
    ("/events/", [("q", "a\x00b")], 200, "Null characters are not allowed."),
    ("/events/", [("q", "!!! & | ! ( ) :* '")], 200, None),
    ("/events/", [("q", '"unbalanced -(')], 200, None),
    ("/events/", [("q", "korea"), ("q", "botswana")], 200, None),
    ("/events/", [("publisher", "unknown-publisher")], 200, "No publisher by that name"),
    ("/events/", [("publisher", "a\x00b")], 200, "Null characters are not allowed."),
    ("/events/", [("publisher", LONG)], 200, "No publisher by that name"),
    ("/events/", [("tag", "north-korea"), ("mode", "sideways")], 200, "is not one of the choices"),
    ("/events/", [("sort", "-id; DROP TABLE events_entry")], 200, "is not one of the choices"),
    ("/events/", [("sort", "relevance")], 200, "1 entry"),  # relevance without words: newest
    ("/2014/", [("page", "abc")], 404, None),
    ("/2014/02/", [("page", "99999999999999999999")], 404, None),
    ("/2014/02/19/", [("page", "\x00")], 404, None),
    ("/tags/", [("page", "abc")], 404, None),
    ("/tags/north-korea/", [("page", "99999999999999999999")], 404, None),
    ("/tags/%3Cscript%3E/", [], 404, None),
    ("/tags/a%00b/", [], 404, None),
    ("/tags/a%00b/rss/", [], 404, None),
    ("/sources/a%00b/", [], 404, None),
    ("/2014/02/19/a%00b/", [], 404, None),
    ("/sources/", [("page", "abc")], 404, None),
    ("/sources/reuters/", [("page", LONG)], 404, None),
    ("/sources/unknown-publisher/", [], 404, None),
    ("/2014/02/31/", [], 404, None),
    ("/9999/", [], 404, None),
]


@pytest.mark.parametrize(("path", "params", "status", "shown"), CASES)
def test_garbage_parameters_give_the_forms_error_or_404_never_500(
    client, corpus, path, params, status, shown
):
    response = client.get(f"{path}?{urlencode(params)}" if params else path, follow=True)
    assert response.status_code == status
    if shown:
        assert shown in response.content.decode()


def test_script_in_a_tag_parameter_is_escaped_everywhere(client, corpus):
    html = client.get("/events/?tag=%3Cscript%3Ealert(1)%3C/script%3E").content.decode()
    assert "<script>alert(1)" not in html


# Anything a URL can carry (no lone surrogates: they cannot be encoded into a URL at all).
# The ignore: hypothesis's strategy decorators keep mypy from reading "Cs" as a category Literal.
any_text = st.text(
    alphabet=st.characters(blacklist_categories=("Cs",)),  # type: ignore[arg-type]
    max_size=300,
) | st.sampled_from(["", "2014-02-19", "north-korea", "reuters", "all", "any", "oldest", "0", "2"])

list_params = st.lists(
    st.tuples(
        st.sampled_from(["q", "from", "to", "tag", "mode", "publisher", "sort", "page"]),
        any_text,
    ),
    max_size=8,
)


@settings(
    max_examples=80,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(params=list_params, path=st.sampled_from(["/events/", "/2014/02/", "/tags/north-korea/"]))
def test_any_list_parameters_give_200_or_404(client, corpus, path, params):
    response = client.get(f"{path}?{urlencode(params)}")
    if response.status_code == 302:  # empty or default parameters dropped, once and for all
        response = client.get(response["Location"])
    assert response.status_code in (200, 404)
