from django.apps import AppConfig


class EventsConfig(AppConfig):
    """Event entries: the dated, tagged headlines the desk publishes."""

    name = "events"
    verbose_name = "Event entries"

    def ready(self):
        # Connects the signal handlers that keep cached related lists fresh.
        from . import related  # noqa: F401
