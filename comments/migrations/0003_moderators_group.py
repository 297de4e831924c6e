"""Create the Moderators group (see comments/moderators.py for exactly what it may do)."""

from django.apps import apps as global_apps
from django.db import migrations

from comments.moderators import GROUP_NAME, sync_moderators_group


def create_group(apps, schema_editor):
    sync_moderators_group(
        apps, global_apps.get_app_config("comments"), using=schema_editor.connection.alias
    )


def delete_group(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name=GROUP_NAME).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("comments", "0002_block"),
    ]

    operations = [migrations.RunPython(create_group, delete_group)]
