"""The desk's roles: Reporters and Editors, each with exactly the permissions its work needs.

- Reporters write entries, their tags and sources, and submit them for review. They cannot
  publish, schedule, unpublish, approve, restore revisions, or delete a live entry (the admin
  checks `events.publish_entry` for those).
- Editors review, publish, schedule, unpublish, restore revisions, append corrections and
  updates to live entries (`events.correct_entry`), and manage tags, sources and
  publishers. No user administration.
- Moderators (comments app) handle comments only.

The data migration desk/0002 creates the groups; a post_migrate hook keeps them after a database
flush. `manage.py assign_role USER ROLE` puts a staff account in a group.
"""

from django.contrib.auth.management import create_permissions

REPORTERS = "Reporters"
EDITORS = "Editors"

_ENTRY_WRITING = [
    ("events", "entry", "view_entry"),
    ("events", "entry", "add_entry"),
    ("events", "entry", "change_entry"),
    ("events", "entry", "delete_entry"),
    ("sources", "citation", "view_citation"),
    ("sources", "citation", "add_citation"),
    ("sources", "citation", "change_citation"),
    ("sources", "citation", "delete_citation"),
    ("sources", "source", "view_source"),
    ("sources", "source", "add_source"),
    ("sources", "publisher", "view_publisher"),
    ("sources", "publisher", "add_publisher"),
    ("taggit", "tag", "view_tag"),
    ("stories", "story", "view_story"),
]

PERMISSIONS = {
    REPORTERS: _ENTRY_WRITING,
    EDITORS: [
        *_ENTRY_WRITING,
        ("events", "entry", "publish_entry"),
        ("events", "entry", "restore_entry"),
        ("events", "entry", "correct_entry"),
        ("sources", "source", "change_source"),
        ("sources", "source", "delete_source"),
        ("sources", "publisher", "change_publisher"),
        ("sources", "publisher", "delete_publisher"),
        ("taggit", "tag", "add_tag"),
        ("taggit", "tag", "change_tag"),
        ("taggit", "tag", "delete_tag"),
        ("desk", "auditevent", "view_auditevent"),
        ("desk", "pendingchange", "view_pendingchange"),
        ("stories", "story", "add_story"),
        ("stories", "story", "change_story"),
        ("stories", "story", "delete_story"),
        ("stories", "storyentry", "view_storyentry"),
        ("stories", "storyentry", "add_storyentry"),
        ("stories", "storyentry", "change_storyentry"),
        ("stories", "storyentry", "delete_storyentry"),
    ],
}


def sync_roles(apps, app_configs, using: str = "default") -> None:
    """Create the groups (if missing) and give each exactly its PERMISSIONS, with `apps`' models.

    Permissions are created for every app PERMISSIONS names, besides `app_configs`, so an older
    migration that syncs the roles still finds the permissions of apps added since.
    """
    from django.apps import apps as global_apps

    named = {label for permissions in PERMISSIONS.values() for label, _, _ in permissions}
    labels = {config.label for config in app_configs}
    app_configs = [*app_configs, *(global_apps.get_app_config(n) for n in sorted(named - labels))]
    for app_config in app_configs:
        create_permissions(app_config, apps=apps, verbosity=0, using=using)
    group_model = apps.get_model("auth", "Group")
    permission_model = apps.get_model("auth", "Permission")
    for name, permissions in PERMISSIONS.items():
        group, _ = group_model.objects.using(using).get_or_create(name=name)
        group.permissions.set(
            [
                permission_model.objects.using(using).get(
                    content_type__app_label=app_label,
                    content_type__model=model,
                    codename=codename,
                )
                for app_label, model, codename in permissions
            ]
        )
