"""Reads for people analytics: overview tiles, monthly trends, survival curves, segment comparison, risk history,
period-filtered counts. Pages, API and assistant tools all call these functions.

Everything is aggregated (counts, rates, means), so no pay/performance value leaves here except through
the segment comparison, which folds restricted model terms via technicians.visibility.
"""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np
from django.db import connection

from analytics import survival
from analytics.population import (
    SPLITS,
    AnalyticsInputError,
    Filters,
    add_months,
    days,
    month_range,
    monthly,
    population,
    trailing_rate,
)
from analytics.segments import Segment, compare
from core.presentation import signed
from technicians.models import OPEN_STAGES, Candidate, District, Region, Trade

__all__ = [
    "AnalyticsInputError", "Filters", "Segment", "SPLITS", "SURVIVAL_GROUPS", "overview", "trends",
    "segment_compare", "survival_curves", "risk_history", "departures_count", "hires_count", "high_risk_count",
    "scoring_dates", "split_label",
]  # fmt: skip

SURVIVAL_GROUPS = ("cohort", "region", "district", "trade", "source", "schedule")
MAX_GROUPS = 20


def _today() -> date:
    return date.today()


def split_labels(split: str | None) -> dict[str, str]:
    """Display names of a split's keys (one query, not one per group)."""
    from technicians.models import CandidateSource, ScheduleType

    if split == "district":
        return dict(District.objects.values_list("code", "name"))
    if split == "region":
        return dict(Region.objects.values_list("code", "name"))
    return {"trade": dict(Trade.choices), "source": dict(CandidateSource.choices),
            "schedule": dict(ScheduleType.choices)}.get(split or "", {})  # fmt: skip


def split_label(split: str | None, key: str) -> str:
    return split_labels(split).get(key, str(key))


# --------------------------------------------------------------------------- risk scorings


def _retention_model():
    from predictions.selectors import active_model

    return active_model(model_type="retention")


def scoring_dates(*, model) -> list[date]:
    """Every as-of date the model scored technicians on, oldest first (a loose index scan, not a table scan)."""
    sql = """
        WITH RECURSIVE s(d) AS (
            SELECT min(as_of) FROM predictions_prediction WHERE model_id = %(m)s AND technician_id IS NOT NULL
            UNION ALL
            SELECT (SELECT min(as_of) FROM predictions_prediction
                    WHERE model_id = %(m)s AND technician_id IS NOT NULL AND as_of > s.d)
            FROM s WHERE s.d IS NOT NULL
        ) SELECT d FROM s WHERE d IS NOT NULL"""
    with connection.cursor() as cur:
        cur.execute(sql, {"m": model.pk})
        return [r[0] for r in cur.fetchall()]


def high_risk_count(*, filters: Filters, model=None, as_of: date | None = None) -> int | None:
    model = model or _retention_model()
    if model is None:
        return None
    if as_of is None:
        dates = scoring_dates(model=model)
        if not dates:
            return None
        as_of = dates[-1]
    return _band_counts(model, [as_of], filters)[as_of]


def _band_counts(model, dates: list[date], filters: Filters, band: str = "high") -> dict[date, int]:
    where, params = filters.where()
    # the whole company needs no join; a place or trade joins only as far as it needs
    joins = f"JOIN technicians_technician t ON t.id = p.technician_id{filters.joins()} " if params else ""
    sql = (
        f"SELECT p.as_of, count(*) FROM predictions_prediction p {joins}"  # noqa: S608
        f"WHERE p.model_id = %s AND p.as_of = ANY(%s) AND p.technician_id IS NOT NULL AND p.band = %s AND {where} "
        "GROUP BY p.as_of"
    )
    with connection.cursor() as cur:
        cur.execute(sql, [model.pk, list(dates), band, *params])
        got = dict(cur.fetchall())
    return {d: int(got.get(d, 0)) for d in dates}


