"""REST endpoints under /api/v1/worklist/. Thin: every call goes through worklist selectors/services."""

from __future__ import annotations

from ninja import Router

from core.access import requires
from core.openapi import domain_errors
from core.pagination import clamp_limit
from core.params import Code, Limit, Offset
from core.permissions import WORK_RISK_LIST
from worklist import selectors, services
from worklist.schemas import (
    CaseIn,
    EnrolIn,
    EnrolOut,
    Status,
    TechnicianWorklistOut,
    WatchIn,
    WatchOut,
    WorklistPage,
)

router = Router(tags=["worklist"])
Sort = Code


_errors = domain_errors({services.WorklistError: 422, ValueError: 422})  # domain errors → JSON 4xx


@router.get("", response=WorklistPage, summary="The risk worklist: latest scores with owner, status, watchlist",
            description="Every column sorts (`sort`: " + ", ".join(selectors.SORTS) + "; prefix `-` for descending). "
            "`owner` is `me`, `none` or a username; `watched=true` keeps the caller's watchlist only. Restricted "
            "(pay/performance) reasons are folded into one line for roles that may not see them.")  # fmt: skip
@_errors
@requires(WORK_RISK_LIST, audit="risk")
def worklist_list(
    request, region: Code | None = None, district: Code | None = None, trade: Code | None = None,
    band: Code | None = None, status: Status | None = None, owner: Code | None = None, watched: bool = False,
    sort: Sort = "-score", limit: Limit | None = None, offset: Offset = 0,
):  # fmt: skip
    f = selectors.WorklistFilters(region=region, district=district, trade=trade, band=band, status=status,
                                  owner=owner, watched=watched, sort=sort)  # fmt: skip
    limit = clamp_limit(limit)
    page = selectors.worklist(user=request.user, filters=f, limit=limit, offset=offset)
    return {**page, "limit": limit, "offset": offset}


@router.get("technicians/{employee_id}", response=TechnicianWorklistOut,
            summary="One technician's worklist record: status, owner, note, programs and the history of actions")  # fmt: skip
@_errors
@requires(WORK_RISK_LIST, audit="technician", subject="employee_id")
def technician_worklist(request, employee_id: str):
    return selectors.technician_worklist(user=request.user, employee_id=employee_id)


@router.post("technicians/{employee_id}", response={200: TechnicianWorklistOut, 422: dict},
             summary="Set status / owner, add a note (each change is recorded in the history)")  # fmt: skip
@_errors
@requires(WORK_RISK_LIST)
def technician_update(request, employee_id: str, payload: CaseIn):
    user = request.user
    services.case_update(user=user, employee_id=employee_id, status=payload.status,
                         owner=services.UNSET if payload.owner is None else payload.owner, note=payload.note, via="api")  # fmt: skip
    return 200, selectors.technician_worklist(user=user, employee_id=employee_id)


@router.post(
    "watch", response={200: WatchOut, 422: dict}, summary="Add technicians to / remove them from your watchlist"
)
@_errors
@requires(WORK_RISK_LIST)
def watch(request, payload: WatchIn):
    n = services.watch_set(user=request.user, employee_ids=payload.employee_ids,
                           watched=payload.watched, via="api")  # fmt: skip
    return 200, {"changed": n}


@router.post("enrol", response={200: EnrolOut, 422: dict},
             summary="Enrol technicians in a retention program (bulk, all-or-nothing; repeats are skipped)")  # fmt: skip
@_errors
@requires(WORK_RISK_LIST)
def enrol(request, payload: EnrolIn):
    return 200, services.programs_enrol(user=request.user, employee_ids=payload.employee_ids,
                                        program_id=payload.program_id, via="api")  # fmt: skip
