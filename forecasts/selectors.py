"""Reads: runs, one series with history + forecast + backtest, and the hiring plan.

These are the functions the assistant's tools and the API call. Forecasts are aggregates (no
personal data), so recruiters may see all of them.
"""

from __future__ import annotations

from datetime import date, timedelta

from django.conf import settings
from django.db.models import F, Q

from forecasts.errors import ForecastInputError, NoForecastError  # noqa: F401 - re-exported: the selectors' errors
from forecasts.models import (
    LEVELS,
    METRICS,
    ForecastPublication,
    ForecastRun,
    ForecastSeries,
    RunStatus,
    SeriesStatus,
)
from technicians.models import District, Region


def metric_choices() -> list[tuple[str, str]]:
    labels = {
        "headcount": "Active headcount",
        "hires": "Hires",
        "terminations_voluntary": "Voluntary terminations",
        "terminations_involuntary": "Involuntary terminations",
        "demand": "Service demand (jobs requested)",
    }
    return [(m, labels[m]) for m in METRICS]


def _validate(metric: str, level: str, key: str | None) -> str:
    if metric not in METRICS:
        raise ForecastInputError(f"unknown metric {metric!r}; valid metrics: {', '.join(METRICS)}")
    if level not in LEVELS:
        raise ForecastInputError(f"unknown level {level!r}; valid levels: {', '.join(LEVELS)}")
    if level == "company":
        return "company"
    model = District if level == "district" else Region
    valid = list(model.objects.order_by("code").values_list("code", flat=True))
    if key not in valid:
        raise ForecastInputError(f"unknown {level} {key!r}; valid {level} codes: {', '.join(valid) or '(none yet)'}")
    return key


def forecast_run_list():
    return ForecastRun.objects.select_related("requested_by").order_by("-created_at")


def forecast_run_latest(*, metric: str | None = None, frequency: str | None = None) -> ForecastRun | None:
    qs = ForecastRun.objects.filter(status=RunStatus.COMPLETED)
    if frequency:
        qs = qs.filter(frequency=frequency)
    if metric:
        qs = qs.filter(Q(metric="") | Q(metric=metric))
    return qs.order_by(F("finished_at").desc(nulls_last=True), "-created_at").first()


def forecast_run_published(*, metric: str, frequency: str = "weekly") -> ForecastRun | None:
    """The run everyone reads for ``metric``: the published one; if none was ever published, the latest
    completed run (a fresh install before its first publication)."""
    pub = (
        ForecastPublication.objects.select_related("run")
        .filter(metric=metric, frequency=frequency, is_current=True, run__status=RunStatus.COMPLETED)
        .first()
    )
    if pub is not None:
        return pub.run
    if ForecastPublication.objects.filter(metric=metric, frequency=frequency).exists():
        return None  # the published run is gone (deleted): say so rather than show an unpublished one
    return forecast_run_latest(metric=metric, frequency=frequency)


def published_run_ids() -> dict[str, str]:
    """{metric: run id} of the current publications (weekly)."""
    return {
        p["metric"]: str(p["run_id"])
        for p in ForecastPublication.objects.filter(is_current=True, frequency="weekly").values("metric", "run_id")
    }


def publication_history(*, limit: int = 20):
    return ForecastPublication.objects.select_related("run", "published_by", "replaced_run")[:limit]


ACTIVE_STATUSES = (RunStatus.QUEUED, RunStatus.RUNNING, RunStatus.RECONCILING)


def forecast_run_active() -> ForecastRun | None:
    """The newest run that has not finished (queued, running or reconciling), if any."""
    return ForecastRun.objects.filter(status__in=ACTIVE_STATUSES).order_by("-created_at").first()


def forecast_run_is_stale(run: ForecastRun, *, minutes: int = 15) -> bool:
    """No progress recorded for ``minutes``: its worker probably died (a series takes seconds)."""
    from django.utils import timezone

    return run.status in ACTIVE_STATUSES and run.updated_at < timezone.now() - timedelta(minutes=minutes)


def forecast_run_has_completed() -> bool:
    return ForecastRun.objects.filter(status=RunStatus.COMPLETED).exists()


