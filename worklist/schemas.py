"""Schemas of the worklist API (/api/v1/worklist/)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from ninja import Field, Schema

from core.params import Code

Status = Literal["new", "contacted", "action_agreed", "closed"]
EmployeeIds = list[Code]


class Reason(Schema):
    feature: str
    label: str
    contribution: float


class WorklistRow(Schema):
    employee_id: str
    name: str
    region: str
    district: str
    district_name: str
    trade: str
    score: float = Field(description="Probability of leaving within the model horizon (0..1).")
    band: str
    as_of: date
    model_version: int
    status: Status
    owner: str | None
    note: str
    updated_at: datetime | None
    watched: bool = Field(description="On the caller's watchlist.")
    programs: list[str]
    top_contributions: list[Reason]


class WorklistPage(Schema):
    count: int
    limit: int
    offset: int
    as_of: date | None
    model_version: int | None
    items: list[WorklistRow]


class CaseIn(Schema):
    status: Status | None = Field(default=None, description="New status; omit to keep it.")
    owner: str | None = Field(
        default=None, max_length=150, description='Username of the owner; "" clears it; omit to keep.'
    )
    note: str | None = Field(default=None, max_length=2000, description="A note (recorded in the history).")


class BulkIn(Schema):
    employee_ids: EmployeeIds = Field(min_length=1, max_length=500)


class WatchIn(BulkIn):
    watched: bool = True


class EnrolIn(BulkIn):
    program_id: int = Field(ge=1)


class EnrolOut(Schema):
    program: str
    enrolled: int
    already: int


class WatchOut(Schema):
    changed: int


class ProgramOut(Schema):
    program_id: int
    name: str
    enrolled_on: date
    enrolled_by: str | None


class HistoryOut(Schema):
    at: datetime
    actor: str
    kind: str
    kind_label: str
    from_value: str
    to_value: str
    note: str


class TechnicianWorklistOut(Schema):
    employee_id: str
    name: str
    status: Status
    status_label: str
    owner: str | None
    note: str
    updated_at: datetime | None
    watched: bool
    programs: list[ProgramOut]
    history: list[HistoryOut]
