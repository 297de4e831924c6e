"""Give a user one of the desk's roles: `manage.py assign_role alice Editors`."""

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand, CommandError

from comments.moderators import GROUP_NAME as MODERATORS
from desk.roles import EDITORS, REPORTERS

ROLES = (REPORTERS, EDITORS, MODERATORS)


class Command(BaseCommand):
    help = (
        "Make USER a member of ROLE (Reporters, Editors or Moderators) and staff, so they can "
        "sign in to the desk. --remove takes the role away."
    )

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("role", help=f"one of {', '.join(ROLES)} (any case)")
        parser.add_argument("--remove", action="store_true", help="remove the role instead")

    def handle(self, *args, username, role, remove=False, **options):
        wanted = {name.casefold(): name for name in ROLES}.get(role.casefold().rstrip("s") + "s")
        if wanted is None:
            raise CommandError(f"Unknown role {role!r}: choose one of {', '.join(ROLES)}.")
        try:
            user = get_user_model().objects.get(username=username)
        except get_user_model().DoesNotExist:
            raise CommandError(
                f"No user {username!r}: create it first (python manage.py createsuperuser "
                "for an administrator, or the admin's Users page)."
            ) from None
        group = Group.objects.get(name=wanted)
        if remove:
            user.groups.remove(group)
            self.stdout.write(f"{username} is no longer in {wanted}.")
            return
        user.groups.add(group)
        if not user.is_staff:
            user.is_staff = True
            user.save(update_fields=["is_staff"])
        self.stdout.write(f"{username} is in {wanted} and can sign in at /admin/.")