def _series_row(*, metric: str, level: str, key: str, run_id=None) -> ForecastSeries:
    qs = (
        ForecastSeries.objects.select_related("run")
        .defer("fit")
        .filter(metric=metric, level=level, key=key, run__status=RunStatus.COMPLETED)
    )
    if run_id is None:
        run = forecast_run_published(metric=metric)
        if run is None:
            raise NoForecastError(
                f"no forecast published for {metric} yet; start one with run_forecasts (an HR admin publishes it)"
            )
        run_id = run.id
    qs = qs.filter(run_id=run_id)
    row = qs.order_by(F("run__finished_at").desc(nulls_last=True), "-run__created_at").first()
    if row is None:
        where = f"run {run_id}" if run_id else "any completed run"
        raise NoForecastError(f"no forecast for {metric} / {level} {key} in {where}; start one with run_forecasts")
    return row


def series_to_dict(row: ForecastSeries) -> dict:
    bt = row.backtest or {}
    used = row.method_used or "prophet"
    recon = bt.get("reconciled") or bt.get(used) or {}
    base = bt.get("seasonal_naive") or {}
    prophet = bt.get("prophet") or {}
    return {
        "metric": row.metric,
        "level": row.level,
        "key": None if row.level == "company" else row.key,
        "name": row.name,
        "frequency": row.run.frequency,
        "status": row.status,
        "failure_reason": row.failure_reason,
        "history": [{"ds": h["ds"], "y": h["y"]} for h in row.history],
        "forecast": [
            {
                "ds": p.ds.isoformat(),
                "yhat": round(p.yhat, 3),
                "yhat_lower": round(p.yhat_lower, 3),
                "yhat_upper": round(p.yhat_upper, 3),
            }
            for p in row.points.all()
        ],
        "method": used,
        "reconciliation": row.reconciliation or "none",
        "backtest": {
            "folds": bt.get("folds", 0),
            "mase_scale": bt.get("mase_scale"),
            "mase": recon.get("mase"),
            "smape": recon.get("smape"),
            "coverage": recon.get("coverage"),
            "unreconciled_mase": (bt.get(used) or {}).get("mase"),
            "prophet_mase": prophet.get("mase"),
            "prophet_reconciled_mase": (bt.get("prophet_reconciled") or {}).get("mase"),
            "baseline_mase": base.get("mase"),
            "baseline_smape": base.get("smape"),
            "baseline_coverage": base.get("coverage"),
            "prophet_beats_baseline": bool(bt.get("prophet_beats_baseline", False)),
            "chosen_beats_baseline": bool(bt.get("chosen_beats_baseline", False)),
            "ranking": bt.get("ranking") or {},
            "fold_mode": bt.get("fold_mode"),
            "seasonal": bt.get("seasonal"),
            "interval": bt.get("interval"),
        },
        "run_id": str(row.run_id),
        "created_at": row.run.created_at.isoformat(),
    }


def forecast_series(*, metric: str, level: str, key: str | None, run_id=None) -> dict:
    """History, reconciled forecast and backtest accuracy of one series from the latest completed run."""
    key = _validate(metric, level, key)
    return series_to_dict(_series_row(metric=metric, level=level, key=key, run_id=run_id))


def forecast_run_get(*, run_id) -> ForecastRun | None:
    return ForecastRun.objects.filter(pk=run_id).first()


def run_series(*, run: ForecastRun):
    return (
        run.series.defer("history", "fit")
        .prefetch_related("points")
        .select_related("run")
        .order_by("metric", "level", "key")
    )


# --------------------------------------------------------------------------- hiring plan


def hiring_plan_max_weeks() -> int:
    """The largest "weeks ahead" the plan accepts: the published demand forecast's horizon."""
    run = forecast_run_published(metric="demand", frequency="weekly")
    return min(run.horizon, settings.FORECAST_MAX_HORIZON) if run else settings.FORECAST_HORIZON_WEEKS


