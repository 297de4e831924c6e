from django.apps import AppConfig


class EventsConfig(AppConfig):
    """Event entries: the dated, tagged headlines the desk publishes."""

    name = "events"
    verbose_name = "Event entries"

    def ready(self):
        # The receivers that keep search_tags and the related-stories cache current.
        from . import signals

        signals.connect()
