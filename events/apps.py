from django.apps import AppConfig


class EventsConfig(AppConfig):
    """Event entries: the dated, tagged headlines the desk publishes."""

    name = "events"
    verbose_name = "Event entries"

    def ready(self):
        from . import signals  # noqa: F401  (connects the search_tags receivers)