def hiring_plan_report(
    *,
    weeks: int = 12,
    region: str | None = None,
    district: str | None = None,
    trade: str | None = None,
    as_of: date | None = None,
    scenario=None,
    sort: str | None = None,
) -> dict:
    """The plan per district × trade with its no-netting roll-up (see ``forecasts.hiring_plan``)."""
    from forecasts.hiring_plan import Scenario, build_plan, validate_scenario
    from technicians.models import Trade

    as_of = as_of or date.today()
    scenario = scenario or Scenario()
    if not isinstance(weeks, int) or isinstance(weeks, bool) or not 1 <= weeks <= settings.FORECAST_MAX_HORIZON:
        raise ForecastInputError(f"weeks must be between 1 and {settings.FORECAST_MAX_HORIZON} (got {weeks!r})")
    districts = District.objects.select_related("region").order_by("region__code", "code")
    if region:
        _validate("demand", "region", region)
        districts = districts.filter(region__code=region)
    if district:
        _validate("demand", "district", district)
        districts = districts.filter(code=district)
    if trade and trade not in Trade.values:
        raise ForecastInputError(f"unknown trade {trade!r}; valid trades: {', '.join(Trade.values)}")
    if scenario.program_district:
        _validate("demand", "district", scenario.program_district)
    if scenario.program_trade and scenario.program_trade not in Trade.values:
        raise ForecastInputError(f"unknown trade {scenario.program_trade!r}; valid trades: {', '.join(Trade.values)}")
    validate_scenario(scenario)
    run = forecast_run_published(metric="demand", frequency="weekly")
    if run is None:
        raise NoForecastError(
            "no published demand forecast yet; start one with run_forecasts (or the Run forecasts button)"
        )
    if weeks > run.horizon:
        raise ForecastInputError(f"weeks must be at most {run.horizon}, the horizon of the published demand forecast")
    trades = [trade] if trade else list(Trade.values)
    rows, totals = build_plan(
        run=run, districts=list(districts), trades=trades, weeks=weeks, as_of=as_of, scenario=scenario
    )
    if sort:
        rows = sort_plan(rows, sort)
    return {
        "rows": rows,
        "totals": totals,
        "run_id": str(run.id),
        "weeks": weeks,
        "max_weeks": run.horizon,
        "exits_source": rows[0]["exits_source"] if rows else "",
        "scenario": {
            "demand_pct": scenario.demand_pct, "capacity_pct": scenario.capacity_pct,
            "program_id": scenario.program_id, "program_district": scenario.program_district,
            "program_trade": scenario.program_trade,
        },
    }  # fmt: skip


PLAN_SORTABLE = (
    "district", "region", "trade", "current_headcount", "expected_exits", "accepted_offers", "pipeline_expected",
    "forecast_demand", "required_technicians", "expected_headcount", "gap", "hires_needed", "surplus",
    "open_requisition_by",
)  # fmt: skip
DEFAULT_PLAN_SORT = "-gap"


def sort_plan(rows: list[dict], sort: str) -> list[dict]:
    """Sort by a column (``-`` prefix = descending); rows without a value go last; ties keep district, trade."""
    field = sort.lstrip("-")
    if field not in PLAN_SORTABLE:
        raise ForecastInputError(f"unknown sort column {field!r}; valid: {', '.join(PLAN_SORTABLE)}")
    base = sorted(rows, key=lambda r: (r["district"], r["trade"]))
    present = sorted((r for r in base if r[field] is not None), key=lambda r: r[field], reverse=sort.startswith("-"))
    return present + [r for r in base if r[field] is None]


def hiring_plan(**kwargs) -> list[dict]:
    """Rows of ``hiring_plan_report`` (kept for callers that only need the rows)."""
    return hiring_plan_report(**kwargs)["rows"]


HIRING_PLAN_COLUMNS = [
    "district", "district_name", "region", "trade", "trade_share", "current_headcount", "expected_exits",
    "exits_avoided", "exits_source", "accepted_offers", "pipeline", "pipeline_expected", "forecast_demand",
    "forecast_demand_low", "forecast_demand_high", "jobs_per_tech_per_week", "required_technicians",
    "expected_headcount", "gap", "gap_low", "gap_high", "hires_needed", "surplus", "time_to_fill_weeks",
    "open_requisition_by", "note",
]  # fmt: skip


