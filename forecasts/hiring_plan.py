"""The hiring plan: per district × trade, how many technicians the forecast demand needs, how many we
expect to have, the gap, and when to open requisitions. Reads only (selectors of this and other apps).

Per district × trade over the next N weeks (the published weekly demand forecast's first N weeks):

* **demand** = the district's reconciled demand forecast × the trade's share of the district's demand
  (``trade_shares``: from per-trade demand history, its recent drift extrapolated; districts without
  per-trade demand fall back to the trade's share of current technicians, and the row says so);
* **capacity** = jobs one technician completes per week (last 3 monthly snapshots) × (1 + capacity change);
* **required** = average weekly demand ÷ capacity;
* **expected exits** = Σ over the cell's technicians of the retention model's P(leave within
  RETENTION_HORIZON_DAYS), rescaled to N weeks (historical 12-week rate where no model is scored);
  a retention-program scenario subtracts the departures the program avoids in its cohort
  (``predictions.services.program_roi``);
* **expected headcount** = current − expected exits + accepted offers starting within N weeks
  + open pipeline × P(accept) × P(still employed at 90 days) (quality-of-hire scores; the company's
  observed 90-day survival where a candidate is unscored), counting a pipeline candidate only if the
  cell's time-to-fill lands inside the window;
* **gap** = required − expected headcount: **hires needed** = ⌈gap⌉ where positive, **surplus** = −gap
  where negative. Roll-ups add hires needed and surplus separately: a surplus in one place never
  cancels a shortage in another (people are not interchangeable across districts and trades);
* **open requisition by** = the first week in which required > expected headcount, minus the observed
  time-to-fill (application → start, median per district × trade, falling back to the trade, then the
  company) and the ramp-up period (``FORECAST_RAMP_UP_WEEKS``).

Scenario inputs (``Scenario``) recompute all of this from the same published forecast, no new run.
"""

from __future__ import annotations

import math
import statistics
from dataclasses import dataclass
from datetime import date, timedelta

from django.conf import settings
from django.db.models import Avg, Count, Q

from forecasts.errors import ForecastInputError
from forecasts.models import ForecastPoint, SeriesStatus

PIPELINE_STAGES = ("applied", "screening", "interview", "offer")
MAX_PCT = 100  # scenario percentages are limited to −MAX_PCT..+MAX_PCT (−100 % capacity is refused)


@dataclass(frozen=True)
class Scenario:
    demand_pct: float = 0.0  # demand forecast +/- percent
    capacity_pct: float = 0.0  # jobs per technician per week +/- percent
    program_id: int | None = None  # a RetentionProgram applied to the cohort below
    program_district: str | None = None
    program_trade: str | None = None

    @property
    def is_baseline(self) -> bool:
        return not (self.demand_pct or self.capacity_pct or self.program_id)


def validate_scenario(sc: Scenario) -> None:
    if not -MAX_PCT <= sc.demand_pct <= MAX_PCT:
        raise ForecastInputError(f"demand change must be between -{MAX_PCT}% and +{MAX_PCT}% (got {sc.demand_pct}%)")
    if not -90 <= sc.capacity_pct <= MAX_PCT:
        raise ForecastInputError(f"capacity change must be between -90% and +{MAX_PCT}% (got {sc.capacity_pct}%)")


# --------------------------------------------------------------------------- inputs


def jobs_per_tech_per_week(*, district_codes: list[str], as_of: date) -> dict[str, float | None]:
    """Average jobs one technician completed per week over the last 3 *complete* monthly snapshots.

    The snapshot of the month ``as_of`` falls in is month-to-date (on the 1st it holds one day's jobs):
    counting it read productivity a quarter low at the start of every month and inflated the technicians
    required by a third."""
    from technicians.models import TechnicianSnapshot

    this_month = as_of.replace(day=1)
    since = (this_month - timedelta(days=85)).replace(day=1)  # the three months before this one
    qs = TechnicianSnapshot.objects.filter(month__gte=since, month__lt=this_month)
    per = {
        row["technician__district__code"]: row["avg"]
        for row in qs.values("technician__district__code").annotate(avg=Avg("jobs_completed"))
    }
    overall = qs.aggregate(avg=Avg("jobs_completed"))["avg"]
    weekly = 12 / 52  # a monthly snapshot → per week
    return {c: (per.get(c) or overall) * weekly if (per.get(c) or overall) else None for c in district_codes}


