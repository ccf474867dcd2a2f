"""REST API for technicians, candidates, regions and districts (mounted at /api/v1/).

Thin entry points: every payload is built by technicians.selectors (which applies the pay/performance
visibility rule), and every list is paginated with a bounded ``limit`` (core.pagination).
"""

from django.http import Http404
from ninja import Query, Router
from ninja.errors import HttpError

from core.access import requires
from core.pagination import PageParams, clamp_limit
from core.params import Code
from core.permissions import AUTHENTICATED, VIEW_TECHNICIANS
from core.roles import user_can_view_sensitive, user_role
from technicians import selectors
from technicians.schemas import (
    CandidateFilters,
    CandidateOut,
    CandidatePage,
    DistrictOut,
    DistrictPage,
    ErrorOut,
    MeOut,
    RegionOut,
    SnapshotPage,
    TechnicianFilters,
    TechnicianOut,
    TechnicianPage,
)
from technicians.selectors import SelectorError

router = Router(tags=["technicians"])

ERRORS = {401: ErrorOut, 403: ErrorOut, 422: ErrorOut}
NOT_FOUND = {**ERRORS, 404: ErrorOut}


def _found(fn, **kwargs):
    """Call a ``*_get*`` selector and turn its Http404 into a JSON 404 that names the key."""
    try:
        return fn(**kwargs)
    except Http404 as exc:
        raise HttpError(404, str(exc))


def _selected(fn, **kwargs):
    try:
        return fn(**kwargs)
    except SelectorError as exc:
        raise HttpError(422, str(exc))


@router.get("me", response={200: MeOut, 401: ErrorOut}, summary="Who am I (user, role, pay visibility)")
@requires(AUTHENTICATED)
def me(request):
    return {
        "username": request.user.get_username(),
        "role": user_role(request.user),
        "can_view_sensitive": user_can_view_sensitive(request.user),
    }


@router.get(
    "technicians",
    response={200: TechnicianPage, **ERRORS},
    exclude_unset=True,
    summary="List technicians",
    description=(
        "Filter by region/district code, trade, status (`active` | `left`), hire year and a search string; "
        "paginate with `limit` (1..API_MAX_LIMIT) and `offset`. Pay and performance fields are present only "
        "for HR users. Unknown codes and bad values get a 422 naming the parameter."
    ),
)
@requires(VIEW_TECHNICIANS, audit="technician")
def technicians_list(request, filters: Query[TechnicianFilters]):
    limit = clamp_limit(filters.limit)
    qs = _selected(
        selectors.technician_list,
        user=request.user,
        region=filters.region,
        district=filters.district,
        trade=filters.trade,
        status=filters.status,
        hire_year=filters.hire_year,
        q=filters.q,
        ordering=filters.ordering,
    )
    page = _selected(
        selectors.technician_keyset_page, user=request.user, technicians=qs, limit=limit, offset=filters.offset,
        cursor=filters.cursor, ordered=bool(filters.ordering),
    )  # fmt: skip
    items = page["items"]
    # a short first page already tells the total; otherwise the (cached) count
    first = filters.offset == 0 and not filters.cursor
    count = len(items) if first and len(items) < limit else selectors.technician_counts(technicians=qs)["total"]
    return {
        "count": count,
        "limit": limit,
        "offset": filters.offset,
        "items": items,
        "next_cursor": page["next_cursor"],
    }


@router.get(
    "technicians/{employee_id}",
    response={200: TechnicianOut, **NOT_FOUND},
    exclude_unset=True,
    summary="One technician by employee_id",
)
@requires(VIEW_TECHNICIANS, audit="technician", subject="employee_id")
def technician_detail(request, employee_id: str):
    tech = _found(selectors.technician_get_for_user, user=request.user, employee_id=employee_id)
    return selectors.technician_to_dict(user=request.user, technician=tech)


@router.get(
    "technicians/{employee_id}/snapshots",
    response={200: SnapshotPage, **NOT_FOUND},
    exclude_unset=True,
    summary="Monthly snapshots of one technician (newest first)",
)
@requires(VIEW_TECHNICIANS, audit="snapshots", subject="employee_id")
def technician_snapshots(request, employee_id: str, page: Query[PageParams]):
    limit = clamp_limit(page.limit)
    tech = _found(selectors.technician_get_for_user, user=request.user, employee_id=employee_id)
    rows = selectors.snapshot_list_for_user(user=request.user, technician=tech, limit=page.offset + limit)
    count = tech.snapshots.count()
    return {"count": count, "limit": limit, "offset": page.offset, "items": rows[page.offset :]}


@router.get(
    "candidates",
    response={200: CandidatePage, **ERRORS},
    exclude_unset=True,
    summary="List candidates",
    description="Filter by region/district code, trade, stage, source and a search string; newest first.",
)
@requires(VIEW_TECHNICIANS, audit="candidate")
def candidates_list(request, filters: Query[CandidateFilters]):
    limit = clamp_limit(filters.limit)
    qs = _selected(
        selectors.candidate_list,
        user=request.user,
        region=filters.region,
        district=filters.district,
        trade=filters.trade,
        stage=filters.stage,
        source=filters.source,
        q=filters.q,
        ordering=filters.ordering,
    )
    rows = qs[filters.offset : filters.offset + limit]
    items = [selectors.candidate_to_dict(user=request.user, candidate=c) for c in rows]
    return {"count": qs.count(), "limit": limit, "offset": filters.offset, "items": items}


@router.get(
    "candidates/{candidate_id}",
    response={200: CandidateOut, **NOT_FOUND},
    exclude_unset=True,
    summary="One candidate by candidate_id",
)
@requires(VIEW_TECHNICIANS, audit="candidate", subject="candidate_id")
def candidate_detail(request, candidate_id: str):
    cand = _found(selectors.candidate_get_for_user, user=request.user, candidate_id=candidate_id)
    return selectors.candidate_to_dict(user=request.user, candidate=cand)


@router.get("regions", response={200: list[RegionOut], **ERRORS}, summary="Regions with headcount")
@requires(VIEW_TECHNICIANS)
def regions_list(request):
    return list(selectors.region_list())


@router.get(
    "districts",
    response={200: DistrictPage, **ERRORS},
    summary="List districts (optionally of one region)",
)
@requires(VIEW_TECHNICIANS)
def districts_list(request, page: Query[PageParams], region: Code | None = None):
    limit = clamp_limit(page.limit)
    qs = _selected(selectors.district_list, region=region)
    items = [selectors.district_to_dict(district=d) for d in qs[page.offset : page.offset + limit]]
    return {"count": qs.count(), "limit": limit, "offset": page.offset, "items": items}


@router.get("districts/{code}", response={200: DistrictOut, **NOT_FOUND}, summary="One district by code")
@requires(VIEW_TECHNICIANS)
def district_detail(request, code: str):
    district = _found(selectors.district_get, code=code)
    return selectors.district_to_dict(district=district)
