"""Read JSON Lines files written by export_events back into the database."""

from django.core.management.base import BaseCommand, CommandError

from interchange.jsonlines import import_file


class Command(BaseCommand):
    help = (
        "Import JSON Lines files written by export_events, one transaction per file: a file with "
        "a bad line is reported (line number and reason) and nothing from it is written. "
        "Entries already present (same date and slug) are skipped."
    )

    def add_arguments(self, parser):
        parser.add_argument("paths", nargs="+", help="JSONL files")
        parser.add_argument("--batch-size", type=int, default=2000)

    def handle(self, *args, paths, batch_size, **options):
        failed = 0
        for path in paths:
            report = import_file(path, batch_size=batch_size)
            for error in report.errors[:50]:
                where = f"{path}:{error.line}" if error.line else path
                self.stderr.write(f"error: {where}: {error.reason}")
            if len(report.errors) > 50:
                self.stderr.write(f"... and {len(report.errors) - 50} more errors in {path}")
            failed += bool(report.errors)
            if report.users_created:
                names = ", ".join(report.users_created[:20])
                more = len(report.users_created) - 20
                self.stdout.write(
                    f"{path}: created inactive accounts with no usable password for the "
                    f"{len(report.users_created)} user(s) it names that this database lacked: "
                    f"{names}" + (f" and {more} more" if more > 0 else "")
                )
            self.stdout.write(f"{path}: {report.summary()}")
        if failed:
            raise CommandError(f"{failed} file(s) failed; nothing from them was written")
