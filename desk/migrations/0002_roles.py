"""Create the Reporters and Editors groups (see desk/roles.py for exactly what each may do)."""

from django.apps import apps as global_apps
from django.db import migrations

from desk.roles import PERMISSIONS, sync_roles

APPS = ("events", "sources", "taggit", "desk")


def create_groups(apps, schema_editor):
    configs = [global_apps.get_app_config(label) for label in APPS]
    sync_roles(apps, configs, using=schema_editor.connection.alias)


def delete_groups(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name__in=list(PERMISSIONS)).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("taggit", "0006_rename_taggeditem_content_type_object_id_taggit_tagg_content_8fc721_idx"),
        ("sources", "0001_initial"),
        ("events", "0006_workflow"),
        ("desk", "0001_initial"),
    ]

    operations = [migrations.RunPython(create_groups, delete_groups)]
