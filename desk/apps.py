from django.apps import AppConfig


class DeskConfig(AppConfig):
    """The editors' admin, where entries, tags and sources meet for the desk."""

    name = "desk"
    verbose_name = "Editors' desk"
