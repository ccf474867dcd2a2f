"""In/Out schemas for the technicians API.

HR-only fields (pay, performance) are declared optional and are **absent** from the JSON for users who
may not see them (the endpoints serialise with ``exclude_unset``; the payload dicts come from
technicians.selectors, which never put those keys in for non-HR users).
"""

from datetime import date
from typing import Any, Literal

from ninja import Field
from pydantic import BaseModel, ConfigDict

from core.openapi import ErrorOut  # noqa: F401 - re-exported: one error schema for the whole API
from core.pagination import Cursor, PageParams
from core.params import Code, Text
from technicians.models import CandidateSource, CandidateStage, Trade

HR_ONLY = "HR only: absent from the response for users without the pay/performance permission."


class Out(BaseModel):
    """Base for response schemas. Plain pydantic (not ninja.Schema): the payloads are already dicts from
    technicians.selectors, and skipping ninja's per-object DjangoGetter wrapper makes list responses
    several times cheaper to validate (see bench/bench_api.py)."""

    model_config = ConfigDict(from_attributes=True)


TechnicianOrdering = Literal[
    "name", "-name", "employee_id", "-employee_id", "district", "-district", "trade", "-trade",
    "hire_date", "-hire_date", "pay_rate", "-pay_rate",
]  # fmt: skip
CandidateOrdering = Literal[
    "applied_date", "-applied_date", "candidate_id", "-candidate_id", "name", "-name", "stage", "-stage",
    "assessment_score", "-assessment_score",
]  # fmt: skip


class TechnicianFilters(PageParams):
    region: Code | None = Field(default=None, description="Region code, e.g. `west`. Unknown code → 422.")
    district: Code | None = Field(default=None, description="District code, e.g. `dal`. Unknown code → 422.")
    trade: Trade | None = Field(default=None, description="Trade.")
    status: Literal["active", "left"] | None = Field(default=None, description="Employed today, or left.")
    hire_year: int | None = Field(default=None, ge=1900, le=2100, description="Year of hire.")
    q: Text | None = Field(default=None, description="Search employee id, name or email.")
    ordering: TechnicianOrdering | None = Field(
        default=None,
        description="Sort key, `-` prefix for descending; pay_rate only for HR (others get 422).",
    )
    cursor: Cursor | None = None


class CandidateFilters(PageParams):
    region: Code | None = Field(default=None, description="Region code. Unknown code → 422.")
    district: Code | None = Field(default=None, description="District code. Unknown code → 422.")
    trade: Trade | None = None
    stage: CandidateStage | None = None
    source: CandidateSource | None = None
    q: Text | None = Field(default=None, description="Search candidate id, name or email.")
    ordering: CandidateOrdering | None = Field(default=None, description="Sort key; `-` prefix for descending.")


class TechnicianOut(Out):
    id: str
    employee_id: str
    first_name: str
    last_name: str
    email: str
    district: str = Field(description="District code.")
    district_name: str
    region: str = Field(description="Region code.")
    region_name: str
    trade: str
    hire_date: date
    termination_date: date | None
    termination_type: str | None
    termination_reason: str | None = Field(None, description="HR admins only (may disclose performance or pay).")
    schedule_type: str
    commute_miles: float | None
    certifications: int
    tenure_years: float = Field(description="Years employed as of today (or until leaving).")
    is_active: bool
    attributes: dict[str, Any] = Field(description="Extra source columns (HR-only keys removed for non-HR users).")
    pay_rate: float | None = Field(default=None, description=f"Hourly pay. {HR_ONLY}")
    performance_rating: float | None = Field(default=None, description=f"Last review 1–5. {HR_ONLY}")
    sex: str | None = Field(default=None, description=f"Self-reported sex (EEO-1; 'not_disclosed'). {HR_ONLY}")
    race_ethnicity: str | None = Field(
        default=None, description=f"Self-reported race/ethnicity (EEO-1 categories; 'not_disclosed'). {HR_ONLY}"
    )


class Page(Out):
    count: int = Field(description="Rows matching the filters (all pages).")
    limit: int
    offset: int


class TechnicianPage(Page):
    items: list[TechnicianOut]
    next_cursor: str | None = Field(
        default=None, description="Pass as `cursor` for the next page (default order only); null on the last page."
    )


class SnapshotOut(Out):
    month: date
    jobs_completed: int
    first_time_fix_rate: float | None
    callbacks: int
    csat: float | None
    overtime_hours: float
    drive_time_minutes: float
    utilization: float | None
    training_hours: float
    pay_rate: float | None = Field(default=None, description=f"Hourly pay that month. {HR_ONLY}")


class SnapshotPage(Page):
    items: list[SnapshotOut]


class CandidateOut(Out):
    id: str
    candidate_id: str
    first_name: str
    last_name: str
    email: str
    district: str
    district_name: str
    region: str
    trade: str
    source: str
    applied_date: date
    years_experience: float
    certifications: int
    assessment_score: float | None
    interview_score: float | None
    commute_miles: float | None
    stage: str
    offer_date: date | None
    expected_start_date: date | None
    hired_employee_id: str | None
    attributes: dict[str, Any]
    offered_pay_rate: float | None = Field(default=None, description=f"Hourly pay offered. {HR_ONLY}")
    sex: str | None = Field(default=None, description=f"Self-reported sex (EEO-1; 'not_disclosed'). {HR_ONLY}")
    race_ethnicity: str | None = Field(
        default=None, description=f"Self-reported race/ethnicity (EEO-1 categories; 'not_disclosed'). {HR_ONLY}"
    )


class CandidatePage(Page):
    items: list[CandidateOut]


class RegionOut(Out):
    code: str
    name: str
    district_count: int
    active_technicians: int


class DistrictOut(Out):
    code: str
    name: str
    region: str
    region_name: str
    climate: str
    active_technicians: int


class DistrictPage(Page):
    items: list[DistrictOut]


class MeOut(Out):
    username: str
    role: str = Field(description="HR admin, Recruiter, API consumer or user.")
    can_view_sensitive: bool = Field(description="True when pay/performance fields are included in responses.")
