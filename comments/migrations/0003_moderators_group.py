"""Create the Moderators group with exactly what comment moderation needs, and nothing more.

Moderators see and moderate comments (view, change) and keep the blocklist (view, add, delete);
they get no permission on entries, sources or users. Give a moderator `is_staff` to reach the admin.
"""

from django.apps import apps as global_apps
from django.contrib.auth.management import create_permissions
from django.db import migrations

GROUP_NAME = "Moderators"
PERMISSIONS = [
    ("comments", "comment", "view"),
    ("comments", "comment", "change"),
    ("comments", "block", "view"),
    ("comments", "block", "add"),
    ("comments", "block", "delete"),
]


def create_group(apps, schema_editor):
    # Permissions are normally created after all migrations ran (post_migrate); make sure the
    # ones we hand out exist already on a fresh database.
    create_permissions(
        global_apps.get_app_config("comments"),
        apps=apps,
        verbosity=0,
        using=schema_editor.connection.alias,
    )
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group, _ = Group.objects.get_or_create(name=GROUP_NAME)
    group.permissions.set(
        [
            Permission.objects.get(
                content_type__app_label=app_label,
                content_type__model=model,
                codename=f"{action}_{model}",
            )
            for app_label, model, action in PERMISSIONS
        ]
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
