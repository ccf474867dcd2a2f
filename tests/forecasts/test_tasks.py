"""End to end through a real Celery worker on the real Redis broker."""

import time

import pytest

from forecasts import services
from forecasts.models import ForecastRun, RunStatus


@pytest.mark.django_db(transaction=True)
def test_run_completes_through_a_real_worker(
    small_hierarchy, as_of, celery_worker_live, django_capture_on_commit_callbacks, settings
):
    settings.FORECAST_CHUNK_SIZE = 2  # 6 series → 3 chunk tasks; whichever finishes last reconciles
    with django_capture_on_commit_callbacks(execute=True):
        run = services.forecast_run_start(
            metric="demand", horizon=4, method="seasonal_naive", reconciliation="bottom_up"
        )
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        run.refresh_from_db()
        if run.is_finished:
            break
        time.sleep(0.3)
    assert run.status == RunStatus.COMPLETED, run.error
    assert run.series_done == run.series_total == 6
    assert run.backtest["demand"]["reconciliation"] == "bottom_up"
    assert run.series.filter(points__isnull=False).distinct().count() == 6


def test_scheduled_task_name_queues_an_all_metrics_run(db, django_capture_on_commit_callbacks):
    from config.celery import app

    app.loader.import_default_modules()  # what a worker/beat does at start: autodiscover <app>/tasks.py
    assert "forecasts.tasks.run_forecasts_scheduled" in app.tasks
    with django_capture_on_commit_callbacks(execute=False) as callbacks:  # don't leave a message on the broker
        run_id = app.tasks["forecasts.tasks.run_forecasts_scheduled"].apply().get()
    run = ForecastRun.objects.get(pk=run_id)
    assert run.metric == "" and run.metrics[0] == "headcount" and run.status == RunStatus.QUEUED
    assert len(callbacks) == 1