def time_to_fill_weeks(*, as_of: date, lookback_days: int = 730) -> dict:
    """Median weeks from application to start of hired candidates, keyed (district, trade), (None, trade)
    and (None, None); candidates hired within ``lookback_days`` of ``as_of``."""
    from technicians.models import Candidate

    rows = Candidate.objects.filter(
        hired_technician__isnull=False, hired_technician__hire_date__gte=as_of - timedelta(days=lookback_days)
    ).values_list("district__code", "trade", "applied_date", "hired_technician__hire_date")
    cells: dict = {}
    for code, trade, applied, started in rows:
        if applied is None or started is None or started < applied:
            continue
        weeks = (started - applied).days / 7
        for key in ((code, trade), (None, trade), (None, None)):
            cells.setdefault(key, []).append(weeks)
    return {k: statistics.median(v) for k, v in cells.items()}


def ttf_for(ttf: dict, district: str, trade: str, *, min_hires: int = 1) -> tuple[float, str]:
    for key, label in (((district, trade), "district × trade"), ((None, trade), "trade"), ((None, None), "company")):
        if key in ttf:
            return float(ttf[key]), label
    return float(settings.FORECAST_DEFAULT_TIME_TO_FILL_WEEKS), "default"


def trade_shares(*, codes: list[str], trades: list[str], as_of: date, weeks: int) -> dict:
    """{(district, trade): (share, source)} — the trade's share of the district's demand over the plan.

    From per-trade demand (``DemandTradeWeek``) over the last 26 weeks: the share's linear drift is
    extrapolated to the middle of the plan window (clipped to [0, 1], renormalised). Without per-trade
    demand: the trade's share of the district's current technicians.
    """
    import numpy as np

    from technicians.models import DemandTradeWeek, Technician

    out: dict = {}
    since = as_of - timedelta(weeks=26)
    rows = DemandTradeWeek.objects.filter(district__code__in=codes, week_start__gt=since, week_start__lte=as_of)
    by: dict = {}
    for code, trade, ws, jobs in rows.values_list("district__code", "trade", "week_start", "jobs_requested"):
        by.setdefault(code, {}).setdefault(ws, {})[trade] = jobs
    for code, weeks_map in by.items():
        ordered = sorted(weeks_map)
        if len(ordered) < 4:
            continue
        t = np.array([(w - ordered[-1]).days / 7 for w in ordered])
        totals = np.array([sum(weeks_map[w].values()) for w in ordered], dtype=float)
        target = (weeks + 1) / 2  # middle of the plan window, in weeks after the last observed week
        raw = {}
        for trade in {tr for w in ordered for tr in weeks_map[w]}:
            share = np.array([weeks_map[w].get(trade, 0) for w in ordered]) / np.where(totals > 0, totals, 1)
            slope, intercept = np.polyfit(t, share, 1)
            raw[trade] = float(np.clip(intercept + slope * target, 0, 1))
        norm = sum(raw.values()) or 1.0
        for trade in raw:
            out[(code, trade)] = (raw[trade] / norm, "per-trade demand (recent drift extrapolated)")
    from technicians.models import Trade

    active = Technician.objects.active(as_of)
    counts = {
        (r["district__code"], r["trade"]): r["n"]
        for r in active.values("district__code", "trade").annotate(n=Count("id"))
    }
    company: dict = {}
    for (_, trade), n in counts.items():
        company[trade] = company.get(trade, 0) + n
    company_total = sum(company.values())
    for code in codes:
        total = sum(n for (c, _), n in counts.items() if c == code)
        for trade in trades:
            if (code, trade) in out or code in by:
                out.setdefault((code, trade), (0.0, "per-trade demand (recent drift extrapolated)"))
            elif total:
                out[(code, trade)] = (counts.get((code, trade), 0) / total, "share of technicians")
            elif company_total:
                out[(code, trade)] = (company.get(trade, 0) / company_total, "company share of technicians")
            else:
                out[(code, trade)] = (1 / len(Trade.values), "equal split (no technicians yet)")
    return out


