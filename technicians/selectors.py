"""Reads for technicians, candidates, districts and demand.

Every function that returns people data takes ``user`` and applies the visibility rule from
technicians.visibility, so pages, API, exports and assistant tools cannot disagree.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from django.db.models import Q, QuerySet
from django.http import Http404

from technicians.models import Candidate, District, Region, Technician, TechnicianSnapshot
from technicians.visibility import field_visible, is_sensitive_name, redact, visible_names  # noqa: F401

TECHNICIAN_FIELDS = [
    "id", "employee_id", "first_name", "last_name", "email", "district", "region", "trade",
    "hire_date", "termination_date", "termination_type", "termination_reason", "schedule_type",
    "commute_miles", "certifications", "pay_rate", "performance_rating", "tenure_years", "is_active",
    "attributes",
]  # fmt: skip

TECHNICIAN_ORDERINGS = {
    "name": ("last_name", "first_name"),
    "employee_id": ("employee_id",),
    "district": ("district__name", "last_name"),
    "trade": ("trade", "last_name"),
    "hire_date": ("hire_date",),
    "pay_rate": ("pay_rate",),
}


class SelectorError(ValueError):
    """Bad filter or ordering input: the message names the parameter and the valid values."""


def technician_list(
    *,
    user,
    region: str | None = None,
    district: str | None = None,
    trade: str | None = None,
    status: str | None = None,
    hire_year: int | None = None,
    q: str | None = None,
    ordering: str | None = None,
    as_of: date | None = None,
) -> QuerySet[Technician]:
    """Technicians filtered by business keys. Raises SelectorError naming a bad parameter."""
    qs = Technician.objects.select_related("district__region")
    as_of = as_of or date.today()
    if region:
        qs = qs.filter(district__region__code=region)
    if district:
        qs = qs.filter(district__code=district)
    if trade:
        from technicians.models import Trade

        if trade not in Trade.values:
            raise SelectorError(f"trade must be one of {', '.join(Trade.values)} (got {trade!r}).")
        qs = qs.filter(trade=trade)
    if status:
        if status == "active":
            qs = qs.active(as_of)
        elif status == "left":
            qs = qs.filter(termination_date__isnull=False, termination_date__lte=as_of)
        else:
            raise SelectorError(f"status must be 'active' or 'left' (got {status!r}).")
    if hire_year:
        qs = qs.filter(hire_date__year=hire_year)
    if q:
        q = q.replace("\x00", "").strip()[:100]
        if q:
            qs = qs.filter(
                Q(employee_id__icontains=q) | Q(first_name__icontains=q) | Q(last_name__icontains=q) | Q(email__icontains=q)
            )
    if ordering:
        desc = ordering.startswith("-")
        key = ordering.lstrip("-")
        allowed = [k for k in TECHNICIAN_ORDERINGS if field_visible(user, k)]
        if key not in allowed:
            raise SelectorError(f"ordering must be one of {', '.join(allowed)} (optionally prefixed by '-').")
        fields = TECHNICIAN_ORDERINGS[key]
        qs = qs.order_by(*[("-" if desc else "") + f for f in fields], "employee_id")
    else:
        qs = qs.order_by("last_name", "first_name", "employee_id")
    return qs


def technician_get_for_user(*, user, employee_id: str) -> Technician:
    """The technician with this business key, or Http404 (never a bare .get() in entry points)."""
    tech = Technician.objects.select_related("district__region").filter(employee_id=employee_id).first()
    if tech is None:
        raise Http404(f"No technician with employee_id {employee_id!r}.")
    return tech


def technician_to_dict(*, user, technician: Technician, as_of: date | None = None) -> dict[str, Any]:
    """The technician as the user may see it: sensitive fields are absent (not null) for recruiters."""
    t = technician
    data = {
        "id": str(t.id),
        "employee_id": t.employee_id,
        "first_name": t.first_name,
        "last_name": t.last_name,
        "email": t.email,
        "district": t.district.code,
        "district_name": t.district.name,
        "region": t.district.region.code,
        "region_name": t.district.region.name,
        "trade": t.trade,
        "hire_date": t.hire_date,
        "termination_date": t.termination_date,
        "termination_type": t.termination_type or None,
        "termination_reason": t.termination_reason,
        "schedule_type": t.schedule_type,
        "commute_miles": float(t.commute_miles) if t.commute_miles is not None else None,
        "certifications": t.certifications,
        "pay_rate": float(t.pay_rate) if t.pay_rate is not None else None,
        "performance_rating": float(t.performance_rating) if t.performance_rating is not None else None,
        "tenure_years": round(t.tenure_days(as_of) / 365.25, 2),
        "is_active": t.is_active_on(as_of or date.today()),
        "attributes": t.attributes or {},
    }
    return redact(user, data)


def snapshot_list_for_user(*, user, technician: Technician, limit: int = 36) -> list[dict[str, Any]]:
    rows = TechnicianSnapshot.objects.filter(technician=technician).order_by("-month")[:limit]
    out = []
    for s in rows:
        out.append(
            {
                "month": s.month,
                "jobs_completed": s.jobs_completed,
                "first_time_fix_rate": s.first_time_fix_rate,
                "callbacks": s.callbacks,
                "csat": s.csat,
                "overtime_hours": s.overtime_hours,
                "drive_time_minutes": s.drive_time_minutes,
                "utilization": s.utilization,
                "training_hours": s.training_hours,
                "pay_rate": float(s.pay_rate) if s.pay_rate is not None else None,
            }
        )
    return redact(user, out)


def candidate_to_dict(*, user, candidate: Candidate) -> dict[str, Any]:
    c = candidate
    data = {
        "id": str(c.id),
        "candidate_id": c.candidate_id,
        "first_name": c.first_name,
        "last_name": c.last_name,
        "email": c.email,
        "district": c.district.code,
        "district_name": c.district.name,
        "region": c.district.region.code,
        "trade": c.trade,
        "source": c.source,
        "applied_date": c.applied_date,
        "years_experience": c.years_experience,
        "certifications": c.certifications,
        "assessment_score": c.assessment_score,
        "interview_score": c.interview_score,
        "commute_miles": float(c.commute_miles) if c.commute_miles is not None else None,
        "stage": c.stage,
        "offer_date": c.offer_date,
        "expected_start_date": c.expected_start_date,
        "offered_pay_rate": float(c.offered_pay_rate) if c.offered_pay_rate is not None else None,
        "hired_employee_id": c.hired_technician.employee_id if c.hired_technician_id else None,
        "attributes": c.attributes or {},
    }
    return redact(user, data)


def candidate_get_for_user(*, user, candidate_id: str) -> Candidate:
    c = (
        Candidate.objects.select_related("district__region", "hired_technician")
        .filter(candidate_id=candidate_id)
        .first()
    )
    if c is None:
        raise Http404(f"No candidate with candidate_id {candidate_id!r}.")
    return c


def district_get(*, code: str) -> District:
    d = District.objects.select_related("region").filter(code=code).first()
    if d is None:
        raise Http404(f"No district with code {code!r}.")
    return d


def region_get(*, code: str) -> Region:
    r = Region.objects.filter(code=code).first()
    if r is None:
        raise Http404(f"No region with code {code!r}.")
    return r
