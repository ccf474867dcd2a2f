"""Reads: runs, one series with history + forecast + backtest, and the hiring plan.

These are the functions the assistant's tools and the API call. Forecasts are aggregates (no
personal data), so recruiters may see all of them.
"""

from __future__ import annotations

import math
from datetime import date, timedelta

from django.conf import settings
from django.db.models import Avg, Count, F, Q

from forecasts.models import LEVELS, METRICS, ForecastPoint, ForecastRun, ForecastSeries, RunStatus, SeriesStatus
from technicians.models import CandidateStage, District, Region, Technician, TechnicianSnapshot


class ForecastInputError(ValueError):
    """Unknown metric/level/key or an out-of-range argument; the message names the valid values."""


class NoForecastError(LookupError):
    """No completed forecast run covers the requested series."""


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
    if run_id is not None:
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


def _departures_from_model(as_of: date | None) -> dict[str, float] | None:
    try:
        from predictions.selectors import expected_departures_by_district
    except (ImportError, AttributeError):
        return None
    try:
        result = expected_departures_by_district(as_of=as_of)
    except Exception:  # noqa: BLE001 - a broken model must not break the plan; fall back to history
        return None
    return dict(result) if result else None


def _historical_departures(*, as_of: date, weeks: int, trade: str | None) -> dict[str, float]:
    """Voluntary + involuntary terminations over the last 12 weeks, as a weekly rate × ``weeks``."""
    since = as_of - timedelta(weeks=12)
    qs = Technician.objects.filter(termination_date__gt=since, termination_date__lte=as_of)
    if trade:
        qs = qs.filter(trade=trade)
    out: dict[str, float] = {}
    for code in qs.values_list("district__code", flat=True):
        out[code] = out.get(code, 0.0) + 1
    return {code: n / 12 * weeks for code, n in out.items()}


def jobs_per_tech_per_week(*, district_codes: list[str], as_of: date) -> dict[str, float | None]:
    """Average jobs one technician completed per week over the last 3 monthly snapshots."""
    since = (as_of.replace(day=1) - timedelta(days=92)).replace(day=1)
    qs = TechnicianSnapshot.objects.filter(month__gte=since, month__lte=as_of)
    per = {
        row["technician__district__code"]: row["avg"]
        for row in qs.values("technician__district__code").annotate(avg=Avg("jobs_completed"))
    }
    overall = qs.aggregate(avg=Avg("jobs_completed"))["avg"]
    weekly = 12 / 52  # a monthly snapshot → per week
    return {c: (per.get(c) or overall) * weekly if (per.get(c) or overall) else None for c in district_codes}


