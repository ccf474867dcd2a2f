"""Shared body of the import_* commands: same validation as the admin, all-or-nothing by default."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from technicians.importers import ImportFileError, csv_import, read_limited
from technicians.rowspec import get_spec


class ImportCommand(BaseCommand):
    kind = ""

    @property
    def help(self) -> str:  # type: ignore[override]
        spec = get_spec(self.kind)
        return (
            f"Import {self.kind} from a CSV file (upsert by {' + '.join(spec.key)}). Required columns: "
            f"{', '.join(spec.required_columns)}. Any bad row → nothing is written and the command exits 1."
        )

    def add_arguments(self, parser):
        parser.add_argument("file", help="CSV file (UTF-8; ',' ';' or tab separated; header row first)")
        parser.add_argument("--dry-run", action="store_true", help="validate and count, write nothing")
        parser.add_argument(
            "--skip-invalid",
            action="store_true",
            help="write the good rows and report the bad ones (default: all-or-nothing)",
        )

    def handle(self, *args, file, dry_run=False, skip_invalid=False, **options):
        try:
            data = read_limited(file)
            result = csv_import(
                kind=self.kind, data=data, dry_run=dry_run, policy="skip_invalid" if skip_invalid else "all_or_nothing"
            )
        except ImportFileError as exc:
            raise CommandError(str(exc))
        for err in result.rejected:
            self.stderr.write(str(err))
        if result.ignored_columns:
            self.stdout.write(f"ignored columns (not part of {self.kind}): {', '.join(result.ignored_columns)}")
        prefix = "DRY RUN — nothing written: " if dry_run else ""
        if result.rejected and not skip_invalid and not dry_run:
            prefix = "NOTHING WRITTEN (fix the rows above and re-run): "
        self.stdout.write(prefix + result.summary())
        if result.rejected:
            raise CommandError(f"{result.rejected_rows} row(s) rejected", returncode=1)
