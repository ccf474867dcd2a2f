"""The assistant's tools as data: ``Tool`` (name, argument model, function, permission) and the argument models
(pydantic → the JSON schemas the model sees). The registry is ``assistant.tools.TOOLS``; ``assistant.tool_runner``
runs a call."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

Trade = Literal["appliance", "hvac", "refrigeration", "plumbing", "electrical"]
Band = Literal["high", "medium", "low"]
Metric = Literal["headcount", "hires", "terminations_voluntary", "terminations_involuntary", "demand"]
Level = Literal["district", "region", "company"]


class ToolInputError(ValueError):
    """Arguments that parse but name something that does not exist (message is shown to the model)."""


class Args(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, str_max_length=200)


class NotAvailable(Exception):
    """A dependency app (predictions / forecasts) is not installed or not ready yet."""


@dataclass
class Tool:
    name: str
    title: str
    description: str
    args_model: type[Args]
    func: Callable[..., dict]
    permission: str | None = None  # core.permissions name; a tool without one is refused (fail closed)

    def spec(self) -> dict:
        schema = self.args_model.model_json_schema()
        schema.pop("title", None)
        for prop in schema.get("properties", {}).values():
            prop.pop("title", None)
        return {
            "type": "function",
            "function": {"name": self.name, "description": self.description, "parameters": schema},
        }


class LocationArgs(Args):
    region: str | None = Field(None, description="Region code or name, e.g. 'west' or 'Region West'.")
    district: str | None = Field(None, description="District code or name, e.g. 'dal' or 'Dallas'.")
    trade: Trade | None = None


class QueryTechniciansArgs(LocationArgs):
    status: Literal["active", "left", "all"] = "active"
    hire_year: int | None = Field(None, ge=1950, le=2100)
    q: str | None = Field(None, description="Search in employee id / name.")
    group_by: Literal["none", "district", "region", "trade", "schedule_type"] = "none"
    limit: int = Field(10, ge=0, le=50, description="How many example rows to return.")


class RiskRankingArgs(LocationArgs):
    band: Band | None = None
    limit: int = Field(10, ge=1, le=50)


class EmployeeArgs(Args):
    employee_id: str = Field(..., min_length=1, description="Business key, e.g. 'E000123'.")


class CandidateRankingArgs(LocationArgs):
    limit: int = Field(10, ge=1, le=50)


class CandidateArgs(Args):
    candidate_id: str = Field(..., min_length=1)


class ForecastArgs(Args):
    metric: Metric = "headcount"
    level: Level = "company"
    key: str | None = Field(None, description="District or region code/name; omit for company level.")


class HiringPlanArgs(LocationArgs):
    weeks: int = Field(12, ge=1, le=52, description="Planning horizon in weeks from today.")


class WhatIfArgs(EmployeeArgs):
    changes: dict[str, float | int | str] = Field(
        ..., description="Feature → new value, e.g. {'overtime_hours': 8}.", min_length=1, max_length=10
    )


class ProgramRoiArgs(LocationArgs):
    program: str = Field(..., min_length=1, description="Retention program id or (part of its) name.")
    band: Band | None = None


class OvertimeCapArgs(LocationArgs):
    hours: float = Field(..., ge=0, le=80, description="Cap on average weekly overtime hours.")
    limit: int = Field(10, ge=1, le=50, description="How many of the most-affected technicians to list.")


class SimilarArgs(Args):
    employee_id: str | None = Field(None, description="Find technicians similar to this one…")
    best_in_district: str | None = Field(
        None, description="…or to the best performer (CSAT × first-time-fix, latest month) in this district."
    )
    limit: int = Field(5, ge=1, le=25)


class KnowledgeArgs(Args):
    query: str = Field(..., min_length=2, max_length=500)
    limit: int = Field(4, ge=1, le=10)
