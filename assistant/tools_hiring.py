"""Assistant tools for retention programs compared and the hiring pipeline. Registered in assistant.tools.TOOLS;
used by the LLM agent and the offline planner alike.

Each calls the same service/selector as the pages and the API (predictions.services.programs_compare,
analytics.selectors.pipeline_yield) as the asking user; the runner redacts every result through
technicians.visibility. Program effects are returned in words ("Overtime capped at 8.0 h/week"), never as the
stored rule, so neither the model nor the offline answer ever shows a raw dict.
"""

from __future__ import annotations

from datetime import date
from typing import Literal

from pydantic import Field

from assistant.tool_schemas import Band, LocationArgs, ToolInputError


def _r(x, nd=2):
    return None if x is None else round(float(x), nd)


def _rng(pair, nd=2):
    return None if pair is None else [_r(pair[0], nd), _r(pair[1], nd)]


class CompareProgramsArgs(LocationArgs):
    programs: list[str] = Field(
        default_factory=list, max_length=6,
        description="Program ids or (parts of) names; empty = every active program.",
    )  # fmt: skip
    band: Band | None = Field(None, description="Only technicians in this risk band, e.g. 'high'.")


class PipelineArgs(LocationArgs):
    by: Literal["source", "district", "region", "trade"] = Field("source", description="Group applications by.")
    year: int | None = Field(None, ge=1950, le=2100, description="Applications made in this calendar year.")
    start: date | None = Field(None, description="First application date (default: 24 months ago).")
    end: date | None = None


def _program_row(p: dict) -> dict:
    return {
        "program": p["name"], "effect": p["effect"], "cost_per_technician": p["cost_per_technician"],
        "departures_avoided": _r(p["departures_avoided"], 2), "departures_avoided_range": _rng(p["departures_avoided_range"]),
        "savings": round(p["savings"]), "program_cost": round(p["program_cost"]),
        "net_benefit": round(p["net_benefit"]), "net_benefit_range": _rng(p["net_benefit_range"], 0),
        "roi": _r(p["roi"], 3), "break_even_cost_per_technician": _r(p["break_even_cost_per_technician"], 2),
        "break_even_range": _rng(p["break_even_range"]), "chance_net_positive": _r(p["chance_net_positive"], 3),
    }  # fmt: skip


def compare_programs(*, user, args: CompareProgramsArgs) -> dict:
    """Retention programs side by side for one cohort, with 95% ranges and break-even cost per technician."""
    from assistant.tool_common import location, program_lookup
    from predictions import selectors, services

    ids = [program_lookup(p).pk for p in args.programs] or [p.pk for p in selectors.program_list()][:6]
    if not ids:
        raise ToolInputError("No retention programs are defined yet (HR adds them in the admin).")
    try:
        r = services.programs_compare(user=user, program_ids=ids, band=args.band, **location(args))
    except services.ProgramInputError as exc:
        raise ToolInputError(str(exc)) from None
    return {
        "cohort": r["cohort"]["label"], "cohort_size": r["cohort_size"], "as_of": r["as_of"],
        "model_version": r["model_version"], "horizon": r["horizon"],
        "expected_departures_before": _r(r["expected_departures_before"], 2),
        "replacement_cost_per_departure": r["replacement_cost_per_departure"],
        "programs": sorted((_program_row(p) for p in r["programs"]), key=lambda p: -p["net_benefit"]),
        "best": r["best"], "method": r["method"],
    }  # fmt: skip


def pipeline_yield(*, user, args: PipelineArgs) -> dict:
    """Hiring pipeline per source/place: applied → hired → still employed at 90 days, and time-to-fill."""
    from analytics.population import AnalyticsInputError, Filters
    from analytics.selectors import pipeline_yield as read
    from assistant.tool_common import location

    start, end = args.start, args.end
    if args.year:
        start, end = date(args.year, 1, 1), min(date(args.year, 12, 31), date.today())
    try:
        r = read(filters=Filters(**location(args)), by=args.by, start=start, end=end)
    except AnalyticsInputError as exc:
        raise ToolInputError(str(exc)) from None

    def row(g):
        return {
            "group": g["label"], "key": g["key"], "applied": g["applied"], "in_process": g["in_process"],
            "hired": g["hired"], "hire_rate_pct": _r(g["hire_rate"] and g["hire_rate"] * 100, 1),
            "reached_90_days": g["reached_90_days"], "still_employed_90_days": g["still_employed_90_days"],
            "retention_90_days_pct": _r(g["retention_90_days"] and g["retention_90_days"] * 100, 1),
            "yield_90_days_pct": _r(g["yield_90_days"] and g["yield_90_days"] * 100, 1),
            "time_to_fill_median_days": _r(g["time_to_fill_median_days"], 1),
            "time_to_fill_mean_days": _r(g["time_to_fill_mean_days"], 1),
        }  # fmt: skip

    return {"by": r["by"], "start": r["start"], "end": r["end"], "filters": r["filters"], "total": row(r["total"]),
            "groups": [row(g) for g in r["groups"][:25]], "definitions": r["definitions"]}  # fmt: skip


def tools() -> list:
    from assistant.tool_schemas import Tool

    return [
        Tool("compare_programs", "compare programs", "Compare retention programs side by side for one cohort (place, trade, risk band): departures avoided within the retention horizon with a 95% range, savings, cost, net benefit, ROI and break-even cost per enrolled technician; each program's change in words.", CompareProgramsArgs, compare_programs),
        Tool("pipeline_yield", "hiring pipeline", "Hiring pipeline yield and time-to-fill by hire source, district, region or trade: applications, hires, hire rate, still employed 90 days after starting, yield and median days from application to start.", PipelineArgs, pipeline_yield),
    ]  # fmt: skip
