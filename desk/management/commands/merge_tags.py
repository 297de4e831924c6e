"""Merge tags: `manage.py merge_tags Kiev "Kyiv city" --into Kyiv`; undone from the admin."""

from django.core.management.base import BaseCommand, CommandError

from desk import tags


class Command(BaseCommand):
    help = (
        "Merge the tags NAME... into TARGET: every entry that carried any of them carries TARGET "
        "once, their pages and feeds answer 301 to TARGET's. Recorded in the audit trail; undo "
        "it from the tag housekeeping page in the admin."
    )

    def add_arguments(self, parser):
        parser.add_argument("names", nargs="+", metavar="NAME", help="tags to merge away")
        parser.add_argument("--into", required=True, metavar="TARGET", help="the tag to keep")

    def handle(self, *args, names, into, **options):
        try:
            merge = tags.merge_by_name(names, into)
        except tags.TagRefusal as refusal:
            raise CommandError(str(refusal)) from None
        entries = {entry for item in merge.former for entry in item["entries"]}
        self.stdout.write(
            self.style.SUCCESS(
                f"Merged {', '.join(f'“{n}”' for n in merge.former_names)} into "
                f"“{merge.target_name}”: {len(entries)} entries changed "
                f"(merge #{merge.pk}, undo it in the admin's tag housekeeping)."
            )
        )
