"""Import pages of the Context current-events archive (markdown files or directory trees)."""

from django.core.management.base import BaseCommand, CommandError

from interchange.archive_import import MAX_PAGE_BYTES, import_files


class Command(BaseCommand):
    help = (
        "Import entry pages (news/YYYY/MM/D/<slug>.md) and day pages (index.md) of the Context "
        "archive. Directories are walked for pages. Idempotent: importing again changes nothing. "
        f"Pages larger than {MAX_PAGE_BYTES:,} bytes are refused."
    )

    def add_arguments(self, parser):
        parser.add_argument("paths", nargs="+", help="page files or directories to walk")
        parser.add_argument(
            "--draft", action="store_true", help="create entries as drafts, not published"
        )
        parser.add_argument(
            "--dry-run", action="store_true", help="report what would change, write nothing"
        )

    def handle(self, *args, paths, draft=False, dry_run=False, **options):
        tty = hasattr(self.stdout, "isatty") and self.stdout.isatty()
        verbosity = options.get("verbosity", 1)

        def progress(index, total, path):
            if verbosity < 1:
                return
            if tty:
                done = int(30 * index / total)
                self.stdout.write(f"\r[{'#' * done}{'.' * (30 - done)}] {index}/{total}", ending="")
                if index == total:
                    self.stdout.write("")
                self.stdout.flush()
            else:
                self.stdout.write(f"{index}/{total} {path}")

        report = import_files(paths, draft=draft, dry_run=dry_run, progress=progress)
        for error in report.errors:
            self.stderr.write(f"error: {error}")
        prefix = "dry run, nothing written: " if dry_run else ""
        self.stdout.write(prefix + report.summary())
        if report.files_failed:
            raise CommandError(
                f"{report.files_failed} file(s) failed; nothing from them was written"
            )
