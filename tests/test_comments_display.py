"""What readers see: approved comments only, safely rendered, counted without extra queries."""

import datetime
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from hypothesis import given
from hypothesis import strategies as st

from comments.models import Comment
from comments.text import render_comment_body
from events.models import Entry
from tests.factories import CommentFactory, EntryFactory

pytestmark = pytest.mark.django_db

APPROVED = Comment.Status.APPROVED


def test_script_in_a_comment_body_is_shown_as_text(client):
    comment = CommentFactory(status=APPROVED, body='<script>alert("x")</script> & more')
    html = client.get(comment.entry.get_absolute_url()).content.decode()
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; more" in html
    assert '<script>alert("x")' not in html


def test_name_is_escaped_and_email_never_shown(client):
    comment = CommentFactory(status=APPROVED, name="<b>Bold</b>", email="secret@example.com")
    html = client.get(comment.entry.get_absolute_url()).content.decode()
    assert "&lt;b&gt;Bold&lt;/b&gt;" in html
    assert "secret@example.com" not in html


def test_urls_are_linked_nofollow_ugc_and_line_breaks_kept():
    html = render_comment_body("See https://example.org/a?b=1&c=2.\nThanks\n\nSecond para")
    assert html == (
        '<p>See <a href="https://example.org/a?b=1&amp;c=2" rel="nofollow ugc">'
        "https://example.org/a?b=1&amp;c=2</a>.<br>Thanks</p><p>Second para</p>"
    )


def test_url_cannot_break_out_of_the_link_attribute():
    html = render_comment_body('http://x.org/"onmouseover="alert(1) and javascript:alert(1)')
    assert 'href="http://x.org/"' in html
    assert '"onmouseover' not in html
    assert "&quot;onmouseover=&quot;alert(1)" in html
    assert "javascript:alert(1)" in html and 'href="javascript' not in html


def test_url_in_parentheses_keeps_its_own_brackets_only():
    html = render_comment_body("(see https://en.wikipedia.org/wiki/Foo_(bar))")
    assert 'href="https://en.wikipedia.org/wiki/Foo_(bar)"' in html
    assert html.endswith("</a>)</p>")


def test_bare_scheme_is_not_a_link():
    assert render_comment_body("http:// nothing") == "<p>http:// nothing</p>"


def test_entry_page_shows_only_approved_comments_oldest_first_with_their_count(client):
    entry = EntryFactory()
    now = timezone.now()
    CommentFactory(entry=entry, status=APPROVED, body="Second", created=now)
    CommentFactory(entry=entry, status=APPROVED, body="First", created=now - datetime.timedelta(1))
    for status in ("pending", "rejected", "spam"):
        CommentFactory(entry=entry, status=status, body=f"Hidden {status}")
    html = client.get(entry.get_absolute_url()).content.decode()
    assert "2 comments" in html
    assert html.index("First") < html.index("Second")
    assert "Hidden" not in html


def test_comments_paginate_past_fifty(client):
    entry = EntryFactory()
    start = timezone.now() - datetime.timedelta(days=1)
    for n in range(51):
        CommentFactory(entry=entry, status=APPROVED, created=start + datetime.timedelta(minutes=n))
    first = client.get(entry.get_absolute_url()).content.decode()
    assert "51 comments" in first
    assert first.count('class="comment"') == 50
    assert "?comments_page=2#comments" in first
    second = client.get(entry.get_absolute_url() + "?comments_page=2").content.decode()
    assert second.count('class="comment"') == 1
    last = Comment.objects.order_by("created").last()
    assert f'id="comment-{last.pk}"' in second and f'id="comment-{last.pk}"' not in first
    assert client.get(entry.get_absolute_url() + "?comments_page=abc").status_code == 200
    assert client.get(entry.get_absolute_url() + "?comments_page=999").status_code == 200


def _queries_for(client, url):
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200
    return len(ctx.captured_queries)


def test_entry_page_query_count_does_not_grow_with_comments(client):
    entry = EntryFactory()
    CommentFactory(entry=entry, status=APPROVED)
    few = _queries_for(client, entry.get_absolute_url())
    CommentFactory.create_batch(40, entry=entry, status=APPROVED)
    CommentFactory.create_batch(5, entry=entry)
    assert _queries_for(client, entry.get_absolute_url()) == few


def test_list_page_shows_approved_counts_without_extra_queries(client):
    entries = EntryFactory.create_batch(2)
    CommentFactory(entry=entries[0], status=APPROVED)
    few = _queries_for(client, "/events/")
    more = EntryFactory.create_batch(8)
    for entry in [*entries, *more]:
        CommentFactory.create_batch(3, entry=entry, status=APPROVED)
        CommentFactory(entry=entry, status="spam")
    assert _queries_for(client, "/events/") == few
    html = client.get("/events/").content.decode()
    assert html.count(">3 comments</a>") == 9
    assert ">4 comments</a>" in html


def test_the_front_page_prints_no_comment_counts(client):
    """Its items are the Portal's one-liners; an approved comment purges only its entry's page
    (tests/test_page_keys.py), so a count here would go stale."""
    CommentFactory(entry=EntryFactory(headline="Talked-about entry"), status=APPROVED)
    main = client.get("/").content.decode().split("<main")[1]
    assert "Talked-about entry" in main and "comment" not in main


def test_card_count_ignores_unapproved_and_is_absent_at_zero(client):
    quiet = EntryFactory(headline="Quiet entry")
    CommentFactory(entry=quiet)  # pending only
    html = client.get("/events/").content.decode()
    assert "Quiet entry" in html
    assert "comment" not in html.split("Quiet entry")[1].split("</article>")[0]


def test_approved_count_is_not_inflated_by_tag_joins():
    from reading.selectors import with_card_data

    entry = EntryFactory(tags=["Budget", "Parliament"])
    CommentFactory.create_batch(2, entry=entry, status=APPROVED)
    counted = with_card_data(Entry.objects.filter(tags__name__in=["Budget", "Parliament"]))
    # approved_comment_count is an annotation with_card_data() adds; its type does not carry it.
    assert {e.approved_comment_count for e in counted} == {2}  # type: ignore[attr-defined]


def test_deleting_an_entry_deletes_its_comments_everywhere(client, editor):
    entry = EntryFactory()
    CommentFactory.create_batch(2, entry=entry, status=APPROVED)
    CommentFactory(entry=entry)
    kept = CommentFactory(status=APPROVED, body="Survivor")
    entry.delete()
    assert list(Comment.objects.all()) == [kept]
    client.force_login(editor)
    queue = client.get("/admin/comments/comment/?status=all").content.decode()
    assert "Survivor" in queue
    assert queue.count('name="_selected_action"') == 1


ALLOWED_TAG = re.compile(r'</?p>|<br>|<a href="https?://[^"<>]+" rel="nofollow ugc">|</a>')


@given(st.text(alphabet=st.sampled_from(list("<>&\"' \n\r:/.ahtps()x=;")), max_size=200))
def test_any_body_renders_to_only_our_own_tags(text):
    html = str(render_comment_body(text))
    assert "<" not in ALLOWED_TAG.sub("", html)
    assert '"' not in ALLOWED_TAG.sub("", html)
