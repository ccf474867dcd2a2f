"""REST endpoints under /api/v1/analytics/: overview, trends, survival, segment comparison, risk history, counts.

Thin entry points over analytics.selectors; bad input is a JSON 4xx, never a 500.
"""

from __future__ import annotations

from django.http import Http404
from ninja import Query, Router

from analytics import selectors
from analytics.population import AnalyticsInputError, Filters
from analytics.schemas import (
    CompareFilters,
    CompareOut,
    CountFilters,
    CountOut,
    DepartureFilters,
    ErrorOut,
    OverviewOut,
    PipelineFilters,
    PipelineOut,
    PlaceFilters,
    RiskPointOut,
    SurvivalFilters,
    SurvivalOut,
    TrendFilters,
    TrendsOut,
)
from analytics.segments import Segment
from core.access import requires
from core.openapi import domain_errors
from core.permissions import VIEW_PREDICTIONS, VIEW_TECHNICIANS

router = Router(tags=["analytics"])
ERRORS = {401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut}


def _guarded(fn):
    """The caller needs core.view_technicians (a user without a role gets 403); domain errors → 4xx."""
    from predictions.selectors import NoModelError

    errors = domain_errors({NoModelError: 409, (AnalyticsInputError, ValueError): 422})
    return requires(VIEW_TECHNICIANS)(errors(fn))  # the permission, checked through the one access helper


def _place(f) -> Filters:
    return Filters(region=f.region, district=f.district, trade=f.trade, schedule=getattr(f, "schedule", None))


@router.get("overview", response={200: OverviewOut, **ERRORS}, summary="Overview tiles with sparklines")
@_guarded
def overview(request, filters: Query[PlaceFilters]):
    return selectors.overview(filters=_place(filters))


@router.get("trends", response={200: TrendsOut, **ERRORS}, summary="Monthly turnover and headcount by one split")
@_guarded
def trends(request, filters: Query[TrendFilters]):
    return selectors.trends(filters=_place(filters), split=filters.split, months=filters.months)


@router.get(
    "survival", response={200: SurvivalOut, **ERRORS}, summary="Kaplan–Meier retention curves and log-rank test"
)
@_guarded
def survival(request, filters: Query[SurvivalFilters]):
    return selectors.survival_curves(
        filters=_place(filters), by=filters.by, event=filters.event, group_a=filters.group_a,
        group_b=filters.group_b, max_months=filters.max_months,
    )  # fmt: skip


def segments_from(f) -> tuple[Segment, Segment]:
    def one(p: str) -> Segment:
        g = lambda k: getattr(f, f"{p}_{k}")  # noqa: E731
        return Segment(Filters(region=g("region"), district=g("district"), trade=g("trade"), schedule=g("schedule")),
                       band=g("band"), as_of=g("as_of"))  # fmt: skip

    return one("a"), one("b")


@router.get(
    "compare", response={200: CompareOut, **ERRORS},
    summary="Compare two segments: difference in average risk decomposed exactly by model term",
)  # fmt: skip
@_guarded
def compare(request, filters: Query[CompareFilters]):
    a, b = segments_from(filters)
    return selectors.segment_compare(user=request.user, a=a, b=b)


@router.get(
    "technicians/{employee_id}/risk-history", response={200: list[RiskPointOut], **ERRORS},
    summary="Score and band at each scoring of one technician",
)  # fmt: skip
@_guarded
@requires(VIEW_PREDICTIONS)  # a person's risk history: the predictions permission too
def risk_history(request, employee_id: str):
    if "\x00" in employee_id:
        raise Http404("No technician with that employee_id.")
    return selectors.risk_history(user=request.user, employee_id=employee_id)


@router.get("counts/departures", response={200: CountOut, **ERRORS}, summary="Departures in a period")
@_guarded
def departures(request, filters: Query[DepartureFilters]):
    return selectors.departures_count(
        filters=_place(filters), year=filters.year, start=filters.start, end=filters.end, kind=filters.kind,
        first_year=filters.first_year,
    )  # fmt: skip


@router.get("counts/hires", response={200: CountOut, **ERRORS}, summary="Hires in a period")
@_guarded
def hires(request, filters: Query[CountFilters]):
    return selectors.hires_count(filters=_place(filters), year=filters.year, start=filters.start, end=filters.end)


@router.get(
    "pipeline", response={200: PipelineOut, **ERRORS},
    summary="Hiring pipeline: yield (applied → hired → still employed at 90 days) and time-to-fill by source or place",
)  # fmt: skip
@_guarded
def pipeline(request, filters: Query[PipelineFilters]):
    return selectors.pipeline_yield(filters=_place(filters), by=filters.by, start=filters.start, end=filters.end)
