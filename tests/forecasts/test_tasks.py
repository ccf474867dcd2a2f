"""End to end through a real Celery worker on the real Redis broker."""

import time

import pytest

from forecasts import services
from forecasts.models import ForecastRun, RunStatus


@pytest.mark.django_db(transaction=True)
def test_run_completes_through_a_real_worker(
    small_hierarchy, as_of, celery_worker_live, django_capture_on_commit_callbacks
):
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


@pytest.mark.django_db(transaction=True)
def test_scheduled_task_name_queues_an_all_metrics_run(celery_worker_live):
    from config.celery import app

    assert "forecasts.tasks.run_forecasts_scheduled" in app.tasks
    run_id = app.tasks["forecasts.tasks.run_forecasts_scheduled"].apply().get()
    run = ForecastRun.objects.get(pk=run_id)
    assert run.metric == "" and run.metrics[0] == "headcount"
