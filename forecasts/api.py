"""/api/v1/forecasts/: runs (list, trigger, detail, status), one series, hiring plan (JSON and CSV)."""

from __future__ import annotations

from uuid import UUID

from django.shortcuts import get_object_or_404
from ninja import Field, Query, Router, Schema
from ninja.errors import HttpError

from core.access import requires
from core.openapi import ErrorOut
from core.pagination import PageParams, paginate
from core.params import Code
from core.permissions import EXPORT_DATA, PUBLISH_FORECAST, START_FORECAST_RUN, VIEW_FORECASTS
from forecasts import selectors, services
from forecasts.models import ForecastRun
from forecasts.schemas import (
    ForecastSeriesOut,
    Level,
    Metric,
    PlanOut,
    PublicationOut,
    RunDetailOut,
    RunIn,
    RunOut,
    RunPage,
    RunStatusOut,
)
from technicians.models import Trade

router = Router(tags=["forecasts"])


def _input_error(exc: Exception):
    """Bad values (unknown code, weeks beyond the horizon) → 422 like every endpoint; nothing forecast yet → 404."""
    if isinstance(exc, selectors.ForecastInputError):
        raise HttpError(422, str(exc))
    raise HttpError(404, str(exc))


NO_FORECAST = {404: ErrorOut}


@router.get("runs", response=RunPage, summary="List forecast runs (newest first)")
@requires(VIEW_FORECASTS)
def list_runs(request, page: Query[PageParams]):
    return paginate(selectors.forecast_run_list(), limit=page.limit, offset=page.offset)


@router.post(
    "runs", response={202: RunOut, 409: ErrorOut}, summary="Start a forecast run (queued on Celery; 409 while one runs)"
)
@requires(START_FORECAST_RUN)
def start_run(request, payload: RunIn):
    try:
        run = services.forecast_run_start(**payload.dict(), requested_by=request.user)
    except selectors.ForecastInputError as exc:
        _input_error(exc)
    return 202, run


@router.get("runs/{run_id}", response=RunDetailOut, summary="A run with its series and forecast points")
@requires(VIEW_FORECASTS)
def get_run(request, run_id: UUID):
    run = get_object_or_404(ForecastRun, pk=run_id)
    run.series_list = list(selectors.run_series(run=run))
    data = RunOut.from_orm(run).dict()
    data["series"] = run.series_list
    return data


@router.get("runs/{run_id}/status", response=RunStatusOut, summary="Poll a run's status and progress")
@requires(VIEW_FORECASTS)
def run_status(request, run_id: UUID):
    return get_object_or_404(ForecastRun, pk=run_id)


@router.get(
    "series", response={200: ForecastSeriesOut, **NO_FORECAST}, summary="History, forecast and backtest of one series"
)
@requires(VIEW_FORECASTS)
def get_series(request, metric: Metric, level: Level = "company", key: Code | None = None, run_id: UUID | None = None):
    try:
        return selectors.forecast_series(metric=metric, level=level, key=key, run_id=run_id)
    except (selectors.ForecastInputError, selectors.NoForecastError) as exc:
        _input_error(exc)


def _plan(request, weeks, region, district, trade, sort, demand_pct, capacity_pct, program, program_district,
          program_trade):  # fmt: skip
    from forecasts.hiring_plan import Scenario

    scenario = Scenario(
        demand_pct=demand_pct, capacity_pct=capacity_pct, program_id=program,
        program_district=program_district or None, program_trade=program_trade or None,
    )  # fmt: skip
    try:
        return selectors.hiring_plan_report(
            weeks=weeks, region=region, district=district, trade=trade, scenario=scenario,
            sort=sort or selectors.DEFAULT_PLAN_SORT,
        )  # fmt: skip
    except (selectors.ForecastInputError, selectors.NoForecastError) as exc:
        _input_error(exc)
    except LookupError as exc:  # an unknown retention program
        raise HttpError(404, str(exc)) from exc


class PlanQuery(Schema):
    weeks: int = Field(12, ge=1, le=52, description="Weeks ahead (at most the published demand forecast's horizon).")
    region: Code | None = None
    district: Code | None = None
    trade: Trade | None = None
    sort: Code | None = Field(None, description="Column to sort by, '-' prefix for descending (default -gap).")
    demand_pct: float = Field(0, ge=-100, le=100, description="Scenario: demand forecast changed by this percent.")
    capacity_pct: float = Field(0, ge=-90, le=100, description="Scenario: jobs per technician changed by this percent.")
    program: int | None = Field(None, description="Scenario: id of a retention program applied to the cohort.")
    program_district: Code | None = None
    program_trade: Trade | None = None


@router.get(
    "hiring-plan",
    response={200: PlanOut, **NO_FORECAST},
    summary="Hiring plan per district × trade, with totals that never net",
)
@requires(VIEW_FORECASTS)
def hiring_plan(request, q: Query[PlanQuery]):
    return _plan(request, **q.dict())


CSV_200 = {"responses": {"200": {"description": "CSV", "content": {"text/csv": {"schema": {"type": "string"}}}}}}


@router.get(
    "hiring-plan.csv", response=NO_FORECAST, openapi_extra=CSV_200,
    summary="The hiring plan as CSV (same rows, filters and order as the JSON)",
)  # fmt: skip
@requires(EXPORT_DATA)
def hiring_plan_csv(request, q: Query[PlanQuery]):
    from forecasts.views import plan_csv_response

    return plan_csv_response(_plan(request, **q.dict())["rows"])


@router.post(
    "runs/{run_id}/publish",
    response={200: list[PublicationOut], 403: ErrorOut, 404: ErrorOut, 409: ErrorOut},
    summary="Publish a completed run (HR admins)",
)
@requires(PUBLISH_FORECAST)
def publish_run(request, run_id: UUID, metric: Metric | None = None):
    get_object_or_404(ForecastRun, pk=run_id)
    try:
        pubs = services.forecast_run_publish(run_id=run_id, user=request.user, metric=metric)
    except services.PublishError as exc:
        raise HttpError(409, str(exc)) from exc
    return [{"metric": p.metric, "frequency": p.frequency, "run_id": p.run_id, "replaced_run_id": p.replaced_run_id,
             "published_at": p.created_at} for p in pubs]  # fmt: skip


@router.get("runs/{run_id}/compare", summary="Compare a run with the published forecast (accuracy, differences)")
@requires(VIEW_FORECASTS)
def compare_run(request, run_id: UUID):
    run = get_object_or_404(ForecastRun, pk=run_id)
    return selectors.run_comparison(run=run)