def _exits(*, as_of: date, weeks: int, codes: list[str]) -> tuple[dict, str]:
    """Expected exits per (district, trade) over ``weeks``: retention model, else the historical rate."""
    from technicians.models import Technician

    model = None
    try:
        from predictions.selectors import expected_departures_by_district_trade

        model = expected_departures_by_district_trade(as_of=as_of) or None
    except (ImportError, AttributeError):
        model = None
    except Exception:  # noqa: BLE001 - a broken model must not break the plan; fall back to history
        model = None
    if model:
        factor = weeks * 7 / settings.RETENTION_HORIZON_DAYS  # constant-hazard rescaling to the window
        return {k: v * factor for k, v in model.items() if k[0] in codes}, "retention model"
    since = as_of - timedelta(weeks=12)
    rows = Technician.objects.filter(
        termination_date__gt=since, termination_date__lte=as_of, district__code__in=codes
    ).values_list("district__code", "trade")
    out: dict = {}
    for key in rows:
        out[key] = out.get(key, 0.0) + weeks / 12
    return out, "historical rate"


def _stay_probabilities() -> dict:
    """{candidate pk: P(still employed at 90 days)} from the quality-of-hire model's current scores."""
    try:
        from predictions.selectors import candidate_stay_probabilities

        return candidate_stay_probabilities() or {}
    except Exception:  # noqa: BLE001 - no model → company 90-day survival is used
        return {}


def _accept_rates() -> dict:
    """P(offer accepted | stage) from closed candidates: hired/accepted ÷ everyone who reached a final stage
    (offers: those who had an offer date)."""
    from technicians.models import Candidate

    closed = Candidate.objects.filter(stage__in=("hired", "accepted", "rejected", "withdrawn"))
    won = Q(stage__in=("hired", "accepted"))
    all_n = closed.count()
    all_won = closed.filter(won).count()
    offered = closed.filter(offer_date__isnull=False)
    off_n, off_won = offered.count(), offered.filter(won).count()
    base = all_won / all_n if all_n else 0.3
    return {
        "applied": base,
        "screening": base,
        "interview": base,
        "offer": off_won / off_n if off_n else max(base, 0.7),
    }


def _survival_90d(as_of: date) -> float:
    """Share of technicians hired 90–730 days ago still employed 90 days after their start."""
    from technicians.models import Technician

    hired = Technician.objects.filter(
        hire_date__lte=as_of - timedelta(days=90), hire_date__gte=as_of - timedelta(days=730)
    )
    n = hired.count()
    if not n:
        return 0.85
    left = 0
    for h, t in hired.filter(termination_date__isnull=False).values_list("hire_date", "termination_date"):
        left += (t - h).days < 90
    return 1 - left / n


# --------------------------------------------------------------------------- the plan


