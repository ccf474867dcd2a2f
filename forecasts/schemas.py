from __future__ import annotations

from datetime import date, datetime
from typing import Literal
from uuid import UUID

from ninja import Field, Schema

Metric = Literal["headcount", "hires", "terminations_voluntary", "terminations_involuntary", "demand"]
Level = Literal["district", "region", "company"]


class RunIn(Schema):
    metric: Metric | None = Field(default=None, description="One metric, or omit for all metrics.")
    level: Level = "district"
    horizon: int = Field(default=12, ge=1, le=52, description="Periods ahead (1..52).")
    frequency: Literal["weekly", "monthly"] = "weekly"
    method: Literal[
        "auto", "prophet", "seasonal_naive", "naive", "drift", "ets", "theta", "holt_winters", "ensemble"
    ] = "auto"
    reconciliation: Literal["mint", "bottom_up", "none"] = "mint"


class RunOut(Schema):
    id: UUID
    metric: str
    level: str
    horizon: int
    frequency: str
    method: str
    reconciliation: str
    status: str
    series_total: int
    series_done: int
    progress_pct: int
    error: str
    backtest: dict
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None


class RunPage(Schema):
    count: int
    limit: int
    offset: int
    items: list[RunOut]


class PointOut(Schema):
    ds: date
    yhat: float
    yhat_lower: float
    yhat_upper: float


class SeriesOut(Schema):
    metric: str
    level: str
    key: str
    name: str
    status: str
    failure_reason: str
    method_used: str
    reconciliation: str
    backtest: dict
    points: list[PointOut]


class RunDetailOut(RunOut):
    series: list[SeriesOut]


class RunStatusOut(Schema):
    id: UUID
    status: str
    series_total: int
    series_done: int
    progress_pct: int
    error: str


class ForecastSeriesOut(Schema):
    metric: str
    level: str
    key: str | None
    name: str
    frequency: str
    history: list[dict]
    forecast: list[dict]
    method: str
    reconciliation: str
    backtest: dict
    run_id: str
    created_at: str


class PlanRowOut(Schema):
    district: str
    district_name: str
    region: str
    trade: str
    trade_share: float
    trade_share_source: str
    current_headcount: int
    expected_exits: float
    exits_avoided: float
    exits_source: str
    accepted_offers: int
    pipeline: int
    pipeline_expected: float
    forecast_demand: float | None
    forecast_demand_low: float | None
    forecast_demand_high: float | None
    jobs_per_tech_per_week: float | None
    weeks: int
    required_technicians: float | None
    expected_headcount: float
    gap: float | None
    gap_low: float | None
    gap_high: float | None
    hires_needed: int | None
    surplus: float | None
    time_to_fill_weeks: float
    time_to_fill_source: str
    open_requisition_by: str | None
    note: str
    run_id: str


class PlanTotalsOut(Schema):
    current_headcount: int
    expected_exits: float
    accepted_offers: int
    pipeline_expected: float
    required_technicians: float
    expected_headcount: float
    hires_needed: int = Field(description="Sum of the positive gaps only: a surplus never offsets a shortage.")
    surplus: float = Field(description="Sum of the surpluses, reported apart from hires needed.")
    cells_short: int
    cells_without_plan: int


class PlanOut(Schema):
    rows: list[PlanRowOut]
    totals: PlanTotalsOut
    run_id: str
    weeks: int
    max_weeks: int
    exits_source: str
    scenario: dict


class PublicationOut(Schema):
    metric: str
    frequency: str
    run_id: UUID
    replaced_run_id: UUID | None
    published_at: datetime
