"""Input/output schemas for the predictions API (/api/v1/predictions/)."""

from __future__ import annotations

from datetime import date
from typing import Any, Literal

from ninja import Field, Schema

from core.schema import DictSchema

ModelTypeName = Literal["retention", "quality_of_hire"]
Band = Literal["low", "medium", "high"]


class TrainIn(Schema):
    model_type: Literal["retention", "quality_of_hire"]
    algorithm: Literal["ebm", "tree"] = "ebm"
    params: dict[str, Any] = Field(default_factory=dict, description="EBM/tree parameters overriding the defaults.")


class PromoteIn(Schema):
    justification: str = Field(
        default="",
        max_length=5000,
        description="HR admin's written reason, required when the bias-audit gate is not clear.",
    )


class MitigateIn(Schema):
    exclude_features: list[str] = Field(
        min_length=1, max_length=100, description="Features to leave out of the retrain."
    )


class TrainOut(Schema):
    id: str
    run_id: str
    model_type: str
    algorithm: str
    version: int
    status: str
    stage: str
    progress: int
    error: str | None = None
    status_url: str


class ScoreIn(Schema):
    model_type: Literal["retention", "quality_of_hire"] = "retention"
    features: dict[str, Any] = Field(description="Feature name → value; missing features are treated as unknown.")


class WhatIfIn(Schema):
    changes: dict[str, Any] = Field(
        description="Actionable features only: overtime_hours, pay_rate (HR), schedule_type, commute_miles, "
        "drive_time_minutes, training_hours.",
        examples=[{"overtime_hours": 6}],
    )


class Contribution(DictSchema):
    feature: str
    label: str
    value: Any = None
    contribution: float
    points: float | None = Field(
        None,
        description="Percentage points of probability: the exact change in this score if this factor alone were "
        "at its population-average contribution.",
    )


class RiskItem(DictSchema):
    employee_id: str
    name: str
    district: str
    district_name: str
    region: str
    trade: str
    score: float
    band: str
    as_of: date
    model_version: int
    top_contributions: list[Contribution]


class RiskPage(DictSchema):
    count: int
    items: list[RiskItem]
    next_cursor: str | None = None


class ExplainedScore(Schema):
    score: float
    band: str
    as_of: date
    model_version: int
    intercept: float
    logit: float
    contributions: list[Contribution]
    explanation: str


class TechnicianRiskOut(ExplainedScore):
    employee_id: str
    name: str
    district: str
    trade: str


class CandidateItem(DictSchema):
    candidate_id: str
    name: str
    district: str
    trade: str
    stage: str
    source: str
    score: float
    band: str
    top_contributions: list[Contribution]


class CandidateRankingPage(DictSchema):
    count: int
    items: list[CandidateItem]
    next_cursor: str | None = None


class CandidateQualityOut(ExplainedScore):
    candidate_id: str
    name: str
    district: str
    trade: str
    stage: str


# ---------------------------------------------------------------------- programs compared, candidates side by side
class ProgramResultOut(Schema):
    id: int
    name: str
    description: str
    cost_per_technician: float
    change: dict[str, Any] = Field(description="The rule as stored (a pay rule only for HR).")
    effect: str = Field(description="The change in words, e.g. 'Overtime capped at 8 h/week'.")
    expected_departures_after: float
    departures_avoided: float
    departures_avoided_range: tuple[float, float] = Field(description="95% bootstrap range over the cohort.")
    savings: float
    savings_range: tuple[float, float]
    program_cost: float
    net_benefit: float
    net_benefit_range: tuple[float, float]
    roi: float | None
    break_even_cost_per_technician: float | None = Field(
        description="Savings ÷ cohort size: the cost per enrolled technician at which the program pays for itself."
    )
    break_even_range: tuple[float, float] | None
    chance_net_positive: float | None = Field(description="Share of bootstrap resamples with a positive net benefit.")


class ProgramCompareOut(Schema):
    cohort: dict[str, Any]
    cohort_size: int
    as_of: date | None
    model_version: int
    horizon_days: int
    horizon: str = Field(description="What the departures count: within the retention model's horizon.")
    expected_departures_before: float
    replacement_cost_per_departure: float
    samples: int
    programs: list[ProgramResultOut]
    best: str | None = Field(description="The program with the highest net benefit.")
    method: str


class CompareCell(Schema):
    value: Any = None
    contribution: float
    points: float | None = None


class CompareRow(Schema):
    feature: str
    label: str
    cells: list[CompareCell | None]


class ComparedCandidate(Schema):
    candidate_id: str
    name: str
    district: str
    trade: str
    stage: str
    score: float
    band: str
    explanation: str
    contributions: list[Contribution]


class CandidateCompareOut(Schema):
    model_version: int
    as_of: date
    candidates: list[ComparedCandidate]
    rows: list[CompareRow]