def risk_history(*, user, employee_id: str) -> list[dict]:
    """Score and band at each scoring of this technician, every retention model, oldest first."""
    from predictions.models import ModelType, TrainedModel
    from technicians.selectors import technician_get_for_user

    tech = technician_get_for_user(user=user, employee_id=employee_id)  # Http404 for unknown ids
    models = list(TrainedModel.objects.filter(model_type=ModelType.RETENTION, artifact_sha256__gt=""))
    pairs = [(m, d) for m in models for d in scoring_dates(model=m)]
    if not pairs:
        return []
    version = {m.pk: m.version for m in models}
    sql = """
        SELECT p.as_of, p.score, p.band, p.model_id FROM predictions_prediction p
        JOIN unnest(%s::uuid[], %s::date[]) AS k(model_id, as_of) ON p.model_id = k.model_id AND p.as_of = k.as_of
        WHERE p.technician_id = %s ORDER BY p.as_of, p.created_at"""
    with connection.cursor() as cur:
        cur.execute(sql, [[m.pk for m, _ in pairs], [d for _, d in pairs], tech.pk])
        rows = cur.fetchall()
    return [{"as_of": d, "score": float(s), "band": b, "model_version": version.get(mid)} for d, s, b, mid in rows]


# --------------------------------------------------------------------------- overview


def overview(*, filters: Filters, as_of: date | None = None) -> dict:
    """The home page tiles, each with a 12-point sparkline, for the region/district/trade filter."""
    filters = filters.validate()
    as_of = as_of or _today()
    months = month_range(end=as_of, months=24)
    pop = population(filters=filters)
    series = monthly(pop, months=months)["total"]
    last12 = slice(12, 24)
    headcount_now = int(np.sum((pop.hire <= days(as_of)) & (pop.term > days(as_of))))
    vol_t12 = trailing_rate(series, "voluntary")
    inv_t12 = trailing_rate(series, "involuntary")
    tiles = [
        _tile("headcount", "Headcount", headcount_now, series["headcount"][last12], "technicians active today",
              "/analytics/trends/?metric=headcount", fmt="int",
              change=headcount_now - series["headcount"][11], change_label="vs 12 months ago"),
        _tile("voluntary_turnover", "Voluntary turnover (T12M)", vol_t12[-1], vol_t12[last12],
              "voluntary departures in the last 12 months ÷ average headcount", "/analytics/trends/?metric=voluntary_rate",
              fmt="pct", change=_diff(vol_t12[-1], vol_t12[-2]), change_label="vs previous month"),
        _tile("involuntary_turnover", "Involuntary turnover (T12M)", inv_t12[-1], inv_t12[last12],
              "involuntary departures in the last 12 months ÷ average headcount",
              "/analytics/trends/?metric=involuntary_rate", fmt="pct",
              change=_diff(inv_t12[-1], inv_t12[-2]), change_label="vs previous month"),
        _tile("hires", "Hires (last 12 months)", int(sum(series["hires"][last12])), series["hires"][last12],
              "technicians hired in the last 12 complete months", "/analytics/trends/?metric=hires", fmt="int",
              change=int(sum(series["hires"][last12]) - sum(series["hires"][:12])), change_label="vs the 12 months before"),
    ]  # fmt: skip
    tiles.append(_candidates_tile(filters, months[12:], as_of))
    tiles.append(_risk_tile(filters))
    tiles.append(_hires_needed_tile(filters))
    return {
        "as_of": as_of,
        "months": [m.isoformat()[:7] for m in months[12:]],
        "filters": filters.as_dict(),
        "tiles": tiles,
    }


def _diff(a, b):
    return None if a is None or b is None else round(a - b, 2)


def _tile(key, title, value, spark, help_text, href, *, fmt, change=None, change_label="", note="") -> dict:
    return {"key": key, "title": title, "value": value, "sparkline": list(spark), "help": help_text, "href": href,
            "format": fmt, "change": change, "change_label": change_label, "note": note}  # fmt: skip


