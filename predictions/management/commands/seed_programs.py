"""`manage.py seed_programs`: a few demo retention programs for the ROI page (idempotent by name)."""

from decimal import Decimal

from django.core.management.base import BaseCommand

from predictions.changes import validate_program_change
from predictions.models import RetentionProgram

DEMO_PROGRAMS = [
    ("Overtime cap at 8 h/week", "Rebalance routes so planned overtime stays at or below 8 hours a week.",
     Decimal("1200"), {"overtime_hours": {"cap": 8}}),
    ("5% pay adjustment", "Raise hourly pay by 5% for the cohort (market adjustment).",
     Decimal("3100"), {"pay_rate": {"multiply": 1.05}}),
    ("Monthly training plan", "Four extra paid training hours every month.",
     Decimal("650"), {"training_hours": {"add": 4}}),
    ("4×10 compressed schedule", "Offer the 4×10 compressed schedule.",
     Decimal("300"), {"schedule_type": {"set": "4x10"}}),
]  # fmt: skip


class Command(BaseCommand):
    help = "Create the demo retention programs (skips names that exist)."

    def handle(self, *args, **options):
        added = 0
        for name, description, cost, change in DEMO_PROGRAMS:
            validate_program_change(change)
            _, created = RetentionProgram.objects.get_or_create(
                name=name, defaults={"description": description, "cost_per_technician": cost, "change": change}
            )
            added += created
        self.stdout.write(f"Retention programs: {added} added, {RetentionProgram.objects.count()} in total.")
