"""Moderation in one click: the queue opens on pending comments, oldest first, whole; each row
approves or rejects with one button; messages count comments in words, singular or plural."""

import datetime

import pytest
from django.contrib.messages import get_messages
from django.utils import timezone

from comments.models import Comment
from tests.factories import CommentFactory, EntryFactory

pytestmark = pytest.mark.django_db

QUEUE = "/admin/comments/comment/"


def decide(client, comment, decision, referer=f"http://testserver{QUEUE}?p=2"):
    return client.post(f"{QUEUE}{comment.pk}/decide/", {"decision": decision}, HTTP_REFERER=referer)


def messages_of(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


def test_the_queue_opens_on_pending_comments_oldest_first(client, moderator):
    now = timezone.now()
    CommentFactory(status="approved", created=now - datetime.timedelta(days=3))
    newer = CommentFactory(created=now - datetime.timedelta(hours=1))
    older = CommentFactory(created=now - datetime.timedelta(days=1))
    client.force_login(moderator)
    response = client.get(QUEUE)
    assert list(response.context["cl"].result_list) == [older, newer]
    assert len(client.get(QUEUE, {"status": "all"}).context["cl"].result_list) == 3
    html = response.content.decode()
    assert 'href="?status=all"' in html  # "All" stays one click away


def test_each_row_shows_the_whole_comment_and_the_entrys_whole_headline(client, moderator):
    headline = "The harbour authority reopens the north pier after repairs " * 4
    body = "A reader's long comment about the pier and the ferries. " * 50
    CommentFactory(entry=EntryFactory(headline=headline.strip()), body=body.strip())
    client.force_login(moderator)
    html = client.get(QUEUE).content.decode()
    assert body.strip().replace("'", "&#x27;") in html
    assert headline.strip() in html


def test_each_row_has_one_approve_and_one_reject_button(client, moderator):
    pending = CommentFactory(name="Ada")
    client.force_login(moderator)
    html = client.get(QUEUE).content.decode()
    action = f'formaction="{QUEUE}{pending.pk}/decide/"'
    assert html.count(action) == 2
    assert 'aria-label="Approve the comment from Ada">Approve</button>' in html
    assert 'aria-label="Reject the comment from Ada">Reject</button>' in html


@pytest.mark.parametrize(("decision", "verb"), [("approved", "Approved"), ("rejected", "Rejected")])
def test_one_click_decides_records_who_and_returns_to_the_same_queue_page(
    client, moderator, decision, verb
):
    comment = CommentFactory(name="Ada")
    other = CommentFactory()
    client.force_login(moderator)
    response = decide(client, comment, decision)
    assert response.status_code == 302 and response["Location"] == f"http://testserver{QUEUE}?p=2"
    comment.refresh_from_db()
    assert (comment.status, comment.moderated_by) == (decision, moderator)
    assert Comment.objects.get(pk=other.pk).status == "pending"
    assert messages_of(response) == [f"{verb} 1 comment (from Ada)."]


def test_a_second_click_on_a_decided_comment_says_nothing_changed(client, moderator):
    comment = CommentFactory(name="Ada", status="approved")
    client.force_login(moderator)
    response = decide(client, comment, "approved")
    assert messages_of(response) == ["Nothing changed: the comment from Ada was already approved."]


def test_a_row_button_never_redirects_off_the_queue(client, moderator):
    comment = CommentFactory()
    client.force_login(moderator)
    response = decide(client, comment, "approved", referer="https://evil.example/admin/")
    assert response["Location"] == QUEUE


def test_only_moderators_decide_and_only_by_post(client, moderator, django_user_model):
    comment = CommentFactory()
    clerk = django_user_model.objects.create_user("clerk", password="pw", is_staff=True)
    client.force_login(clerk)
    assert decide(client, comment, "approved").status_code == 403
    client.force_login(moderator)
    assert client.get(f"{QUEUE}{comment.pk}/decide/").status_code == 405
    assert decide(client, comment, "spam").status_code == 302  # refused: not a row decision
    assert Comment.objects.get(pk=comment.pk).status == "pending"


@pytest.mark.parametrize(
    ("count", "message"), [(1, "Approved 1 comment."), (3, "Approved 3 comments.")]
)
def test_bulk_messages_count_comments_in_singular_or_plural(client, moderator, count, message):
    chosen = CommentFactory.create_batch(count)
    client.force_login(moderator)
    response = client.post(QUEUE, {"action": "approve", "_selected_action": [c.pk for c in chosen]})
    assert messages_of(response) == [message]