def build_plan(
    *,
    run,
    districts: list,
    trades: list[str],
    weeks: int,
    as_of: date,
    scenario: Scenario,
) -> tuple[list[dict], dict]:
    """Rows per district × trade, and the roll-up (no netting). ``run`` = the published demand run."""
    from technicians.models import Candidate, Technician

    codes = [d.code for d in districts]
    demand: dict[str, list[tuple[float, float, float, date]]] = {}
    pts = ForecastPoint.objects.filter(
        series__run=run, series__metric="demand", series__level="district", series__key__in=codes,
        series__status=SeriesStatus.DONE,
    ).order_by("series__key", "ds")  # fmt: skip
    for p in pts.values("series__key", "yhat", "yhat_lower", "yhat_upper", "ds"):
        lst = demand.setdefault(p["series__key"], [])
        if len(lst) < weeks:
            lst.append((p["yhat"], p["yhat_lower"], p["yhat_upper"], p["ds"]))
    shares = trade_shares(codes=codes, trades=trades, as_of=as_of, weeks=weeks)
    productivity = jobs_per_tech_per_week(district_codes=codes, as_of=as_of)
    exits, exits_source = _exits(as_of=as_of, weeks=weeks, codes=codes)
    avoided = _program_effect(scenario, exits=exits, weeks=weeks)
    active = Technician.objects.active(as_of).filter(district__code__in=codes, trade__in=trades)
    headcount = {
        (r["district__code"], r["trade"]): r["n"]
        for r in active.values("district__code", "trade").annotate(n=Count("id"))
    }
    end = as_of + timedelta(weeks=weeks)
    offers: dict = {}
    offer_rows = Candidate.objects.filter(stage="accepted", district__code__in=codes, trade__in=trades).filter(
        Q(expected_start_date__isnull=True) | Q(expected_start_date__lte=end)
    )
    for code, trade, start in offer_rows.values_list("district__code", "trade", "expected_start_date"):
        offers.setdefault((code, trade), []).append(start or as_of)
    ttf = time_to_fill_weeks(as_of=as_of)
    ramp = settings.FORECAST_RAMP_UP_WEEKS
    accept = _accept_rates()
    stay = _stay_probabilities()
    survival = _survival_90d(as_of)
    pipeline: dict = {}
    for pk, code, trade, stage, applied in Candidate.objects.filter(
        stage__in=PIPELINE_STAGES, district__code__in=codes, trade__in=trades
    ).values_list("pk", "district__code", "trade", "stage", "applied_date"):
        pipeline.setdefault((code, trade), []).append((accept.get(stage, 0.0) * stay.get(pk, survival), applied))
    demand_factor = 1 + scenario.demand_pct / 100
    capacity_factor = 1 + scenario.capacity_pct / 100

    rows = []
    for d in districts:
        fc = demand.get(d.code)
        jpt = productivity.get(d.code)
        for trade in trades:
            key = (d.code, trade)
            share, share_source = shares.get(key, (0.0, "share of technicians"))
            current = int(headcount.get(key, 0))
            leaving = max(0.0, exits.get(key, 0.0) - avoided.get(key, 0.0))
            ttf_weeks, ttf_source = ttf_for(ttf, d.code, trade)
            accepted_starts = offers.get(key, [])
            pipe = pipeline.get(key, [])
            # pipeline candidates start time-to-fill after they applied (at the earliest: now)
            pipe_starts = [(p, max(as_of, applied + timedelta(weeks=ttf_weeks))) for p, applied in pipe]
            pipe_expected = sum(p for p, start in pipe_starts if start <= end)
            expected = current - leaving + len(accepted_starts) + pipe_expected
            row = {
                "district": d.code, "district_name": d.name, "region": d.region.code, "trade": trade,
                "current_headcount": current, "expected_exits": round(leaving, 2), "exits_source": exits_source,
                "exits_avoided": round(avoided.get(key, 0.0), 2),
                "accepted_offers": len(accepted_starts), "pipeline": len(pipe), "pipeline_expected": round(pipe_expected, 2),
                "trade_share": round(share, 3), "trade_share_source": share_source,
                "jobs_per_tech_per_week": None, "forecast_demand": None, "forecast_demand_low": None,
                "forecast_demand_high": None, "required_technicians": None,
                "expected_headcount": round(expected, 2), "gap": None, "gap_low": None, "gap_high": None,
                "hires_needed": None, "surplus": None, "time_to_fill_weeks": round(ttf_weeks, 1),
                "time_to_fill_source": ttf_source, "open_requisition_by": None, "weeks": weeks, "run_id": str(run.id),
                "note": "",
            }  # fmt: skip
            if not fc:
                row["note"] = "no demand forecast for this district"
                rows.append(row)
                continue
            y = [v[0] * share * demand_factor for v in fc]
            lo = sum(v[1] for v in fc) * share * demand_factor
            hi = sum(v[2] for v in fc) * share * demand_factor
            row.update(
                forecast_demand=round(sum(y), 1), forecast_demand_low=round(lo, 1), forecast_demand_high=round(hi, 1)
            )
            if not jpt:
                row["note"] = "no snapshots to measure jobs per technician"
            else:
                cap = jpt * capacity_factor
                n = len(fc)
                required = sum(y) / n / cap
                gap = required - expected
                row.update(
                    jobs_per_tech_per_week=round(cap, 2), required_technicians=round(required, 2), gap=round(gap, 2),
                    gap_low=round(lo / n / cap - expected, 2), gap_high=round(hi / n / cap - expected, 2),
                    hires_needed=max(0, math.ceil(gap - 1e-9)), surplus=round(max(0.0, -gap), 2),
                )  # fmt: skip
                row["open_requisition_by"] = _open_by(
                    y=y, ds=[v[3] for v in fc], cap=cap, current=current, leaving=leaving, weeks=n,
                    offers=accepted_starts, pipe=pipe_starts, lead=ttf_weeks + ramp, as_of=as_of,
                )  # fmt: skip
            rows.append(row)
    return rows, rollup(rows)


