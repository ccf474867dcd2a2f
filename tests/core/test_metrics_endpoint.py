"""/metrics: Prometheus text with request latency by view, queue depth, runs, score/forecast age and
assistant numbers; only with the token or from an allowed network."""

import pytest


@pytest.fixture
def metrics_token(settings):
    settings.METRICS_TOKEN = "s3cret-token"
    settings.METRICS_ALLOWED_NETWORKS = []
    return settings.METRICS_TOKEN


def test_metrics_need_the_token_or_an_allowed_network(client, db, metrics_token, settings):
    assert client.get("/metrics").status_code == 403
    assert client.get("/metrics", HTTP_AUTHORIZATION="Bearer wrong").status_code == 403
    assert client.get("/metrics", HTTP_AUTHORIZATION=f"Bearer {metrics_token}").status_code == 200
    settings.METRICS_ALLOWED_NETWORKS = ["127.0.0.0/8"]  # the test client's REMOTE_ADDR
    assert client.get("/metrics").status_code == 200


def test_metrics_report_what_operators_need(client, db, metrics_token, hr_admin):
    from forecasts.models import ForecastRun
    from predictions.models import TrainedModel

    TrainedModel.objects.create(model_type="retention", version=1, status="failed")
    ForecastRun.objects.create(status="failed", error="boom")
    client.force_login(hr_admin)
    client.get("/technicians/")  # a page view, so its latency shows up by view
    text = client.get("/metrics", HTTP_AUTHORIZATION=f"Bearer {metrics_token}").content.decode()
    assert "django_http_requests_latency_seconds_by_view_method_bucket" in text
    assert 'ta_celery_queue_length{queue="interactive"}' in text and 'queue="heavy"' in text
    assert 'ta_runs{kind="training",status="failed"} 1.0' in text
    assert 'ta_run_failures_total{kind="forecast"} 1.0' in text
    assert 'ta_run_duration_seconds_count{kind="sync"}' in text
    assert "ta_assistant_turns_total" in text or "# TYPE ta_assistant_turns counter" in text
    assert "ta_llm_errors_total 0.0" in text
    assert 'ta_metrics_source_up{source="predictions.selectors.operational_metrics"} 1.0' in text