def _series_totals(run: ForecastRun, metric: str) -> dict[tuple[str, str], dict]:
    out = {}
    rows = run.series.filter(metric=metric, status=SeriesStatus.DONE).defer("history", "fit").prefetch_related("points")
    for s in rows:
        pts = list(s.points.all())
        bt = s.backtest or {}
        out[(s.level, s.key)] = {
            "name": s.name,
            "total": sum(p.yhat for p in pts),
            "method": s.method_used,
            "mase": (bt.get("reconciled") or {}).get("mase"),
            "coverage": (bt.get("reconciled") or {}).get("coverage"),
        }
    return out


def run_comparison(*, run: ForecastRun) -> dict:
    """This run side by side with the published forecast of each of its metrics: accuracy (backtest MASE,
    coverage, share beating seasonal naive), methods used, and the difference in forecast totals."""
    metrics_out = []
    for metric in run.metrics:
        published = forecast_run_published(metric=metric, frequency=run.frequency)
        mine = _series_totals(run, metric)
        theirs = _series_totals(published, metric) if published else {}
        series = []
        for (level, key), m in sorted(
            mine.items(), key=lambda kv: ({"company": 0, "region": 1}.get(kv[0][0], 2), kv[0][1])
        ):
            p = theirs.get((level, key))
            series.append({
                "level": level, "key": key, "name": m["name"], "method": m["method"],
                "published_method": p["method"] if p else None,
                "total": round(m["total"], 1), "published_total": round(p["total"], 1) if p else None,
                "difference": round(m["total"] - p["total"], 1) if p else None,
                "mase": m["mase"], "published_mase": p["mase"] if p else None,
            })  # fmt: skip

        def summary(r, metric=metric):
            s = (r.backtest or {}).get(metric, {}) if r else {}
            cov = [
                v["coverage"] for v in (_series_totals(r, metric).values() if r else []) if v["coverage"] is not None
            ]
            return {
                "run_id": str(r.id) if r else None,
                "mean_mase": s.get("mean_mase_reconciled"),
                "mean_coverage": round(sum(cov) / len(cov), 3) if cov else None,
                "share_beats_baseline": s.get("share_chosen_beats_baseline"),
                "methods_used": s.get("methods_used"),
            }

        metrics_out.append({
            "metric": metric, "this": summary(run), "published": summary(published),
            "is_published": bool(published and published.id == run.id), "series": series,
        })  # fmt: skip
    return {"run_id": str(run.id), "status": run.status, "metrics": metrics_out}


def operational_metrics() -> list:
    """Prometheus (core/metrics.py): forecast runs, and the age of the newest published (completed) run."""
    from django.utils import timezone

    from core.metrics import Metric, run_metrics

    out = run_metrics("forecast", ForecastRun, done=[RunStatus.COMPLETED], failed=RunStatus.FAILED)
    age = Metric("ta_forecast_age_seconds", "Age of the newest completed (published) forecast run.")
    newest = (
        ForecastRun.objects.filter(status=RunStatus.COMPLETED, finished_at__isnull=False)
        .order_by("-finished_at")
        .values_list("finished_at", flat=True)
        .first()
    )
    if newest is not None:
        age.samples[()] = (timezone.now() - newest).total_seconds()
    return [*out, age]


def forecasts_in_preparation() -> dict:
    """For the "still being prepared" notes: is any forecast published yet, and the run in progress."""
    # one query (it runs on every page, for the note): the newest unfinished run, with whether any run has
    # completed; when none is unfinished, the newest completed run answers the second question alone
    from django.db.models import Case, IntegerField, Value, When

    rows = list(
        ForecastRun.objects.filter(status__in=(*ACTIVE_STATUSES, RunStatus.COMPLETED))
        .annotate(
            unfinished=Case(
                When(status__in=ACTIVE_STATUSES, then=Value(0)), default=Value(1), output_field=IntegerField()
            )
        )  # fmt: skip
        .order_by("unfinished", "-created_at")
        .values_list("pk", "status")[:1]  # narrow: the full row only for a run in progress (below)
    )
    running_pk = rows[0][0] if rows and rows[0][1] in ACTIVE_STATUSES else None
    if running_pk is None:
        return {"has_forecast": bool(rows), "running": None}
    running = ForecastRun.objects.filter(pk=running_pk).first()
    return {"has_forecast": forecast_run_has_completed(), "running": running}
