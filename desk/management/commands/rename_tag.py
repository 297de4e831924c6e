"""Rename a tag: `manage.py rename_tag Kiev Kyiv`; the old tag page and feeds answer 301."""

from django.core.management.base import BaseCommand, CommandError

from desk import tags


class Command(BaseCommand):
    help = (
        "Rename tag OLD to NEW (any case). The slug follows the name; the old tag page and its "
        "feeds answer 301 to the new ones. Renaming onto another tag's name is refused: merge "
        "them with merge_tags instead."
    )

    def add_arguments(self, parser):
        parser.add_argument("old", help="the tag's current name")
        parser.add_argument("new", help="its new name")

    def handle(self, *args, old, new, **options):
        try:
            tag = tags.tag_named(old)
            old_name, old_slug = tag.name, tag.slug
            tag = tags.rename_tag(tag, new)
        except tags.TagRefusal as refusal:
            if refusal.merge_into is not None:
                raise CommandError(
                    f"{refusal} (manage.py merge_tags {old!r} --into {refusal.merge_into.name!r})"
                ) from None
            raise CommandError(str(refusal)) from None
        if tag.name == old_name:
            self.stdout.write(f"“{old_name}” already has that name; nothing changed.")
            return
        self.stdout.write(
            self.style.SUCCESS(
                f"Renamed “{old_name}” to “{tag.name}”: /tags/{old_slug}/ now answers 301 to "
                f"/tags/{tag.slug}/."
            )
        )