def _candidate_qs(filters: Filters):
    qs = Candidate.objects.all()
    if filters.region:
        qs = qs.filter(district__region__code=filters.region)
    if filters.district:
        qs = qs.filter(district__code=filters.district)
    if filters.trade:
        qs = qs.filter(trade=filters.trade)
    return qs


def _candidates_tile(filters: Filters, months: list[date], as_of: date) -> dict:
    qs = _candidate_qs(filters)
    open_now = qs.filter(stage__in=OPEN_STAGES).count()
    start, end = months[0], add_months(months[-1], 1)
    per_month = dict.fromkeys([m.isoformat()[:7] for m in months], 0)
    for d in qs.filter(applied_date__gte=start, applied_date__lt=end).values_list("applied_date", flat=True):
        per_month[d.isoformat()[:7]] = per_month.get(d.isoformat()[:7], 0) + 1
    return _tile("open_candidates", "Open candidates", open_now, list(per_month.values()),
                 "candidates in applied → offer accepted; sparkline: applications per month",
                 "/predictions/candidates/", fmt="int")  # fmt: skip


def _risk_tile(filters: Filters) -> dict:
    model = _retention_model()
    if model is None:
        return _tile("high_risk", "High risk", None, [], "no active retention model yet", "/predictions/models/",
                     fmt="int", note="Train a retention model to see risk.")  # fmt: skip
    dates = scoring_dates(model=model)[-12:]
    counts = _band_counts(model, dates, filters) if dates else {}
    values = [counts[d] for d in dates]
    change = values[-1] - values[-2] if len(values) >= 2 else None
    q = "&".join(f"{k}={v}" for k, v in filters.as_dict().items() if k in ("region", "district", "trade"))
    return _tile("high_risk", "High risk", values[-1] if values else None, values,
                 f"technicians in the high band at the latest scoring ({dates[-1] if dates else 'none yet'})",
                 "/predictions/?band=high" + (f"&{q}" if q else ""), fmt="int", change=change,
                 change_label=f"since the scoring of {dates[-2]}" if len(dates) >= 2 else "")  # fmt: skip


def _hires_needed_tile(filters: Filters) -> dict:
    from forecasts.selectors import hiring_plan

    try:
        rows = hiring_plan(weeks=12, region=filters.region, district=filters.district, trade=filters.trade)
    except Exception as exc:  # noqa: BLE001 - no forecast yet / input the plan rejects: the tile says why
        return _tile("hires_needed", "Hires needed (12 weeks)", None, [], str(exc), "/forecasts/hiring-plan/",
                     fmt="int", note=str(exc))  # fmt: skip
    need = sum(float(r.get("hires_needed") or 0) for r in rows)
    gaps = [float(r.get("gap") or 0) for r in rows]
    return _tile("hires_needed", "Hires needed (12 weeks)", round(need), [],
                 "from the published hiring plan: required − expected headcount, summed over districts with a gap",
                 "/forecasts/hiring-plan/", fmt="int", note=f"net gap {signed(sum(gaps), 0)}")  # fmt: skip


# --------------------------------------------------------------------------- trends

TREND_METRICS = ("voluntary_rate", "involuntary_rate", "first_year_rate", "headcount", "hires", "voluntary",
                 "involuntary", "first_year")  # fmt: skip


def trends(*, filters: Filters, split: str | None = None, months: int = 24, as_of: date | None = None) -> dict:
    """Monthly turnover rates (voluntary, involuntary, first-year), hires and headcount, by one split, with the
    company line (the same filters without the split) for reference."""
    filters = filters.validate()
    if not 3 <= int(months) <= 120:
        raise AnalyticsInputError(f"months must be between 3 and 120 (got {months})")
    month_list = month_range(end=as_of or _today(), months=int(months))
    by = monthly(population(filters=filters, split=split), months=month_list, split=split)
    company = (
        by["total"] if not filters.as_dict() else monthly(population(filters=Filters()), months=month_list)["total"]
    )
    groups = sorted(by["groups"].items(), key=lambda kv: -kv[1]["headcount"][-1])
    names = split_labels(split)
    return {
        "months": by["months"],
        "split": split,
        "filters": filters.as_dict(),
        "total": by["total"],
        "company": company,
        "groups": [{"key": k, "label": names.get(k, k), **v} for k, v in groups[:MAX_GROUPS]],
        "definitions": {
            "voluntary_rate": "voluntary departures in the month ÷ average of start and end headcount, percent",
            "first_year_rate": "departures within 365 days of hire ÷ average first-year headcount, percent",
            "headcount": "technicians active on the last day of the month",
        },
    }


