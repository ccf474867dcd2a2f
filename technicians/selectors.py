"""Reads for technicians, candidates, districts and demand.

Every function that returns people data takes ``user`` and applies the visibility rule from
technicians.visibility, so pages, API, exports and assistant tools cannot disagree.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from django.db.models import Count, DurationField, ExpressionWrapper, F, Q, QuerySet, Value
from django.db.models.functions import Coalesce, Least
from django.http import Http404

from core.roles import user_can_view_sensitive
from technicians.models import (
    PROTECTED_FIELDS,
    Candidate,
    CandidateSource,
    CandidateStage,
    District,
    Region,
    Technician,
    TechnicianSnapshot,
    Trade,
)
from technicians.visibility import field_visible, is_sensitive_name, redact, visible_names  # noqa: F401

TECHNICIAN_FIELDS = [
    "id", "employee_id", "first_name", "last_name", "email", "district", "region", "trade",
    "hire_date", "termination_date", "termination_type", "termination_reason", "schedule_type",
    "commute_miles", "certifications", "pay_rate", "performance_rating", "sex", "race_ethnicity", "tenure_years",
    "is_active", "attributes",
]  # fmt: skip

TECHNICIAN_ORDERINGS = {
    "name": ("last_name", "first_name"),
    "employee_id": ("employee_id",),
    "district": ("district__name", "last_name"),
    "trade": ("trade", "last_name"),
    "hire_date": ("hire_date",),
    "pay_rate": ("pay_rate",),
    "tenure": ("tenure_span",),  # annotated in technician_list: hire date → leaving date (or as_of)
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
    qs = _filter_places(qs, region=region, district=district, prefix="district__")
    if trade:
        _check_choice("trade", trade, Trade.values)
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
    qs = _search(qs, q, "employee_id")
    if ordering:
        desc = ordering.startswith("-")
        key = ordering.lstrip("-")
        allowed = [k for k in TECHNICIAN_ORDERINGS if field_visible(user, k)]
        if key not in allowed:
            raise SelectorError(f"ordering must be one of {', '.join(allowed)} (optionally prefixed by '-').")
        fields = TECHNICIAN_ORDERINGS[key]
        if key == "tenure":
            end = Least(Coalesce(F("termination_date"), Value(as_of)), Value(as_of))
            qs = qs.annotate(tenure_span=ExpressionWrapper(end - F("hire_date"), output_field=DurationField()))
        qs = qs.order_by(*[("-" if desc else "") + f for f in fields], "employee_id")
    else:
        qs = qs.order_by("last_name", "first_name", "employee_id")
    return qs


def technician_get_for_user(*, user, employee_id: str) -> Technician:
    """The technician with this business key, or Http404 (never a bare .get() in entry points)."""
    tech = None
    if _is_key(employee_id):
        tech = Technician.objects.select_related("district__region").filter(employee_id=employee_id).first()
    if tech is None:
        raise Http404(f"No technician with employee_id {employee_id!r}.")
    return tech


def technician_to_dict(*, user, technician: Technician, as_of: date | None = None) -> dict[str, Any]:
    """The technician as the user may see it: sensitive fields are absent (not null) for recruiters."""
    t = technician
    row = {name: getattr(t, name) for name in TECHNICIAN_COLUMNS if "__" not in name}
    row.update(
        district__code=t.district.code,
        district__name=t.district.name,
        district__region__code=t.district.region.code,
        district__region__name=t.district.region.name,
    )
    return redact(user, _technician_row(row, as_of or date.today()))


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
        "sex": c.sex,
        "race_ethnicity": c.race_ethnicity,
        "attributes": c.attributes or {},
    }
    return redact(user, data)


def candidate_for_technician(*, user, technician: Technician) -> dict[str, Any] | None:
    """The candidate record this technician was hired from, as ``user`` may see it, or None."""
    c = (
        Candidate.objects.select_related("district__region", "hired_technician")
        .filter(hired_technician=technician)
        .first()
    )
    return candidate_to_dict(user=user, candidate=c) if c else None


def candidate_get_for_user(*, user, candidate_id: str) -> Candidate:
    c = None
    if _is_key(candidate_id):
        c = (
            Candidate.objects.select_related("district__region", "hired_technician")
            .filter(candidate_id=candidate_id)
            .first()
        )
    if c is None:
        raise Http404(f"No candidate with candidate_id {candidate_id!r}.")
    return c


def district_get(*, code: str) -> District:
    d = District.objects.select_related("region").filter(code=code).first() if _is_key(code) else None
    if d is None:
        raise Http404(f"No district with code {code!r}.")
    return d


def region_get(*, code: str) -> Region:
    r = Region.objects.filter(code=code).first() if _is_key(code) else None
    if r is None:
        raise Http404(f"No region with code {code!r}.")
    return r


# --------------------------------------------------------------------------- list pages, API and exports
# One builder for every technician payload (detail, list page, API, CSV export), so they cannot drift.
TECHNICIAN_COLUMNS = (
    "id", "employee_id", "first_name", "last_name", "email", "district__code", "district__name",
    "district__region__code", "district__region__name", "trade", "hire_date", "termination_date",
    "termination_type", "termination_reason", "schedule_type", "commute_miles", "certifications", "pay_rate",
    "performance_rating", "sex", "race_ethnicity", "attributes",
)  # fmt: skip
_KEY_CHARS = re.compile(r"^[A-Za-z0-9_.\-]{1,60}$")


def _is_key(value: str | None) -> bool:
    """A business key/code is short and printable; anything else (NUL bytes, 10 kB strings) matches nothing."""
    return bool(value) and bool(_KEY_CHARS.match(value))


def _check_choice(param: str, value: str, valid) -> None:
    if value not in valid:
        raise SelectorError(f"{param} must be one of {', '.join(valid)} (got {value!r}).")


def _check_code(param: str, value: str, model) -> None:
    if not _is_key(value) or not model.objects.filter(code=value).exists():
        codes = list(model.objects.order_by("code").values_list("code", flat=True)[:50])
        raise SelectorError(f"unknown {param} {value!r}; valid codes: {', '.join(codes) or '(none)'}.")


def places_validate(*, region: str | None = None, district: str | None = None) -> None:
    """Raise SelectorError naming an unknown region/district code (every ranking and list uses the same rule)."""
    if region:
        _check_code("region", region, Region)
    if district:
        _check_code("district", district, District)


def _filter_places(qs, *, region: str | None, district: str | None, prefix: str):
    """Filter by region/district business codes; an unknown code is an error naming it, not an empty list."""
    if region:
        _check_code("region", region, Region)
        qs = qs.filter(**{f"{prefix}region__code": region})
    if district:
        _check_code("district", district, District)
        qs = qs.filter(**{f"{prefix}code": district})
    return qs


def _search(qs, q: str | None, key_field: str):
    """Case-insensitive search on the business key, names and email. NUL bytes are dropped."""
    q = (q or "").replace("\x00", "").strip()[:100]
    if not q:
        return qs
    return qs.filter(
        Q(**{f"{key_field}__icontains": q})
        | Q(first_name__icontains=q)
        | Q(last_name__icontains=q)
        | Q(email__icontains=q)
    )


def _as_float(value) -> float | None:
    return float(value) if value is not None else None


def _technician_row(row: dict[str, Any], as_of: date) -> dict[str, Any]:
    """Shape one technician (a ``.values()`` row) as the public payload; pay keys only if fetched."""
    hire, end = row["hire_date"], row["termination_date"]
    last_day = min(as_of, end) if end else as_of
    data = {
        "id": str(row["id"]),
        "employee_id": row["employee_id"],
        "first_name": row["first_name"],
        "last_name": row["last_name"],
        "email": row["email"],
        "district": row["district__code"],
        "district_name": row["district__name"],
        "region": row["district__region__code"],
        "region_name": row["district__region__name"],
        "trade": row["trade"],
        "hire_date": hire,
        "termination_date": end,
        "termination_type": row["termination_type"] or None,
        "schedule_type": row["schedule_type"],
        "commute_miles": _as_float(row["commute_miles"]),
        "certifications": row["certifications"],
        "tenure_years": round(max((last_day - hire).days, 0) / 365.25, 2),
        "is_active": hire <= as_of and (end is None or end > as_of),
        "attributes": row["attributes"] or {},
    }
    if "termination_reason" in row:  # HR-only (visibility rule)
        data["termination_reason"] = row["termination_reason"]
    if "pay_rate" in row:
        data["pay_rate"] = _as_float(row["pay_rate"])
    if "performance_rating" in row:
        data["performance_rating"] = _as_float(row["performance_rating"])
    for name in PROTECTED_FIELDS:
        if name in row:
            data[name] = row[name]
    return data


def technician_page(
    *, user, technicians: QuerySet[Technician], limit: int, offset: int = 0, as_of: date | None = None
) -> list[dict[str, Any]]:
    """One page of ``technicians`` (from technician_list) as payload dicts, in two cheap queries' worth.

    HR-only columns are not even fetched for users who may not see them; the rows are built from
    ``.values()`` (no model instances) because this is the hot path of the list API and page.
    """
    as_of = as_of or date.today()
    can_see_all = user_can_view_sensitive(user)
    columns = TECHNICIAN_COLUMNS if can_see_all else visible_names(user, TECHNICIAN_COLUMNS)
    rows = technicians.values(*columns)[offset : offset + limit]
    out = [_technician_row(r, as_of) for r in rows]
    if not can_see_all:  # one redact call for the whole page (it checks the user's permission once)
        for d, attrs in zip(out, redact(user, [d["attributes"] for d in out]), strict=True):
            d["attributes"] = attrs
    return out


def technician_keyset_page(
    *, user, technicians: QuerySet[Technician], limit: int, offset: int = 0, cursor: str | None = None,
    ordered: bool = False,
) -> dict[str, Any]:  # fmt: skip
    """A page of ``technicians`` by offset or by the keyset ``cursor`` of the previous page, with the cursor of
    the next one. Keyset paging follows the default order (last name, first name, employee id), whose index
    makes the next page a seek however deep it is; with another ``ordering`` only offsets apply."""
    from core.pagination import keyset_decode, keyset_encode

    if cursor and ordered:
        raise SelectorError("cursor pages follow the default order: drop ordering, or page with offset.")
    if cursor:
        try:
            last, first, emp = keyset_decode(cursor, types=(str, str, str))
        except ValueError as exc:
            raise SelectorError(str(exc)) from None
        technicians = technicians.extra(  # noqa: S610 - a row comparison the (last, first, id) index can seek
            where=['("technicians_technician"."last_name", "technicians_technician"."first_name", '
                   '"technicians_technician"."employee_id") > (%s, %s, %s)'],
            params=[last, first, emp],
        )  # fmt: skip
        offset = 0
    items = technician_page(user=user, technicians=technicians, limit=limit + 1, offset=offset)
    more, items = len(items) > limit, items[:limit]
    nxt = None
    if more and items and not ordered:
        nxt = keyset_encode(items[-1]["last_name"], items[-1]["first_name"], items[-1]["employee_id"])
    return {"items": items, "next_cursor": nxt}


def technician_counts(*, technicians: QuerySet[Technician], as_of: date | None = None) -> dict[str, int]:
    """Total, active and left counts for a filtered technician queryset.

    One aggregate query, cached under the table's revision (a sequence bumped by a statement trigger on
    every write to technicians, migration 0006_h15b): the 10th request for the same filters costs a cache
    read, and any insert, update or delete makes the next request count again. A 60 s lifetime bounds the
    one race (a count taken while a write was still uncommitted)."""
    from django.core.cache import cache

    as_of = as_of or date.today()
    key = _counts_key(technicians, as_of)
    hit = cache.get(key) if key else None
    if hit is not None:
        return hit
    active = Q(hire_date__lte=as_of) & (Q(termination_date__isnull=True) | Q(termination_date__gt=as_of))
    agg = technicians.order_by().aggregate(total=Count("id"), active=Count("id", filter=active))
    counts = {"total": agg["total"], "active": agg["active"], "left": agg["total"] - agg["active"]}
    if key:
        cache.set(key, counts, 60)
    return counts


def _counts_key(technicians: QuerySet, as_of: date) -> str | None:
    import hashlib

    from django.core.exceptions import EmptyResultSet
    from django.db import connection

    try:
        sql, params = technicians.order_by().query.sql_with_params()
    except EmptyResultSet:  # e.g. an empty id list: counting is free anyway
        return None
    with connection.cursor() as cur:
        cur.execute("SELECT last_value, is_called FROM technicians_technician_rev")
        rev = cur.fetchone()
    digest = hashlib.sha1(f"{sql}|{params!r}|{as_of}|{rev}".encode(), usedforsecurity=False).hexdigest()
    return f"technicians:counts:{digest}"


CANDIDATE_ORDERINGS = {
    "applied_date": ("applied_date",),
    "candidate_id": ("candidate_id",),
    "name": ("last_name", "first_name"),
    "stage": ("stage", "-applied_date"),
    "assessment_score": ("assessment_score",),
}


def candidate_list(
    *,
    user,
    region: str | None = None,
    district: str | None = None,
    trade: str | None = None,
    stage: str | None = None,
    source: str | None = None,
    q: str | None = None,
    ordering: str | None = None,
) -> QuerySet[Candidate]:
    """Candidates filtered by business keys (newest applications first). Raises SelectorError on bad input."""
    qs = Candidate.objects.select_related("district__region", "hired_technician")
    qs = _filter_places(qs, region=region, district=district, prefix="district__")
    if trade:
        _check_choice("trade", trade, Trade.values)
        qs = qs.filter(trade=trade)
    if stage:
        _check_choice("stage", stage, CandidateStage.values)
        qs = qs.filter(stage=stage)
    if source:
        _check_choice("source", source, CandidateSource.values)
        qs = qs.filter(source=source)
    qs = _search(qs, q, "candidate_id")
    if ordering:
        key = ordering.lstrip("-")
        _check_choice("ordering", key, list(CANDIDATE_ORDERINGS))
        sign = "-" if ordering.startswith("-") else ""
        return qs.order_by(*[sign + f for f in CANDIDATE_ORDERINGS[key]], "candidate_id")
    return qs.order_by("-applied_date", "candidate_id")


def _active_filter(prefix: str, as_of: date) -> Q:
    return Q(**{f"{prefix}hire_date__lte": as_of}) & (
        Q(**{f"{prefix}termination_date__isnull": True}) | Q(**{f"{prefix}termination_date__gt": as_of})
    )


def region_list(*, as_of: date | None = None, with_counts: bool = True) -> QuerySet[Region]:
    """Regions (by name), with ``district_count`` and ``active_technicians`` annotations if ``with_counts``."""
    if not with_counts:
        return Region.objects.order_by("name")
    as_of = as_of or date.today()
    return Region.objects.annotate(
        district_count=Count("districts", distinct=True),
        active_technicians=Count(
            "districts__technicians", filter=_active_filter("districts__technicians__", as_of), distinct=True
        ),
    ).order_by("name")


def district_list(
    *, region: str | None = None, as_of: date | None = None, with_counts: bool = True
) -> QuerySet[District]:
    """Districts (optionally of one region; unknown code → SelectorError) by name, with an
    ``active_technicians`` annotation if ``with_counts``."""
    as_of = as_of or date.today()
    qs = District.objects.select_related("region")
    if region:
        _check_code("region", region, Region)
        qs = qs.filter(region__code=region)
    if not with_counts:
        return qs.order_by("name")
    return qs.annotate(active_technicians=Count("technicians", filter=_active_filter("technicians__", as_of))).order_by(
        "name"
    )


def district_to_dict(*, district: District, as_of: date | None = None) -> dict[str, Any]:
    active = getattr(district, "active_technicians", None)
    if active is None:  # not annotated by district_list
        active = district.technicians.filter(_active_filter("", as_of or date.today())).count()
    return {
        "code": district.code,
        "name": district.name,
        "region": district.region.code,
        "region_name": district.region.name,
        "climate": district.climate,
        "active_technicians": active,
    }


# --------------------------------------------------------------------------- bias audits
def demographics_for(*, kind: str, ids: list) -> dict[str, tuple[str, str]]:
    """Self-reported (sex, race_ethnicity) by record id (``kind`` "technicians" or "candidates").

    For bias audits only: callers aggregate these into category counts and never return them per
    person (the audit itself carries no names or ids).
    """
    model = {"technicians": Technician, "candidates": Candidate}[kind]
    rows = model.objects.filter(pk__in=list(ids)).values_list("pk", *PROTECTED_FIELDS)
    return {str(pk): (sex, race) for pk, sex, race in rows}


def place_names() -> dict[str, str]:
    """District and region codes → names, for showing codes in words (cached briefly)."""
    from django.core.cache import cache

    names = cache.get("place_names")
    if names is None:
        names = dict(Region.objects.values_list("code", "name"))
        names.update(District.objects.values_list("code", "name"))
        cache.set("place_names", names, 300)
    return names


def employee_ids_by_pk(pks: list[str]) -> dict[str, str]:
    """{technician primary key (as text): employee_id} for the given keys, in one query."""
    return {str(pk): emp for pk, emp in Technician.objects.filter(pk__in=pks).values_list("pk", "employee_id")}
