"""Celery tasks: take ids, call services, record progress/failure on the rows.

A run fans out into chunks of series (``FORECAST_CHUNK_SIZE``) enqueued as separate tasks, so the
worker's prefork processes fit them in parallel; whichever chunk finishes the last series
reconciles and finalises the run. Everything is idempotent under re-delivery (acks_late).
"""

from __future__ import annotations

from celery import group, shared_task
from django.conf import settings

from core.heartbeat import heartbeat
from forecasts import services


@shared_task(name="forecasts.tasks.forecast_run_execute")
def forecast_run_execute(run_id: str) -> int:
    try:
        pending = services.forecast_run_prepare(run_id=run_id)
    except Exception as exc:
        services.forecast_run_fail(run_id=run_id, error=f"could not build the series: {type(exc).__name__}: {exc}")
        raise
    size = max(1, settings.FORECAST_CHUNK_SIZE)
    chunks = [pending[i : i + size] for i in range(0, len(pending), size)]
    if chunks:
        group(forecast_series_chunk.s(run_id, chunk) for chunk in chunks).apply_async()
    else:
        services.forecast_run_maybe_finalise(run_id=run_id)
    return len(pending)


@shared_task(name="forecasts.tasks.forecast_series_chunk")
def forecast_series_chunk(run_id: str, series_ids: list[int]) -> None:
    from forecasts.models import ForecastRun

    with heartbeat(ForecastRun, run_id):
        for series_id in series_ids:
            services.forecast_series_fit(series_id=series_id)
    services.forecast_run_maybe_finalise(run_id=run_id)


@shared_task(name="forecasts.tasks.run_forecasts_scheduled")
def run_forecasts_scheduled() -> str:
    """Weekly beat: forecast every metric with the default settings."""
    return str(services.forecast_run_start(metric=None).id)
