"""`manage.py seed_demo`: load the deterministic demo company (idempotent) and the demo users."""

from __future__ import annotations

import time
from datetime import date

from django.core.management.base import BaseCommand, CommandError
from django.db import DatabaseError, transaction
from django.db.models import ProtectedError

from technicians.demo import demo_generate
from technicians.demo.load import (
    DEMO_PASSWORD,
    demo_data_load,
    demo_data_present,
    demo_data_reset,
    demo_domain_counts,
    demo_users_ensure,
)
from technicians.models import Technician


def positive_int(value: str) -> int:
    n = int(value)
    if n < 1:
        raise ValueError
    return n


class Command(BaseCommand):
    help = (
        "Create the demo company (regions, districts, technicians with monthly snapshots, candidates, weekly "
        "demand) and the demo users. Deterministic for a seed; does nothing if data exists unless --reset."
    )

    def add_arguments(self, parser):
        parser.add_argument("--technicians", type=positive_int, default=3000, help="active headcount at the end (3000)")
        parser.add_argument("--months", type=positive_int, default=36, help="months of history, ending this month (36)")
        parser.add_argument("--seed", type=int, default=42, help="random seed (42); same seed → same data")
        parser.add_argument(
            "--as-of", type=date.fromisoformat, default=None, help="'today' (YYYY-MM-DD); default today"
        )
        parser.add_argument(
            "--drift-from",
            type=date.fromisoformat,
            default=None,
            help="plant drift from this month on (YYYY-MM-DD): more overtime and longer drives (technicians/demo/README.md)",
        )
        parser.add_argument(
            "--districts", type=positive_int, default=None,
            help="number of districts (default 20; more adds sectors of the 20 metros, e.g. 500 for forecasting at scale)",
        )  # fmt: skip
        parser.add_argument("--reset", action="store_true", help="delete the technicians domain data first, then load")
        parser.add_argument("--batch-size", type=positive_int, default=2000)

    def handle(
        self, *args, technicians, months, seed, as_of, reset, batch_size, drift_from=None, districts=None, **options
    ):
        started = time.perf_counter()
        as_of = as_of or date.today()
        out = self.stdout
        report: list[str] = []  # written after the commit, so a printed API key really exists
        try:
            with transaction.atomic():
                created_users, api_key = demo_users_ensure()
                if created_users:
                    report.append(f"Demo users created: {', '.join(created_users)} (password {DEMO_PASSWORD})")
                if api_key:
                    report.append(f"API key for apiuser (shown once, store it now): {api_key}")
                if demo_data_present() and not reset:
                    counts = demo_domain_counts()
                    report.append(
                        "Demo data already present ("
                        + ", ".join(f"{v} {k}" for k, v in counts.items())
                        + "); nothing added. Use --reset to reload."
                    )
                else:
                    report += self._load(technicians, months, seed, as_of, reset, batch_size, drift_from, districts)
        except (ProtectedError, DatabaseError, ValueError) as exc:
            raise CommandError(f"seed_demo failed, nothing was written: {exc}") from exc
        for line in report:
            out.write(line)
        out.write(f"Total time {time.perf_counter() - started:.1f}s")

    def _load(self, technicians, months, seed, as_of, reset, batch_size, drift_from=None, districts=None) -> list[str]:
        out = self.stdout
        t0 = time.perf_counter()
        data = demo_generate(
            technicians=technicians, months=months, seed=seed, as_of=as_of, drift_from=drift_from, districts=districts
        )
        gen_seconds = time.perf_counter() - t0
        out.write(
            f"Generated {months} months of demo history (seed {seed}, as of {as_of}"
            + (f", drift from {drift_from}" if drift_from else "")
            + f") in {gen_seconds:.1f}s"
        )
        t0 = time.perf_counter()
        if reset:
            deleted = demo_data_reset()
            out.write(f"Deleted {', '.join(f'{v} {k}' for k, v in deleted.items())} in {time.perf_counter() - t0:.1f}s")
        counts = demo_data_load(data=data, batch_size=batch_size, progress=lambda m: out.write(f"  {m}"))
        return [
            self.style.SUCCESS(
                "Demo data loaded: "
                + ", ".join(f"{v} {k}" for k, v in counts.items())
                + f" ({Technician.objects.active(as_of).count()} of the technicians still active on {as_of})"
            ),
            f"Time: generate {gen_seconds:.1f}s, load {time.perf_counter() - t0:.1f}s",
        ]
