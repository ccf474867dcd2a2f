"""A dead task broker (Redis) must give a clear error and leave no row stuck in 'queued'."""

import pytest

from config.celery import app as celery_app


@pytest.fixture
def dead_broker():
    """Point the real Celery app at a port where nothing listens (a dead Redis), then restore it."""

    def drop_pools():  # the next publish really connects (what Celery itself does after a fork)
        celery_app._pool = None
        celery_app.amqp._producer_pool = None

    original = celery_app.conf.broker_url
    celery_app.conf.broker_url = "redis://127.0.0.1:1/0"
    drop_pools()
    yield
    celery_app.conf.broker_url = original
    drop_pools()


def test_train_via_api_with_dead_broker_is_a_503_and_the_run_is_marked_failed(
    transactional_db, dead_broker, api_key_for
):
    from predictions.models import TrainedModel
    from tests.factories import HR_ADMIN, make_user

    key = api_key_for(make_user("hr-broker", HR_ADMIN))
    from django.test import Client

    resp = Client().post(
        "/api/v1/predictions/train",
        {"model_type": "retention"},
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {key}",
    )
    assert resp.status_code == 503
    assert "task broker (Redis) is unreachable" in resp.json()["detail"]
    run = TrainedModel.objects.get()
    assert run.status == "failed" and "unreachable" in run.error


def test_forecast_run_button_with_dead_broker_redirects_with_the_reason(transactional_db, dead_broker):
    from django.test import Client

    from forecasts.models import ForecastRun
    from tests.factories import HR_ADMIN, make_user

    client = Client()
    client.force_login(make_user("hr-broker", HR_ADMIN))  # starting forecast runs is an HR permission
    resp = client.post("/forecasts/runs/start/", {"metric": "demand"}, HTTP_REFERER="http://testserver/forecasts/runs/")
    assert resp.status_code == 302
    page = client.get(resp["Location"])
    assert "task broker (Redis) is unreachable" in page.content.decode()
    assert ForecastRun.objects.get().status == "failed"