def hiring_plan(
    *,
    weeks: int = 12,
    region: str | None = None,
    district: str | None = None,
    trade: str | None = None,
    as_of: date | None = None,
) -> list[dict]:
    """Per district: demand-driven requirement vs expected headcount over the next ``weeks`` weeks.

    required = forecast demand ÷ (jobs per technician per week × weeks); expected headcount =
    current − expected departures + accepted offers; gap = required − expected (negative = surplus),
    gap_low/gap_high from the demand forecast interval.
    """
    as_of = as_of or date.today()
    if not isinstance(weeks, int) or not 1 <= weeks <= settings.FORECAST_MAX_HORIZON:
        raise ForecastInputError(f"weeks must be between 1 and {settings.FORECAST_MAX_HORIZON} (got {weeks!r})")
    districts = District.objects.select_related("region").order_by("region__code", "code")
    if region:
        _validate("demand", "region", region)
        districts = districts.filter(region__code=region)
    if district:
        _validate("demand", "district", district)
        districts = districts.filter(code=district)
    if trade:
        from technicians.models import Trade

        if trade not in Trade.values:
            raise ForecastInputError(f"unknown trade {trade!r}; valid trades: {', '.join(Trade.values)}")
    districts = list(districts)
    codes = [d.code for d in districts]
    run = forecast_run_latest(metric="demand", frequency="weekly")
    if run is None:
        raise NoForecastError(
            "no completed demand forecast yet; start one with run_forecasts (or the Run forecasts button)"
        )
    if weeks > run.horizon:
        raise ForecastInputError(f"weeks must be at most {run.horizon}, the horizon of the latest demand forecast")
    demand: dict[str, tuple[float, float, float]] = {}
    pts = ForecastPoint.objects.filter(
        series__run=run,
        series__metric="demand",
        series__level="district",
        series__key__in=codes,
        series__status=SeriesStatus.DONE,
    ).order_by("series__key", "ds")
    taken: dict[str, int] = {}
    for p in pts.values("series__key", "yhat", "yhat_lower", "yhat_upper"):
        k = p["series__key"]
        if taken.get(k, 0) >= weeks:
            continue
        taken[k] = taken.get(k, 0) + 1
        y, lo, hi = demand.get(k, (0.0, 0.0, 0.0))
        demand[k] = (y + p["yhat"], lo + p["yhat_lower"], hi + p["yhat_upper"])
    model = None if trade else _departures_from_model(as_of)
    source = "retention model" if model is not None else "historical rate"
    if model is not None and getattr(settings, "RETENTION_HORIZON_DAYS", None):
        # retention scores are P(leave within RETENTION_HORIZON_DAYS): rescale the expected count to
        # the plan's window (constant-hazard approximation)
        factor = weeks * 7 / settings.RETENTION_HORIZON_DAYS
        model = {k: v * factor for k, v in model.items()}
    departures = model if model is not None else _historical_departures(as_of=as_of, weeks=weeks, trade=trade)
    active = Technician.objects.active(as_of)
    if trade:
        active = active.filter(trade=trade)
    headcount = {r["district__code"]: r["n"] for r in active.values("district__code").annotate(n=Count("id"))}
    trade_share: dict[str, float] = {}
    if trade:
        # Demand is forecast for all trades together; a trade's share of it is taken to be the trade's
        # share of the district's current workforce (the mix the district is staffed for today).
        everyone = Technician.objects.active(as_of).values("district__code").annotate(n=Count("id"))
        trade_share = {r["district__code"]: headcount.get(r["district__code"], 0) / r["n"] for r in everyone if r["n"]}
    from technicians.models import Candidate

    offers_qs = Candidate.objects.filter(stage=CandidateStage.ACCEPTED).filter(
        Q(expected_start_date__isnull=True) | Q(expected_start_date__lte=as_of + timedelta(weeks=weeks))
    )
    if trade:
        offers_qs = offers_qs.filter(trade=trade)
    offers = {r["district__code"]: r["n"] for r in offers_qs.values("district__code").annotate(n=Count("id"))}
    productivity = jobs_per_tech_per_week(district_codes=codes, as_of=as_of)
    plan = []
    for d in districts:
        current = int(headcount.get(d.code, 0))
        leaving = round(float(departures.get(d.code, 0.0)), 2)
        accepted = int(offers.get(d.code, 0))
        expected = round(current - leaving + accepted, 2)
        y, lo, hi = demand.get(d.code, (None, None, None))
        if trade and y is not None:
            share = trade_share.get(d.code, 0.0)
            y, lo, hi = y * share, lo * share, hi * share
        jpt = productivity.get(d.code)
        row = {
            "district": d.code,
            "district_name": d.name,
            "region": d.region.code,
            "current_headcount": current,
            "expected_departures": leaving,
            "departures_source": source,
            "accepted_offers": accepted,
            "forecast_demand": None if y is None else round(y, 1),
            "forecast_demand_low": None if lo is None else round(lo, 1),
            "forecast_demand_high": None if hi is None else round(hi, 1),
            "jobs_per_tech_per_week": None if jpt is None else round(jpt, 2),
            "weeks": weeks,
            "required_technicians": None,
            "expected_headcount": expected,
            "gap": None,
            "gap_low": None,
            "gap_high": None,
            "run_id": str(run.id),
            "trade_share": round(trade_share.get(d.code, 0.0), 3) if trade else None,
            "note": ""
            if not trade
            else f"{trade} share of demand = its share of the district's current technicians "
            f"({trade_share.get(d.code, 0.0):.0%})",
        }
        if y is not None and jpt:
            capacity = jpt * weeks
            req, req_lo, req_hi = y / capacity, lo / capacity, hi / capacity
            row["required_technicians"] = round(req, 1)
            row["gap"] = round(req - expected, 1)
            row["gap_low"] = round(req_lo - expected, 1)
            row["gap_high"] = round(req_hi - expected, 1)
            row["hires_needed"] = max(0, math.ceil(req - expected - 1e-9))
        else:
            row["hires_needed"] = None
            row["note"] = row["note"] or (
                "no demand forecast for this district" if y is None else "no snapshots to measure jobs per technician"
            )
        plan.append(row)
    return plan


HIRING_PLAN_COLUMNS = [
    "district", "district_name", "region", "current_headcount", "expected_departures", "departures_source",
    "accepted_offers", "forecast_demand", "forecast_demand_low", "forecast_demand_high", "jobs_per_tech_per_week",
    "required_technicians", "expected_headcount", "gap", "gap_low", "gap_high", "hires_needed", "note",
]  # fmt: skip


def forecasts_in_preparation() -> dict:
    """For the "still being prepared" notes: is any forecast published yet, and the run in progress."""
    return {"has_forecast": forecast_run_has_completed(), "running": forecast_run_active()}