# --------------------------------------------------------------------------- survival


def survival_curves(
    *, filters: Filters, by: str = "trade", event: str = "voluntary", group_a: str | None = None,
    group_b: str | None = None, as_of: date | None = None, max_months: int = 60,
) -> dict:  # fmt: skip
    """Kaplan–Meier retention by group (hire cohort year, region, district, trade, hire source or schedule),
    median time to leave, 12-month retention, and a log-rank test between two groups."""
    filters = filters.validate()
    if by not in SURVIVAL_GROUPS:
        raise AnalyticsInputError(f"unknown grouping {by!r}; valid: {', '.join(SURVIVAL_GROUPS)}")
    if event not in ("voluntary", "any"):
        raise AnalyticsInputError("event must be 'voluntary' or 'any'")
    as_of = as_of or _today()
    pop = population(filters=filters, split=None if by == "cohort" else by)
    today = days(as_of)
    hired = pop.hire <= today
    left = (pop.term <= today) & hired
    happened = left & (pop.voluntary if event == "voluntary" else True)
    durations = (np.minimum(pop.term, today) - pop.hire)[hired].astype(float)
    events = happened[hired]
    if by == "cohort":
        keys = (np.datetime64("1970-01-01") + pop.hire[hired].astype("timedelta64[D]")).astype("datetime64[Y]")
        keys = keys.astype(int) + 1970
        keys = np.asarray([str(k) for k in keys], dtype=object)
    else:
        keys = pop.key[hired].astype(str)
    grid = np.round(np.arange(0, max_months + 1) * 30.4375, 2)
    uniq, counts = np.unique(keys, return_counts=True) if len(keys) else (np.asarray([]), np.asarray([]))
    order = sorted(zip(uniq.tolist(), counts.tolist(), strict=True), key=lambda kv: (-kv[1], kv[0]))[:MAX_GROUPS]
    if by == "cohort":
        order.sort(key=lambda kv: kv[0])
    groups = []
    names = split_labels(by)
    for key, _ in order:
        m = keys == key
        km = survival.kaplan_meier(durations[m], events[m], grid=grid)
        groups.append({"key": key, "label": names.get(key, key), **km})
    overall = survival.kaplan_meier(durations, events, grid=grid)
    test = None
    known = [g["key"] for g in groups]
    if group_a or group_b:
        for g in (group_a, group_b):
            if g not in known:
                raise AnalyticsInputError(f"unknown group {g!r} for {by}; groups: {', '.join(known)}")
    elif len(known) >= 2:
        group_a, group_b = known[0], known[1]
    if group_a and group_b:
        ma, mb = keys == group_a, keys == group_b
        test = {"a": group_a, "b": group_b,
                **survival.logrank(durations[ma], events[ma], durations[mb], events[mb])}  # fmt: skip
    return {
        "by": by,
        "event": event,
        "as_of": as_of,
        "filters": filters.as_dict(),
        "months": list(range(0, max_months + 1)),
        "overall": overall,
        "groups": groups,
        "logrank": test,
        "method": "Kaplan–Meier (SciPy), 95% log-log confidence band; still-employed technicians are censored today",
    }


# --------------------------------------------------------------------------- comparison and counts


def segment_compare(*, user, a: Segment, b: Segment) -> dict:
    return compare(user=user, a=a, b=b)


