from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone

from forecasts import services
from forecasts.models import ForecastRun, RunStatus


def _call(*args):
    from io import StringIO

    out = StringIO()
    call_command("run_forecasts", *args, stdout=out)
    return out.getvalue()


def test_sync_command_runs_and_prints_the_baseline_comparison(small_hierarchy, as_of):
    out = _call("--metric", "demand", "--method", "seasonal_naive", "--horizon", "3", "--sync")
    assert "completed (6/6 series)" in out
    assert "the chosen method beats seasonal naive on 0/6 series" in out  # baseline-only run


def test_if_missing_does_nothing_when_a_run_completed(db):
    ForecastRun.objects.create(status=RunStatus.COMPLETED)
    assert "nothing to do" in _call("--if-missing")
    assert ForecastRun.objects.count() == 1


def test_if_missing_resumes_a_stalled_run_which_then_finishes(
    small_hierarchy, as_of, django_capture_on_commit_callbacks
):
    # a worker died after fitting one series of this run
    run = services.forecast_run_start(metric="demand", horizon=3, method="seasonal_naive", enqueue=False)
    ids = services.forecast_run_prepare(run_id=run.id)
    services.forecast_series_fit(series_id=ids[0])
    ForecastRun.objects.filter(pk=run.pk).update(updated_at=timezone.now() - timedelta(hours=1))
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        assert "Resumed stalled forecast run" in _call("--if-missing")
    assert len(callbacks) == 1 and ForecastRun.objects.count() == 1
    # what the re-enqueued task does: fit the rest, finalise
    from forecasts.tasks import forecast_run_execute, forecast_series_chunk

    pending = services.forecast_run_prepare(run_id=run.id)
    assert len(pending) == 5
    forecast_series_chunk(str(run.id), pending)
    run.refresh_from_db()
    assert run.status == RunStatus.COMPLETED and run.series_done == 6
    assert forecast_run_execute.name == "forecasts.tasks.forecast_run_execute"


@pytest.mark.parametrize("args", [["--horizon", "0"], ["--horizon", "99"]])
def test_bad_horizon_is_a_command_error(db, args):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="between 1 and 52"):
        _call(*args)
