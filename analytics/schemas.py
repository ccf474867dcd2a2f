"""In/Out schemas of the analytics API (documented in /api/v1/docs)."""

from __future__ import annotations

from datetime import date
from typing import Any, Literal

from ninja import Schema
from pydantic import Field

Trade = Literal["appliance", "hvac", "refrigeration", "plumbing", "electrical"]
Schedule = Literal["standard", "4x10", "rotating"]
Band = Literal["low", "medium", "high"]


class ErrorOut(Schema):
    detail: str


class PlaceFilters(Schema):
    region: str | None = Field(None, max_length=30, description="Region code, e.g. 'west'.")
    district: str | None = Field(None, max_length=30, description="District code, e.g. 'dal'.")
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
    group_a: str | None = Field(None, max_length=40, description="Group key for the log-rank test.")
    group_b: str | None = Field(None, max_length=40)
    max_months: int = Field(60, ge=6, le=240)


class CompareFilters(Schema):
    a_region: str | None = Field(None, max_length=30)
    a_district: str | None = Field(None, max_length=30)
    a_trade: Trade | None = None
    a_schedule: Schedule | None = None
    a_band: Band | None = None
    a_as_of: date | None = Field(None, description="Use the scoring on or before this date (default: latest).")
    b_region: str | None = Field(None, max_length=30)
    b_district: str | None = Field(None, max_length=30)
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