def _period(year: int | None, start: date | None, end: date | None) -> tuple[date, date]:
    if year is not None:
        if not 1950 <= int(year) <= 2100:
            raise AnalyticsInputError(f"year out of range: {year}")
        return date(int(year), 1, 1), date(int(year), 12, 31)
    start = start or date(1900, 1, 1)
    end = end or _today()
    if end < start:
        raise AnalyticsInputError("the period ends before it starts")
    return start, end


def departures_count(
    *, filters: Filters, year: int | None = None, start: date | None = None, end: date | None = None,
    kind: str = "any", first_year: bool = False,
) -> dict:  # fmt: skip
    """Technicians who left in a period (inclusive dates), by kind, optionally only those within a year of hire."""
    filters = filters.validate()
    if kind not in ("any", "voluntary", "involuntary"):
        raise AnalyticsInputError("kind must be any, voluntary or involuntary")
    s, e = _period(year, start, end)
    pop = population(filters=filters)
    m = (pop.term >= days(s)) & (pop.term <= days(e))
    if kind == "voluntary":
        m &= pop.voluntary
    elif kind == "involuntary":
        m &= pop.involuntary
    if first_year:
        m &= pop.term - pop.hire < 365
    return {"start": s, "end": e, "kind": kind, "first_year_only": first_year, "count": int(m.sum()),
            "filters": filters.as_dict()}  # fmt: skip


def hires_count(
    *, filters: Filters, year: int | None = None, start: date | None = None, end: date | None = None
) -> dict:
    filters = filters.validate()
    s, e = _period(year, start, end)
    pop = population(filters=filters)
    n = int(((pop.hire >= days(s)) & (pop.hire <= days(e))).sum())
    still = int(((pop.hire >= days(s)) & (pop.hire <= days(e)) & (pop.term > days(_today()))).sum())
    return {"start": s, "end": e, "count": n, "still_employed": still, "filters": filters.as_dict()}


def last_complete_month(as_of: date | None = None) -> date:
    d = (as_of or _today()).replace(day=1) - timedelta(days=1)
    return d.replace(day=1)


def risk_cohort(*, filters: Filters, band: str | None = None, hire_year: int | None = None) -> dict:
    """Scored technicians at the latest scoring matching the filters (and band / hire year): count per band,
    mean risk, and how many in the chosen band."""
    from predictions.selectors import NoModelError

    filters = filters.validate()
    if band and band not in ("low", "medium", "high"):
        raise AnalyticsInputError("band must be low, medium or high")
    model = _retention_model()
    dates = scoring_dates(model=model) if model else []
    if not dates:
        raise NoModelError()
    where, params = filters.where()
    if hire_year:
        where += " AND extract(year FROM t.hire_date) = %s"
        params.append(int(hire_year))
    sql = (
        "SELECT p.band, count(*), avg(p.score) FROM predictions_prediction p "  # noqa: S608
        f"JOIN technicians_technician t ON t.id = p.technician_id{filters.joins()} "
        f"WHERE p.model_id = %s AND p.as_of = %s AND p.technician_id IS NOT NULL AND {where} GROUP BY p.band"
    )
    with connection.cursor() as cur:
        cur.execute(sql, [model.pk, dates[-1], *params])
        rows = cur.fetchall()
    by_band = {b: 0 for b in ("high", "medium", "low")} | {b: int(n) for b, n, _ in rows}
    total = sum(by_band.values())
    mean = sum(float(a) * n for _, n, a in rows) / total if total else None
    return {"as_of": dates[-1], "model_version": model.version, "filters": filters.as_dict(), "band": band,
            "hire_year": hire_year, "count": by_band[band] if band else total, "scored": total,
            "by_band": by_band, "mean_risk": mean}  # fmt: skip


# --------------------------------------------------------------------------- hiring pipeline (analytics.pipeline)
from analytics.pipeline import PIPELINE_GROUPS, pipeline_yield  # noqa: E402, F401 - re-exported read interface
