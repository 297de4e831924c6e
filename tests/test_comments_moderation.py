"""Moderators work the queue: bulk decisions, audit fields, blocks, and nothing beyond comments."""

import datetime

import pytest
from django.contrib.auth.models import Group
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from comments import services
from comments.models import Block, Comment
from events.models import Entry
from tests.factories import CommentFactory, EntryFactory

pytestmark = pytest.mark.django_db

QUEUE = "/admin/comments/comment/"


def test_moderators_group_has_exactly_the_comment_permissions():
    group = Group.objects.get(name="Moderators")
    perms = set(group.permissions.values_list("content_type__app_label", "codename"))
    assert perms == {
        ("comments", "view_comment"),
        ("comments", "change_comment"),
        ("comments", "view_block"),
        ("comments", "add_block"),
        ("comments", "delete_block"),
    }


def test_moderator_cannot_edit_or_even_open_entries_in_the_admin(client, moderator):
    entry = EntryFactory()
    assert not moderator.has_perm("events.change_entry")
    assert not moderator.has_perm("comments.delete_comment")
    client.force_login(moderator)
    assert client.get(f"/admin/events/entry/{entry.pk}/change/").status_code == 403
    assert client.get("/admin/events/entry/").status_code == 403
    assert client.get(QUEUE).status_code == 200


def test_queue_lists_pending_first_then_oldest_first_with_the_details(client, moderator):
    now = timezone.now()
    old_approved = CommentFactory(status="approved", created=now - datetime.timedelta(days=3))
    new_pending = CommentFactory(created=now - datetime.timedelta(hours=1), body="Newer pending")
    old_pending = CommentFactory(
        created=now - datetime.timedelta(days=1),
        email="writer@example.com",
        ip_address="198.51.100.23",
        body="Older pending",
    )
    client.force_login(moderator)
    html = client.get(QUEUE, {"status": "all"}).content.decode()
    rows = [html.index(f'value="{c.pk}"') for c in (old_pending, new_pending, old_approved)]
    assert rows == sorted(rows)
    for shown in ("writer@example.com", "198.51.100.23", "Older pending", old_pending.name):
        assert shown in html
    assert old_pending.entry.headline in html


def test_admin_shows_a_pending_count_badge_to_moderators(client, moderator, editor):
    CommentFactory.create_batch(3)
    CommentFactory(status="approved")
    client.force_login(moderator)
    html = client.get("/admin/").content.decode()
    assert "Pending comments: <strong>3</strong>" in html
    assert f'href="{QUEUE}"' in html  # the queue opens on pending comments


def test_admin_hides_the_badge_from_staff_without_comment_permissions(client, django_user_model):
    clerk = django_user_model.objects.create_user("clerk", "c@example.com", "pw", is_staff=True)
    CommentFactory()
    client.force_login(clerk)
    assert "Pending comments" not in client.get("/admin/").content.decode()


def _run_action(client, action, comments):
    return client.post(
        QUEUE,
        {"action": action, "_selected_action": [c.pk for c in comments]},
        follow=True,
    )


@pytest.mark.parametrize(
    ("action", "status"),
    [("approve", "approved"), ("reject", "rejected"), ("mark_spam", "spam")],
)
def test_bulk_action_sets_status_and_records_who_and_when(client, moderator, action, status):
    chosen = CommentFactory.create_batch(2)
    untouched = CommentFactory()
    client.force_login(moderator)
    before = timezone.now()
    response = _run_action(client, action, chosen)
    assert response.status_code == 200
    for comment in chosen:
        comment.refresh_from_db()
        assert comment.status == status
        assert comment.moderated_by == moderator
        assert before <= comment.moderated_at <= timezone.now()
    untouched.refresh_from_db()
    assert (untouched.status, untouched.moderated_by) == ("pending", None)
    assert not Block.objects.exists()


