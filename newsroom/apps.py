from django.apps import AppConfig


class NewsroomConfig(AppConfig):
    """The project itself: site-wide context, demo content and other cross-app commands."""

    name = "newsroom"
    verbose_name = "Newsroom"

    def ready(self):
        from . import checks  # noqa: F401  (registers the deployment checks)
