from django.apps import AppConfig


class InterchangeConfig(AppConfig):
    """Archive import and the JSON Lines export/import format."""

    name = "interchange"
    verbose_name = "Import and export"
