"""The Moderators group: exactly what comment moderation needs, and nothing more.

Moderators see and moderate comments (view, change) and keep the blocklist (view, add, delete);
they get no permission on entries, sources or users. Give a moderator `is_staff` to reach the admin.
The data migration 0003 creates the group; a post_migrate hook keeps it after a database flush.
"""

from django.contrib.auth.management import create_permissions

GROUP_NAME = "Moderators"
PERMISSIONS = [
    ("comments", "comment", "view"),
    ("comments", "comment", "change"),
    ("comments", "block", "view"),
    ("comments", "block", "add"),
    ("comments", "block", "delete"),
]


def sync_moderators_group(apps, app_config, using: str = "default") -> None:
    """Create the group (if missing) and give it exactly PERMISSIONS, with `apps`' models."""
    # Permissions are normally created after all migrations ran (post_migrate); make sure the
    # ones we hand out exist already on a fresh database.
    create_permissions(app_config, apps=apps, verbosity=0, using=using)
    group_model = apps.get_model("auth", "Group")
    permission_model = apps.get_model("auth", "Permission")
    group, _ = group_model.objects.using(using).get_or_create(name=GROUP_NAME)
    group.permissions.set(
        [
            permission_model.objects.using(using).get(
                content_type__app_label=app_label,
                content_type__model=model,
                codename=f"{action}_{model}",
            )
            for app_label, model, action in PERMISSIONS
        ]
    )
