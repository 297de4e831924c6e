from django.apps import AppConfig


class PushConfig(AppConfig):
    """What leaves the building: signed webhooks and WebSub pings, delivered by the task queue."""

    name = "push"
    verbose_name = "Push (webhooks, WebSub)"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from . import signals

        signals.connect()