def test_spam_and_block_blocks_email_and_ip_and_refuses_the_next_post(client, moderator):
    entry = EntryFactory()
    spam = CommentFactory(entry=entry, email="Bot@Spam.example", ip_address="192.0.2.50")
    same_sender = CommentFactory(entry=entry, email="bot@spam.example", ip_address="192.0.2.50")
    client.force_login(moderator)
    _run_action(client, "mark_spam_and_block", [spam, same_sender])
    assert set(Block.objects.values_list("kind", "value", "created_by")) == {
        ("email", "bot@spam.example", moderator.pk),
        ("ip", "192.0.2.50", moderator.pk),
    }
    spam.refresh_from_db()
    assert (spam.status, spam.moderated_by) == ("spam", moderator)
    assert services.is_blocked(email="BOT@spam.example", ip_address=None)
    assert services.is_blocked(email="other@example.com", ip_address="192.0.2.50")
    assert not services.is_blocked(email="other@example.com", ip_address="192.0.2.51")


def test_blocking_an_already_blocked_sender_adds_nothing(moderator):
    Block.objects.create(kind="email", value="bot@spam.example")
    comment = CommentFactory(email="bot@spam.example", ip_address=None)
    marked, blocked = services.mark_spam_and_block(
        Comment.objects.filter(pk=comment.pk), moderator=moderator
    )
    assert (marked, blocked) == (1, 0)
    assert Block.objects.count() == 1


def test_spam_and_block_action_needs_the_block_permission(client, django_user_model):
    helper = django_user_model.objects.create_user("helper", "h@example.com", "pw", is_staff=True)
    helper.user_permissions.add(
        *Group.objects.get(name="Moderators").permissions.exclude(codename="add_block")
    )
    comment = CommentFactory()
    client.force_login(helper)
    html = client.get(QUEUE).content.decode()
    assert 'value="mark_spam"' in html
    assert 'value="mark_spam_and_block"' not in html
    _run_action(client, "mark_spam_and_block", [comment])
    comment.refresh_from_db()
    assert comment.status == "pending"
    assert not Block.objects.exists()


def test_changing_status_on_the_change_form_is_audited(client, moderator):
    comment = CommentFactory(body="Original words")
    client.force_login(moderator)
    response = client.post(f"{QUEUE}{comment.pk}/change/", {"status": "approved"})
    assert response.status_code == 302
    comment.refresh_from_db()
    assert (comment.status, comment.moderated_by) == ("approved", moderator)
    assert comment.moderated_at is not None
    assert comment.body == "Original words"


def test_moderators_cannot_add_or_delete_comments(client, moderator):
    comment = CommentFactory()
    client.force_login(moderator)
    assert client.get(f"{QUEUE}add/").status_code == 403
    assert client.post(f"{QUEUE}{comment.pk}/delete/", {"post": "yes"}).status_code == 403
    assert Comment.objects.filter(pk=comment.pk).exists()


def test_moderate_service_is_one_update_for_many_comments(moderator):
    CommentFactory.create_batch(20)
    with CaptureQueriesContext(connection) as ctx:
        count = services.moderate(Comment.objects.pending(), status="approved", moderator=moderator)
    statements = [q["sql"].split()[0].upper() for q in ctx.captured_queries]
    # One UPDATE; the rest are the transaction's SAVEPOINT / RELEASE statements.
    assert statements.count("UPDATE") == 1
    assert set(statements) <= {"UPDATE", "SAVEPOINT", "RELEASE"}
    assert count == 20
    assert Comment.objects.approved().count() == 20


def test_moderate_refuses_an_unknown_status(moderator):
    CommentFactory()
    with pytest.raises(ValueError, match="Unknown comment status"):
        services.moderate(Comment.objects.all(), status="deleted", moderator=moderator)
    assert Comment.objects.get().status == "pending"


def test_moderator_can_add_and_lift_a_block_in_the_admin(client, moderator):
    client.force_login(moderator)
    response = client.post(
        "/admin/comments/block/add/", {"kind": "email", "value": " Troll@Example.COM "}
    )
    assert response.status_code == 302
    block = Block.objects.get()
    assert (block.value, block.created_by) == ("troll@example.com", moderator)
    client.post(f"/admin/comments/block/{block.pk}/delete/", {"post": "yes"})
    assert not Block.objects.exists()


def test_approved_comment_appears_on_the_entry_page_after_moderation(client, moderator):
    entry = EntryFactory()
    comment = CommentFactory(entry=entry, body="Worth reading")
    assert "Worth reading" not in client.get(entry.get_absolute_url()).content.decode()
    services.moderate(Comment.objects.filter(pk=comment.pk), status="approved", moderator=moderator)
    assert "Worth reading" in client.get(entry.get_absolute_url()).content.decode()
    assert Entry.objects.count() == 1
