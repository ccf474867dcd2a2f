"""Forecasts: parallel vs serial fitting, Prophet fast-path predict, backtest accuracy vs seasonal naive.

Uses its own database (bench_forecasts) seeded with the demo company (3 years, 20 districts).
"""

from __future__ import annotations

import io
import os
import time
from concurrent.futures import ProcessPoolExecutor


def _fit_one(args):
    from forecasts.prophet import PROFILES, forecast

    metric, frame, horizon = args
    return len(forecast(frame, horizon=horizon, profile=PROFILES[metric]).forecast)


def _spin(n: int) -> int:
    """Pure-CPU control task (~60 ms): what parallel speed-up can this machine give us right now?"""
    total = 0
    for i in range(n):
        total += i * i % 7
    return total


def run() -> list[tuple[str, float, str]]:
    from bench.harness import bench_database

    rows: list[tuple[str, float, str]] = []
    with bench_database("forecasts"):
        from django.conf import settings
        from django.core.management import call_command

        from forecasts import prophet, services
        from forecasts.models import METRICS
        from forecasts.series import build_series

        call_command("seed_demo", stdout=io.StringIO(), technicians=int(os.environ.get("BENCH_TECHNICIANS", "3000")))
        horizon = settings.FORECAST_HORIZON_WEEKS
        jobs = [(m, s.history, horizon) for m in METRICS for s in build_series(m) if s.level == "district"]

        # 1. every district × metric series: serial vs N worker processes, same series, same run.
        #    Interleaved in rounds (serial, then parallel, on the same slice) so that load from other
        #    processes on the machine hits both sides alike.
        _fit_one(jobs[0])  # warm the imports/compiled model before timing
        workers = int(os.environ.get("BENCH_WORKERS", "2"))
        rounds = 4
        serial = parallel = control_serial = control_parallel = 0.0
        with ProcessPoolExecutor(max_workers=workers) as pool:
            list(pool.map(_fit_one, jobs[:workers]))  # start the workers (imports) outside the timing
            for r in range(rounds):
                part = jobs[r::rounds]
                t0 = time.perf_counter()
                for job in part:
                    _fit_one(job)
                serial += time.perf_counter() - t0
                t0 = time.perf_counter()
                list(pool.map(_fit_one, part, chunksize=2))
                parallel += time.perf_counter() - t0
                # control: the same shape of work as pure CPU, measured in the same moment
                spins = [1_500_000] * len(part)
                t0 = time.perf_counter()
                for n in spins:
                    _spin(n)
                control_serial += time.perf_counter() - t0
                t0 = time.perf_counter()
                list(pool.map(_spin, spins, chunksize=2))
                control_parallel += time.perf_counter() - t0
        rows += [
            (f"fit+forecast {len(jobs)} district×metric series, serial (s)", serial, f"{rounds} interleaved rounds"),
            (f"same, {workers} worker processes (s)", parallel, "ProcessPoolExecutor, like Celery prefork children"),
            ("parallel speed-up (×)", serial / parallel, f"target ≥ 1.6 on 2 cores (os.cpu_count={os.cpu_count()})"),
            (
                "control: pure-CPU loop speed-up, same pool, same moments (×)",
                control_serial / control_parallel,
                f"what the machine offered (load {os.getloadavg()[0]:.1f}); forecast/control = "
                f"{(serial / parallel) / (control_serial / control_parallel):.2f}",
            ),
        ]

        # 2. predict with Prophet's default 1000 uncertainty samples vs the fast path, same fitted model
        company = next(s for s in build_series("demand") if s.level == "company").history
        t = prophet.time_predict(company, horizon=horizon, repeats=7)
        rows += [
            ("Prophet predict, default uncertainty sampling (ms)", t["default"] * 1000, "history + horizon rows"),
            ("Prophet predict, uncertainty_samples=0 (ms)", t["no_sampling"] * 1000, "for reference"),
            (
                "adapter fast path, fast_predict (ms)",
                t["fast"] * 1000,
                f"max |Δyhat| vs Prophet {t['max_abs_diff']:.2e}",
            ),
            ("fast-path predict speed-up vs default predict (×)", t["default"] / t["fast"], "target ≥ 3"),
        ]

        # 3. full run (backtests + MinT) → share of series where reconciled Prophet beats seasonal naive
        t0 = time.perf_counter()
        run = services.forecast_run_sync(metric=None, method="prophet", reconciliation="mint")
        rows.append(
            (f"full run, {run.series_total} series incl. backtests, serial (s)", time.perf_counter() - t0, run.status)
        )
        beats = total = 0
        for metric, s in run.backtest.items():
            if not s.get("series"):
                continue
            beats += s["prophet_beats_baseline"]
            total += s["series"]
            rows.append(
                (
                    f"  {metric}: share Prophet(MinT) beats seasonal naive on MASE",
                    s["share_prophet_beats_baseline"],
                    f"{s['prophet_beats_baseline']}/{s['series']}; mean MASE base {s['mean_mase_base']:.3f} → "
                    f"reconciled {s['mean_mase_reconciled']:.3f}, naive {s['mean_mase_baseline']:.3f}",
                )
            )
        rows.append(
            (
                "all metrics: share Prophet(MinT) beats seasonal naive",
                beats / total if total else 0.0,
                f"{beats}/{total}",
            )
        )
    return rows
