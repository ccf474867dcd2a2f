"""manage.py export_records KIND [-o FILE] [--as-user USERNAME]: CSV export through the visibility rule."""

import sys

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from technicians.exports import export_csv_lines, export_rows
from technicians.rowspec import ROWSPECS


class Command(BaseCommand):
    help = (
        "Export technicians, snapshots, candidates or demand as CSV (re-importable with import_<kind>). "
        "Columns follow the visibility rule of --as-user; without it, pay/performance columns are left out."
    )

    def add_arguments(self, parser):
        parser.add_argument("kind", choices=sorted(ROWSPECS))
        parser.add_argument("-o", "--output", help="file to write (default: stdout)")
        parser.add_argument("--as-user", help="username whose permissions decide the columns (e.g. an HR admin)")

    def handle(self, *args, kind, output=None, as_user=None, **options):
        user = None
        if as_user:
            user = get_user_model().objects.filter(username=as_user).first()
            if user is None:
                raise CommandError(f"No user {as_user!r}.")
        lines = export_csv_lines(export_rows(user=user, kind=kind))
        if output:
            with open(output, "w", encoding="utf-8", newline="") as f:
                n = sum(f.write(line) >= 0 for line in lines) - 1
            self.stderr.write(f"wrote {n} {kind} rows to {output}")
        else:
            for line in lines:
                sys.stdout.write(line)
