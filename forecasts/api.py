"""/api/v1/forecasts/: runs (list, trigger, detail, status), one series, hiring plan (JSON and CSV)."""

from __future__ import annotations

from uuid import UUID

from django.shortcuts import get_object_or_404
from ninja import Query, Router
from ninja.errors import HttpError

from core.access import requires
from core.pagination import PageParams, paginate
from core.params import Code
from core.permissions import EXPORT_DATA, START_FORECAST_RUN, VIEW_FORECASTS
from forecasts import selectors, services
from forecasts.models import ForecastRun
from forecasts.schemas import (
    ForecastSeriesOut,
    Level,
    Metric,
    PlanRowOut,
    RunDetailOut,
    RunIn,
    RunOut,
    RunPage,
    RunStatusOut,
)
from technicians.models import Trade

router = Router(tags=["forecasts"])


def _input_error(exc: Exception):
    if isinstance(exc, selectors.ForecastInputError):
        raise HttpError(400, str(exc))
    raise HttpError(404, str(exc))


@router.get("runs", response=RunPage, summary="List forecast runs (newest first)")
@requires(VIEW_FORECASTS)
def list_runs(request, page: Query[PageParams]):
    return paginate(selectors.forecast_run_list(), limit=page.limit, offset=page.offset)


@router.post("runs", response={202: RunOut}, summary="Start a forecast run (queued on Celery)")
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


@router.get("series", response=ForecastSeriesOut, summary="History, forecast and backtest of one series")
@requires(VIEW_FORECASTS)
def get_series(request, metric: Metric, level: Level = "company", key: Code | None = None, run_id: UUID | None = None):
    try:
        return selectors.forecast_series(metric=metric, level=level, key=key, run_id=run_id)
    except (selectors.ForecastInputError, selectors.NoForecastError) as exc:
        _input_error(exc)


def _plan(weeks, region, district, trade):
    try:
        return selectors.hiring_plan(weeks=weeks, region=region, district=district, trade=trade)
    except (selectors.ForecastInputError, selectors.NoForecastError) as exc:
        _input_error(exc)


@router.get("hiring-plan", response=list[PlanRowOut], summary="Hiring plan per district")
@requires(VIEW_FORECASTS)
def hiring_plan(
    request,
    weeks: int = Query(12, ge=1, le=52),
    region: Code | None = None,
    district: Code | None = None,
    trade: Trade | None = None,
):
    return _plan(weeks, region, district, trade)


@router.get("hiring-plan.csv", summary="Hiring plan per district as CSV")
@requires(EXPORT_DATA)
def hiring_plan_csv(
    request,
    weeks: int = Query(12, ge=1, le=52),
    region: Code | None = None,
    district: Code | None = None,
    trade: Trade | None = None,
):
    from forecasts.views import plan_csv_response

    return plan_csv_response(_plan(weeks, region, district, trade))
