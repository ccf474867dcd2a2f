"""People-analytics tools for the assistant (trend, segment comparison, survival, period counts, hires vs need,
risk cohorts). Registered in assistant.tools.TOOLS; used by the LLM agent and the offline planner alike.

Each tool calls analytics.selectors — the same functions as the pages and the API — as the asking user;
the runner redacts every result through technicians.visibility.
"""

from __future__ import annotations

from datetime import date
from typing import Literal

from pydantic import Field

from assistant.tool_schemas import Args, Band, LocationArgs, ToolInputError, Trade

Split = Literal["region", "district", "trade", "source", "schedule", "tenure_band"]


def location(args) -> dict:
    from assistant.tool_common import location as loc

    return loc(args)


def _filters(args):
    from analytics.population import Filters

    return Filters(**location(args))


def _r(x, nd=2):
    return None if x is None else round(float(x), nd)


def _guard(fn):
    from analytics.population import AnalyticsInputError

    def wrapper(*, user, args):
        try:
            return fn(user=user, args=args)
        except AnalyticsInputError as exc:
            raise ToolInputError(str(exc)) from None

    wrapper.__name__ = fn.__name__
    wrapper.__doc__ = fn.__doc__
    return wrapper


# --------------------------------------------------------------------------- argument models


class TrendArgs(LocationArgs):
    split: Split | None = Field(None, description="Optional split; the total line is always returned.")
    months: int = Field(12, ge=3, le=60, description="How many complete months to return.")


class SegmentArgs(Args):
    region: str | None = None
    district: str | None = None
    trade: Trade | None = None
    band: Band | None = None
    as_of: date | None = Field(None, description="Use the scoring on or before this date (e.g. last quarter).")


class CompareArgs(Args):
    a: SegmentArgs
    b: SegmentArgs


class SurvivalArgs(LocationArgs):
    by: Literal["cohort", "region", "district", "trade", "source", "schedule"] = "trade"
    event: Literal["voluntary", "any"] = "voluntary"
    group_a: str | None = Field(None, max_length=40, description="Group key for a log-rank test (optional).")
    group_b: str | None = Field(None, max_length=40)


class PeriodCountArgs(LocationArgs):
    what: Literal["departures", "hires"] = "departures"
    kind: Literal["any", "voluntary", "involuntary"] = "any"
    first_year: bool = Field(False, description="Only departures within 365 days of hire.")
    year: int | None = Field(None, ge=1950, le=2100)
    start: date | None = None
    end: date | None = None


class HiresVsNeedArgs(LocationArgs):
    weeks: int = Field(12, ge=1, le=52)


class CohortArgs(LocationArgs):
    band: Band | None = Field(None, description="Risk band of the cohort, e.g. 'high'.")
    hire_year: int | None = Field(None, ge=1950, le=2100)


# --------------------------------------------------------------------------- tools


@_guard
def turnover_trend(*, user, args: TrendArgs) -> dict:
    from analytics import selectors

    data = selectors.trends(filters=_filters(args), split=args.split, months=max(24, args.months))
    tot = data["total"]
    n = args.months

    def t12(series, name, end):
        num = sum(series[name][end - 12 : end] if end else series[name][-12:])
        hc = series["headcount"][end - 12 : end] if end else series["headcount"][-12:]
        avg = sum(hc) / len(hc) if hc else 0
        return round(num / avg * 100, 2) if avg else None

    return {
        "months": data["months"][-n:],
        "voluntary_rate_pct": tot["voluntary_rate"][-n:],
        "involuntary_rate_pct": tot["involuntary_rate"][-n:],
        "first_year_rate_pct": tot["first_year_rate"][-n:],
        "headcount": tot["headcount"][-n:],
        "hires": tot["hires"][-n:],
        "voluntary_departures": tot["voluntary"][-n:],
        "t12m": {
            "voluntary_rate_pct": t12(tot, "voluntary", 0),
            "voluntary_rate_pct_prior_12m": t12(tot, "voluntary", len(tot["voluntary"]) - 12),
            "involuntary_rate_pct": t12(tot, "involuntary", 0),
            "voluntary_departures": sum(tot["voluntary"][-12:]),
            "involuntary_departures": sum(tot["involuntary"][-12:]),
            "hires": sum(tot["hires"][-12:]),
        },
        "groups": [
            {
                "key": g["key"],
                "label": g["label"],
                "headcount": g["headcount"][-1],
                "t12m_voluntary_rate_pct": t12(g, "voluntary", 0),
            }
            for g in data["groups"]
        ],  # fmt: skip
        "filters": data["filters"],
        "definitions": data["definitions"],
    }


def _segment(s: SegmentArgs):
    from analytics.population import Filters
    from analytics.segments import Segment
    from assistant.tool_common import resolve_district, resolve_region

    return Segment(
        Filters(region=resolve_region(s.region), district=resolve_district(s.district), trade=s.trade),
        band=s.band,
        as_of=s.as_of,
    )


@_guard
def compare_segments(*, user, args: CompareArgs) -> dict:
    from analytics import selectors

    r = selectors.segment_compare(user=user, a=_segment(args.a), b=_segment(args.b))
    return {
        "summary": r["summary"],
        "model_version": r["model_version"],
        "a": {k: r["a"][k] for k in ("label", "as_of", "technicians", "mean_risk_percent", "observed")},
        "b": {k: r["b"][k] for k in ("label", "as_of", "technicians", "mean_risk_percent", "observed")},
        "difference_points": _r(r["difference"]["risk_points"]),
        "difference_log_odds": _r(r["difference"]["logit"], 4),
        "factors": [
            {
                "label": f["label"],
                "feature": f["feature"],
                "points": _r(f["points"]),
                "log_odds": _r(f["logit"], 4),
                "a_value": f["a_value"],
                "b_value": f["b_value"],
            }
            for f in r["factors"][:8]
        ],  # fmt: skip
        "method": "mean contribution in A − mean contribution in B per model term; sums exactly to the difference",
    }


