from django.apps import AppConfig


class ApiConfig(AppConfig):
    """The read API for machines (/api/v1/) and the change log its changes feed serves."""

    name = "api"
    verbose_name = "Read API"

    def ready(self):
        # The receivers that write the change log when entries, tags or sources change. They
        # live here, not in events, because events imports no other app of ours.
        from . import signals

        signals.connect()
