"""Write every entry, with its tags, sources, publishers and approved comments, as JSON Lines."""

import sys

from django.core.management.base import BaseCommand

from interchange.jsonlines import export_entries


class Command(BaseCommand):
    help = (
        "Export all entries as JSON Lines, one object per entry (schema: docs/export-format.md). "
        "Streams, so memory stays flat whatever the number of entries."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "-o", "--output", default="-", help="file to write (default: standard output)"
        )
        parser.add_argument("--chunk-size", type=int, default=2000)

    def handle(self, *args, output, chunk_size, **options):
        if output == "-":
            count = export_entries(sys.stdout, chunk_size=chunk_size)
        else:
            with open(output, "w", encoding="utf-8", newline="\n") as out:
                count = export_entries(out, chunk_size=chunk_size)
        self.stderr.write(f"exported {count} entries")
