"""manage.py subject_export ID — everything held about a technician (employee_id) or candidate (candidate_id)."""

import json

from django.core.management.base import BaseCommand, CommandError

from core.subjects import SubjectNotFound, subject_export


class Command(BaseCommand):
    help = "Print (or write with --output) one JSON document with everything held about a person."

    def add_arguments(self, parser):
        parser.add_argument("subject_id", help="employee_id or candidate_id")
        parser.add_argument("--output", "-o", help="write the JSON to this file instead of stdout")

    def handle(self, *args, subject_id, output=None, **opts):
        try:
            doc = subject_export(subject_id=subject_id)
        except SubjectNotFound as exc:
            raise CommandError(str(exc)) from exc
        text = json.dumps(doc, indent=2, default=str, ensure_ascii=False)
        if output:
            with open(output, "w", encoding="utf-8") as fh:
                fh.write(text)
            self.stdout.write(f"Wrote {output}")
        else:
            self.stdout.write(text)
