"""Editors manage stories (create, summarise, set status and key events, close); reporters see
them to pick one for an entry. The groups are synced as in 0002."""

from django.apps import apps as global_apps
from django.db import migrations

from desk.roles import sync_roles


def give_roles_stories(apps, schema_editor):
    configs = [global_apps.get_app_config(label) for label in ("events", "stories", "desk")]
    sync_roles(apps, configs, using=schema_editor.connection.alias)


class Migration(migrations.Migration):
    dependencies = [
        ("desk", "0006_audit_actions"),
        ("stories", "0001_initial"),
    ]

    operations = [migrations.RunPython(give_roles_stories, migrations.RunPython.noop)]
