"""One queued-or-running forecast run per scope and one training per model type, enforced by the database:
two concurrent requests → one 202, one 409 naming the run in progress."""

from __future__ import annotations

import threading

import pytest
from django.db import IntegrityError, connections, transaction
from django.test import Client


@pytest.fixture
def no_enqueue(monkeypatch):
    import core.queueing

    monkeypatch.setattr(core.queueing, "enqueue_on_commit", lambda *a, **k: None)


def _concurrently(url: str, body: str, key: str, n: int = 2) -> list:
    barrier, results = threading.Barrier(n), []

    def hit():
        try:
            barrier.wait(timeout=10)
            r = Client().post(url, body, content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {key}")
            results.append((r.status_code, r.json()))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=hit) for _ in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    return sorted(results, key=lambda x: x[0])


@pytest.mark.django_db(transaction=True)
def test_two_concurrent_forecast_runs_for_one_scope_give_one_409(hr_admin, api_key_for, no_enqueue):
    from forecasts.models import ForecastRun

    (s1, ok), (s2, busy) = _concurrently("/api/v1/forecasts/runs", '{"metric": "demand"}', api_key_for(hr_admin))
    assert (s1, s2) == (202, 409), (ok, busy)
    assert busy["in_progress_id"] == str(ok["id"]) and "already" in busy["detail"]
    assert ForecastRun.objects.count() == 1
    # another scope is not blocked; the finished run frees its scope
    c = Client(HTTP_AUTHORIZATION=f"Bearer {api_key_for(hr_admin, name='b')}")
    assert c.post("/api/v1/forecasts/runs", '{"metric": "hires"}', content_type="application/json").status_code == 202
    ForecastRun.objects.filter(pk=ok["id"]).update(status="completed")
    assert c.post("/api/v1/forecasts/runs", '{"metric": "demand"}', content_type="application/json").status_code == 202


@pytest.mark.django_db(transaction=True)
def test_two_concurrent_trainings_of_one_type_give_one_409(hr_admin, api_key_for, no_enqueue):
    from predictions.models import TrainedModel

    (s1, ok), (s2, busy) = _concurrently("/api/v1/predictions/train", '{"model_type": "retention"}',
                                         api_key_for(hr_admin))  # fmt: skip
    assert (s1, s2) == (202, 409), (ok, busy)
    assert busy["in_progress_id"] == ok["id"]
    assert TrainedModel.objects.filter(model_type="retention").count() == 1


@pytest.mark.django_db
def test_the_database_itself_refuses_a_second_queued_run():
    from forecasts.models import ForecastRun

    ForecastRun.objects.create(metric="demand", level="district")
    with pytest.raises(IntegrityError), transaction.atomic():
        ForecastRun.objects.create(metric="demand", level="district", status="running")


@pytest.mark.django_db
def test_the_page_and_admin_say_a_run_is_in_progress(hr_client, no_enqueue):
    from forecasts import services

    run = services.forecast_run_start(metric=None, requested_by=None)
    r = hr_client.post("/admin/forecasts/forecastrun/run-now/", follow=True)
    assert str(run.id) in r.content.decode() and "already queued or running" in r.content.decode()
