from django.apps import AppConfig


class ReadingConfig(AppConfig):
    """The public site, where entries, sources and comments meet for readers."""

    name = "reading"
    verbose_name = "Public site"

    def ready(self):
        from . import signals

        signals.connect()
