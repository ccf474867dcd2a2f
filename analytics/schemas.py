"""In/Out schemas of the analytics API (documented in /api/v1/docs)."""

from __future__ import annotations

from datetime import date
from typing import Any, Literal

from ninja import Schema
from pydantic import Field

from core.params import Code

Trade = Literal["appliance", "hvac", "refrigeration", "plumbing", "electrical"]
Schedule = Literal["standard", "4x10", "rotating"]
Band = Literal["low", "medium", "high"]


class ErrorOut(Schema):
    detail: str


class PlaceFilters(Schema):
    region: Code | None = Field(None, description="Region code, e.g. 'west'.")
    district: Code | None = Field(None, description="District code, e.g. 'dal'.")
    trade: Trade | None = None


class TrendFilters(PlaceFilters):
    schedule: Schedule | None = None
    split: Literal["region", "district", "trade", "source", "schedule", "tenure_band"] | None = Field(
        None, description="One split; the company line is always included."
    )
    months: int = Field(24, ge=3, le=120)


class SurvivalFilters(PlaceFilters):
    schedule: Schedule | None = None
    by: Literal["cohort", "region", "district", "trade", "source", "schedule"] = "trade"
    event: Literal["voluntary", "any"] = "voluntary"
    group_a: Code | None = Field(None, description="Group key for the log-rank test.")
    group_b: Code | None = None
    max_months: int = Field(60, ge=6, le=240)


class CompareFilters(Schema):
    a_region: Code | None = None
    a_district: Code | None = None
    a_trade: Trade | None = None
    a_schedule: Schedule | None = None
    a_band: Band | None = None
    a_as_of: date | None = Field(None, description="Use the scoring on or before this date (default: latest).")
    b_region: Code | None = None
    b_district: Code | None = None
    b_trade: Trade | None = None
    b_schedule: Schedule | None = None
    b_band: Band | None = None
    b_as_of: date | None = None


class CountFilters(PlaceFilters):
    year: int | None = Field(None, ge=1950, le=2100)
    start: date | None = None
    end: date | None = None


class DepartureFilters(CountFilters):
    kind: Literal["any", "voluntary", "involuntary"] = "any"
    first_year: bool = False


class TileOut(Schema):
    key: str
    title: str
    value: float | None
    sparkline: list[float | None]
    help: str
    href: str
    format: str
    change: float | None = None
    change_label: str = ""
    note: str = ""


class OverviewOut(Schema):
    as_of: date
    months: list[str]
    filters: dict[str, str]
    tiles: list[TileOut]


class SeriesOut(Schema):
    headcount: list[int]
    hires: list[int]
    voluntary: list[int]
    involuntary: list[int]
    first_year: list[int]
    voluntary_rate: list[float | None]
    involuntary_rate: list[float | None]
    first_year_rate: list[float | None]


class GroupSeriesOut(SeriesOut):
    key: str
    label: str


class TrendsOut(Schema):
    months: list[str]
    split: str | None
    filters: dict[str, str]
    total: SeriesOut
    company: SeriesOut
    groups: list[GroupSeriesOut]
    definitions: dict[str, str]


class CurveOut(Schema):
    n: int
    events: int
    grid: list[float]
    survival: list[float | None]
    low: list[float | None]
    high: list[float | None]
    median_days: float | None
    retention_12m: float | None


class GroupCurveOut(CurveOut):
    key: str
    label: str


class LogRankOut(Schema):
    a: str
    b: str
    statistic: float | None
    p_value: float | None


class SurvivalOut(Schema):
    by: str
    event: str
    as_of: date
    filters: dict[str, str]
    months: list[int]
    overall: CurveOut
    groups: list[GroupCurveOut]
    logrank: LogRankOut | None
    method: str


class FactorOut(Schema):
    feature: str
    label: str
    logit: float = Field(..., description="Mean contribution in A − mean contribution in B (log-odds).")
    points: float = Field(..., description="The same share in percentage points of average risk.")
    a_contribution: float
    b_contribution: float
    a_value: str | None
    b_value: str | None


class SegmentOut(Schema):
    label: str
    as_of: date
    technicians: int
    mean_risk: float
    mean_logit: float
    observed: dict[str, Any]
    filters: dict[str, str]


class CompareOut(Schema):
    model_version: int
    a: SegmentOut
    b: SegmentOut
    difference: dict[str, float | None]
    factors: list[FactorOut]
    check: dict[str, float]
    summary: str


class RiskPointOut(Schema):
    as_of: date
    score: float
    band: str
    model_version: int | None


class CountOut(Schema):
    start: date
    end: date
    count: int
    filters: dict[str, str]
    kind: str | None = None
    first_year_only: bool | None = None
    still_employed: int | None = None


# --------------------------------------------------------------------------- hiring pipeline


class PipelineFilters(PlaceFilters):
    by: Literal["source", "district", "region", "trade"] = Field("source", description="Group applications by.")
    start: date | None = Field(None, description="First application date (default: 24 months before end).")
    end: date | None = Field(None, description="Last application date (default: today).")


class PipelineRowOut(Schema):
    key: str | None = Field(description="Group key (null on the total row).")
    label: str
    applied: int
    in_process: int = Field(description="Applications still open (not yet hired, rejected or withdrawn).")
    decided: int
    hired: int
    reached_90_days: int = Field(description="Hires whose start is at least 90 days ago.")
    still_employed_90_days: int
    hire_rate: float | None = Field(description="hired ÷ decided applications.")
    retention_90_days: float | None = Field(description="still employed at 90 days ÷ reached 90 days.")
    yield_90_days: float | None = Field(description="hire rate × 90-day retention.")
    time_to_fill_median_days: float | None = Field(description="Application → start, median days (hires).")
    time_to_fill_mean_days: float | None
    time_to_fill_p90_days: float | None


class PipelineOut(Schema):
    by: str
    start: date
    end: date
    as_of: date
    filters: dict[str, Any]
    total: PipelineRowOut
    groups: list[PipelineRowOut]
    definitions: dict[str, str]