def _open_by(*, y, ds, cap, current, leaving, weeks, offers, pipe, lead, as_of) -> str | None:
    """ISO date to open the requisition: first short week − (time-to-fill + ramp-up); None if never short."""
    for i, (jobs, week) in enumerate(zip(y, ds, strict=True)):
        week_end = week + timedelta(days=6)
        expected = (
            current
            - leaving * (i + 1) / weeks
            + sum(1 for s in offers if s <= week_end)
            + sum(p for p, s in pipe if s <= week_end)
        )
        if jobs / cap > expected + 1e-9:
            return max(as_of, week - timedelta(weeks=math.ceil(lead))).isoformat()
    return None


def rollup(rows: list[dict]) -> dict:
    """Totals that never net a surplus against a shortage: hires needed and surplus are summed apart."""
    planned = [r for r in rows if r["gap"] is not None]
    return {
        "current_headcount": sum(r["current_headcount"] for r in rows),
        "expected_exits": round(sum(r["expected_exits"] for r in rows), 1),
        "accepted_offers": sum(r["accepted_offers"] for r in rows),
        "pipeline_expected": round(sum(r["pipeline_expected"] for r in rows), 1),
        "required_technicians": round(sum(r["required_technicians"] for r in planned), 1),
        "expected_headcount": round(sum(r["expected_headcount"] for r in rows), 1),
        "hires_needed": sum(r["hires_needed"] for r in planned),
        "surplus": round(sum(r["surplus"] for r in planned), 1),
        "cells_short": sum(1 for r in planned if r["hires_needed"] > 0),
        "cells_without_plan": len(rows) - len(planned),
    }


def _program_effect(sc: Scenario, *, exits: dict, weeks: int) -> dict:
    """Departures a retention program avoids over the window, per (district, trade) of its cohort,
    split in proportion to the cells' expected exits."""
    if not sc.program_id:
        return {}
    from predictions.services import program_roi

    roi = program_roi(  # totals only: no bootstrap range
        user=None, program_id=sc.program_id, district=sc.program_district, trade=sc.program_trade, samples=0
    )
    avoided = float(roi.get("departures_avoided") or 0.0)
    avoided *= weeks * 7 / settings.RETENTION_HORIZON_DAYS
    cohort = {
        k: v for k, v in exits.items()
        if (not sc.program_district or k[0] == sc.program_district) and (not sc.program_trade or k[1] == sc.program_trade)
    }  # fmt: skip
    total = sum(cohort.values())
    return {k: avoided * v / total for k, v in cohort.items()} if total else {}
