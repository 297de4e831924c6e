from django.apps import AppConfig
from django.apps import apps as global_apps
from django.db.models.signals import post_migrate


def _keep_moderators_group(sender, app_config, using, apps=global_apps, **kwargs):
    # `apps` is the migration state after `migrate`, and absent after `flush`.
    from .moderators import sync_moderators_group

    sync_moderators_group(apps, app_config, using=using)


class CommentsConfig(AppConfig):
    """Reader comments on entries, held for staff moderation."""

    name = "comments"
    verbose_name = "Comments"

    def ready(self):
        # After a flush (transactional tests, `manage.py flush`) Django re-runs post_migrate, not
        # data migrations; this restores the Moderators group the migration created.
        post_migrate.connect(_keep_moderators_group, sender=self)
