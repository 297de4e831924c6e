from django.apps import AppConfig


class SourcesConfig(AppConfig):
    """Publishers and the articles (sources) that back event entries."""

    name = "sources"
    verbose_name = "Sources"
