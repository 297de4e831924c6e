from django.apps import AppConfig


class PushConfig(AppConfig):
    """What leaves the building: signed webhooks, WebSub pings and ActivityPub, delivered by the
    task queue."""

    name = "push"
    verbose_name = "Push (webhooks, WebSub, ActivityPub)"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from django.core import checks

        from . import signals

        signals.connect()
        checks.register(websub_needs_site_url)


def websub_needs_site_url(app_configs, **kwargs):
    """WebSub topics are absolute feed URLs: with a hub configured, SITE_URL must be set."""
    from django.conf import settings
    from django.core.checks import Error

    if settings.WEBSUB_HUB_URL and not settings.SITE_URL:
        return [
            Error(
                "WEBSUB_HUB_URL is set but SITE_URL is empty: the hub is pinged with each feed's "
                "absolute URL, built from SITE_URL (e.g. https://news.example.org).",
                id="push.E001",
            )
        ]
    return []
