from django.core.management.base import BaseCommand, CommandError

from forecasts import selectors, services
from forecasts.models import METHODS, METRICS


class Command(BaseCommand):
    help = "Start a forecast run (queued on Celery, or --sync in this process)."

    def add_arguments(self, parser):
        parser.add_argument("--metric", choices=METRICS, help="One metric (default: all).")
        parser.add_argument("--method", default="auto", choices=list(METHODS))
        parser.add_argument("--reconciliation", default="mint", choices=["mint", "bottom_up", "none"])
        parser.add_argument("--horizon", type=int, default=None, help="Weeks ahead (1..52).")
        parser.add_argument("--sync", action="store_true", help="Run here instead of on the Celery worker.")
        parser.add_argument("--if-missing", action="store_true", help="Only when no completed (or active) run exists.")

    def handle(self, *args, **opts):
        if opts["if_missing"]:
            if selectors.forecast_run_has_completed():
                self.stdout.write("A completed forecast run exists; nothing to do (--if-missing).")
                return
            active = selectors.forecast_run_active()
            if active is not None:
                if selectors.forecast_run_is_stale(active):
                    services.forecast_run_resume(run_id=active.id)
                    self.stdout.write(
                        f"Resumed stalled forecast run {active.id} ({active.series_done}/{active.series_total})."
                    )
                else:
                    self.stdout.write(
                        f"Forecast run {active.id} is already {active.status}; nothing to do (--if-missing)."
                    )
                return
        try:
            if opts["sync"]:
                run = services.forecast_run_sync(
                    metric=opts["metric"],
                    method=opts["method"],
                    reconciliation=opts["reconciliation"],
                    horizon=opts["horizon"],
                )
            else:
                run = services.forecast_run_start(
                    metric=opts["metric"],
                    method=opts["method"],
                    reconciliation=opts["reconciliation"],
                    horizon=opts["horizon"],
                )
        except selectors.ForecastInputError as exc:
            raise CommandError(str(exc)) from exc
        run.refresh_from_db()
        self.stdout.write(f"Forecast run {run.id}: {run.status} ({run.series_done}/{run.series_total} series)")
        for metric, s in (run.backtest or {}).items():
            if s.get("series"):
                self.stdout.write(
                    f"  {metric}: the chosen method beats seasonal naive on {s['chosen_beats_baseline']}/{s['series']} series"
                )
