"""manage.py subject_erase ID [--dry-run] — erase / anonymise everything about a person, in one transaction."""

import json

from django.core.management.base import BaseCommand, CommandError

from core.subjects import SubjectNotFound, subject_erase


class Command(BaseCommand):
    help = "Erase or irreversibly anonymise a technician/candidate (scores, vectors, history, Redis copies)."

    def add_arguments(self, parser):
        parser.add_argument("subject_id", help="employee_id or candidate_id")
        parser.add_argument("--dry-run", action="store_true", help="list what would be removed; change nothing")

    def handle(self, *args, subject_id, dry_run=False, **opts):
        try:
            report = subject_erase(subject_id=subject_id, dry_run=dry_run)
        except SubjectNotFound as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(json.dumps(report, indent=2, default=str))
        if report["models_trained_on_subject"] and not dry_run:
            self.stdout.write("Models trained on this person are listed above: retrain and promote to drop them.")
