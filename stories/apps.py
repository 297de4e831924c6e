from django.apps import AppConfig


class StoriesConfig(AppConfig):
    """Ongoing stories: the story, which entries belong to it, and which of them are key."""

    name = "stories"
    verbose_name = "Stories"