@_guard
def survival_summary(*, user, args: SurvivalArgs) -> dict:
    from analytics import selectors

    d = selectors.survival_curves(
        filters=_filters(args), by=args.by, event=args.event, group_a=args.group_a, group_b=args.group_b
    )

    def row(g):
        return {"group": g.get("label", "all"), "key": g.get("key"), "technicians": g["n"], "left": g["events"],
                "median_months_to_leave": _r(g["median_days"] / 30.4375, 1) if g["median_days"] else None,
                "retention_12m_pct": _r(g["retention_12m"] * 100, 1) if g["retention_12m"] is not None else None}  # fmt: skip

    return {"by": args.by, "event": args.event, "overall": row(d["overall"]), "groups": [row(g) for g in d["groups"]],
            "logrank": d["logrank"], "method": d["method"]}  # fmt: skip


@_guard
def count_in_period(*, user, args: PeriodCountArgs) -> dict:
    from analytics import selectors

    f = _filters(args)
    if args.what == "hires":
        r = selectors.hires_count(filters=f, year=args.year, start=args.start, end=args.end)
    else:
        r = selectors.departures_count(
            filters=f, year=args.year, start=args.start, end=args.end, kind=args.kind, first_year=args.first_year
        )
    return {"what": args.what, **r}


@_guard
def hires_vs_need(*, user, args: HiresVsNeedArgs) -> dict:
    """Forecast hires over the next N weeks (the hires forecast) beside the hiring need (the hiring plan)."""
    from forecasts import selectors as fsel

    loc = location(args)
    out: dict = {"weeks": args.weeks, "filters": {k: v for k, v in loc.items() if v}, "notes": []}
    try:
        totals = fsel.hiring_plan_report(weeks=args.weeks, **loc)["totals"]
        out["hires_needed"] = totals["hires_needed"]  # positive gaps only: surpluses are not netted
        out["surplus"] = _r(totals["surplus"], 1)
        out["required_technicians"] = _r(totals["required_technicians"], 1)
        out["expected_headcount"] = _r(totals["expected_headcount"], 1)
    except Exception as exc:  # noqa: BLE001 - no demand forecast yet: say so, keep the other half
        out["hires_needed"] = None
        out["notes"].append(f"hiring need unavailable: {exc}")
    level, key = ("district", loc["district"]) if loc.get("district") else (
        ("region", loc["region"]) if loc.get("region") else ("company", "company"))  # fmt: skip
    try:
        fc = fsel.forecast_series(metric="hires", level=level, key=key)
        pts = fc.get("forecast", [])[: args.weeks]
        out["hires_forecast"] = _r(sum(p["yhat"] for p in pts), 1)
        out["hires_forecast_low"] = _r(sum(p["yhat_lower"] for p in pts), 1)
        out["hires_forecast_high"] = _r(sum(p["yhat_upper"] for p in pts), 1)
        out["forecast_weeks"] = len(pts)
    except Exception as exc:  # noqa: BLE001 - no hires forecast yet
        out["hires_forecast"] = None
        out["notes"].append(f"hires forecast unavailable: {exc}")
    if out.get("hires_needed") is not None and out.get("hires_forecast") is not None:
        out["shortfall"] = _r(out["hires_needed"] - out["hires_forecast"], 1)
    return out


@_guard
def risk_cohort(*, user, args: CohortArgs) -> dict:
    from analytics import selectors

    r = selectors.risk_cohort(filters=_filters(args), band=args.band, hire_year=args.hire_year)
    r["mean_risk"] = _r(r["mean_risk"], 4)
    return r


def tools() -> list:
    from assistant.tool_schemas import Tool

    return [
        Tool("turnover_trend", "turnover trend", "Monthly voluntary/involuntary/first-year turnover rates, headcount and hires, plus trailing-12-month rates (now and the 12 months before), optionally split by region/district/trade/source/schedule/tenure band.", TrendArgs, turnover_trend),
        Tool("compare_segments", "compare segments", "Compare two segments (places, trades, risk bands, or the same place at two scoring dates): difference in average predicted risk decomposed exactly into per-factor percentage points, with observed turnover beside it.", CompareArgs, compare_segments),
        Tool("survival_summary", "survival", "Kaplan–Meier retention by hire year (cohort), region, district, trade, hire source or schedule: median months to leave, 12-month retention, log-rank test between two groups.", SurvivalArgs, survival_summary),
        Tool("count_in_period", "period count", "How many technicians left (any/voluntary/involuntary, optionally within their first year) or were hired in a year or date range.", PeriodCountArgs, count_in_period),
        Tool("hires_vs_need", "hires vs need", "Forecast hires over the next N weeks beside the hiring need from the hiring plan, and the shortfall.", HiresVsNeedArgs, hires_vs_need),
        Tool("risk_cohort", "risk cohort", "Count of scored technicians in a risk band (e.g. high-risk), by place/trade/hire year, with the count per band and mean risk.", CohortArgs, risk_cohort),
    ]  # fmt: skip
