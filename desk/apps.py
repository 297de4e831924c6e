from django.apps import AppConfig
from django.apps import apps as global_apps
from django.db.models.signals import post_migrate


def _keep_roles(sender, app_config, using, apps=global_apps, **kwargs):
    # After a flush (transactional tests, `manage.py flush`) Django re-runs post_migrate, not
    # data migrations; this restores the groups the migration created.
    from .roles import sync_roles

    labels = ("events", "sources", "taggit", "desk")
    sync_roles(apps, [global_apps.get_app_config(label) for label in labels], using=using)


class DeskConfig(AppConfig):
    """The editors' admin, where entries, tags and sources meet for the desk."""

    name = "desk"
    verbose_name = "Editors' desk"

    def ready(self):
        post_migrate.connect(_keep_roles, sender=self)
        # Revisions keep the entry's rows: the entry, its tag links and its citations. Tags and
        # sources are shared and never rolled back by an entry's revision.
        import reversion

        from events.models import Entry, TaggedEntry
        from sources.models import Citation

        reversion.register(Entry, follow=("tagged_items", "citations"), exclude=("search_tags",))
        reversion.register(TaggedEntry)
        reversion.register(Citation)
