"""Unreachable Snowflake / auth failure: the run fails with the reason, data is untouched, a retry is
queued with backoff; a key problem or missing configuration fails without retrying."""

import pytest
import snowflake.connector
from snowflake.connector import errors as sf_errors

from ingest import services
from ingest.models import SyncRun, SyncStatus, SyncTrigger
from technicians.models import Technician
from tests.factories import TechnicianFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def unreachable(monkeypatch, snowflake_settings):
    def refuse(**kwargs):
        raise sf_errors.OperationalError(
            msg="250001: Could not connect to Snowflake backend after 2 attempt(s). Aborting", errno=250001
        )

    monkeypatch.setattr(snowflake.connector, "connect", refuse)


def test_unreachable_snowflake_fails_the_run_with_the_reason_and_touches_no_data(
    unreachable, districts, tech_mapping, django_capture_on_commit_callbacks
):
    existing = TechnicianFactory(employee_id="E0001", district=districts["phx"])
    tech_mapping.last_watermark = {"type": "datetime", "value": "2024-01-01T08:00:00"}
    tech_mapping.save()

    run = services.sync_now(mapping=tech_mapping)

    assert run.status == SyncStatus.FAILED and run.retryable
    assert "Cannot connect to Snowflake account acme-test" in run.error and "250001" in run.error
    assert list(Technician.objects.all()) == [existing]
    tech_mapping.refresh_from_db()
    assert tech_mapping.last_watermark == {"type": "datetime", "value": "2024-01-01T08:00:00"}
    assert tech_mapping.last_synced_at is None

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        retry = services.sync_run_retry(run=run)
    assert retry.attempt == 2 and retry.trigger == SyncTrigger.RETRY and retry.status == SyncStatus.QUEUED
    assert len(callbacks) == 1  # the Celery message is sent once the retry run is committed


def test_retries_back_off_exponentially_and_stop_after_the_maximum(unreachable, tech_mapping, settings):
    settings.SNOWFLAKE_SYNC_RETRY_BACKOFF_SECONDS = 60
    settings.SNOWFLAKE_SYNC_MAX_RETRIES = 2
    assert [services.retry_delay(a) for a in (1, 2, 3, 10)] == [60, 120, 240, 3600]
    run = services.sync_now(mapping=tech_mapping)
    run.attempt = 3
    assert services.sync_run_retry(run=run) is None


def test_bad_key_passphrase_fails_without_retrying(snowflake_settings, tech_mapping):
    snowflake_settings.SNOWFLAKE_PRIVATE_KEY_PASSPHRASE = "wrong"
    run = services.sync_now(mapping=tech_mapping)
    assert run.status == SyncStatus.FAILED and "Wrong passphrase" in run.error and not run.retryable
    assert services.sync_run_retry(run=run) is None


def test_only_one_active_run_per_source(snowflake_settings, tech_mapping):
    services.sync_run_create(mapping=tech_mapping, trigger=SyncTrigger.ADMIN)
    with pytest.raises(services.SyncAlreadyRunning):
        services.sync_run_create(mapping=tech_mapping, trigger=SyncTrigger.SCHEDULE)
    assert SyncRun.objects.filter(mapping=tech_mapping).count() == 1


def test_a_run_stuck_beyond_the_stale_limit_is_abandoned(snowflake_settings, tech_mapping, settings):
    stuck = services.sync_run_create(mapping=tech_mapping)
    settings.SNOWFLAKE_SYNC_STALE_SECONDS = -1
    fresh = services.sync_run_create(mapping=tech_mapping)
    stuck.refresh_from_db()
    assert stuck.status == SyncStatus.FAILED and "Abandoned" in stuck.error
    assert fresh.status == SyncStatus.QUEUED


def test_a_dead_task_broker_fails_the_queued_run_instead_of_leaving_it_queued(
    snowflake_settings, tech_mapping, monkeypatch, django_capture_on_commit_callbacks
):
    from config.celery import app

    monkeypatch.setattr(app.conf, "broker_url", "redis://127.0.0.1:1/0")  # nothing listens there
    with django_capture_on_commit_callbacks(execute=True):
        run = services.sync_enqueue(mapping=tech_mapping, trigger=SyncTrigger.ADMIN)
    run.refresh_from_db()
    assert run.status == SyncStatus.FAILED and "task broker unreachable" in run.error
    services.sync_run_create(mapping=tech_mapping)  # the source is free again
