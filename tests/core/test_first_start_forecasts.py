"""`make run` on a first start: once the quick seasonal-naive forecasts are published, the full forecast run is
queued, and when it completes it replaces the quick one — never a forecast a person published."""

import importlib.util
from pathlib import Path

import pytest

from forecasts import services
from forecasts.models import ForecastPublication, ForecastRun
from tests.factories import DistrictFactory
from tests.forecasts.conftest import make_completed_run

RUN_PY = Path(__file__).resolve().parents[2] / "scripts" / "run.py"


@pytest.fixture
def full_forecasts(monkeypatch):
    spec = importlib.util.spec_from_file_location("make_run_script", RUN_PY)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    queued = []

    def fake_call_command(name, *args, **kwargs):  # stands in for `manage.py run_forecasts` (it queues a run)
        queued.append(name)
        ForecastRun.objects.create(metric="demand", horizon=4, status="queued")

    monkeypatch.setattr("django.core.management.call_command", fake_call_command)
    return module.FullForecasts(started=0.0), queued


def _current_run_id():
    return ForecastPublication.objects.get(metric="demand", is_current=True).run_id


def test_full_run_follows_the_quick_one_and_replaces_it(db, full_forecasts):
    watcher, queued = full_forecasts
    DistrictFactory(code="dal")
    quick = make_completed_run(demand={"dal": [(10, 8, 12)] * 4})
    quick.method = "seasonal_naive"
    quick.save()
    watcher._step()
    assert queued == []  # nothing published yet: the quick pass is still running
    services.forecast_run_publish(run_id=quick.id, user=None)

    watcher._step()
    watcher._step()  # the full run is queued once, not on every poll
    assert queued == ["run_forecasts"] and _current_run_id() == quick.id and not watcher.done

    full = ForecastRun.objects.exclude(method="seasonal_naive").get()
    full.delete()  # stand in the completed full run for the queued one
    full = make_completed_run(demand={"dal": [(11, 9, 13)] * 4})
    watcher._step()
    assert _current_run_id() == full.id and watcher.done


def test_a_forecast_a_person_published_is_left_alone(db, full_forecasts):
    watcher, queued = full_forecasts
    DistrictFactory(code="dal")
    chosen = make_completed_run(demand={"dal": [(10, 8, 12)] * 4})  # method "auto", published by an HR admin
    services.forecast_run_publish(run_id=chosen.id, user=None)
    make_completed_run(demand={"dal": [(99, 90, 110)] * 4})  # a newer completed run, not published
    watcher._step()
    assert watcher.done and queued == [] and _current_run_id() == chosen.id
