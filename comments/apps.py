from django.apps import AppConfig


class CommentsConfig(AppConfig):
    """Reader comments on entries, held for staff moderation."""

    name = "comments"
    verbose_name = "Comments"
