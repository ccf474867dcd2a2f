"""The beat task (technicians.tasks.snowflake_sync_scheduled) queues every enabled mapping; a worker runs them."""

import time

import pytest

from config.celery import app
from ingest.models import SourceMapping, SyncRun, SyncStatus
from ingest.tasks import snowflake_sync_scheduled
from technicians.models import Technician
from tests.ingest.conftest import tech_source_row


def test_the_beat_schedule_names_a_registered_task():
    from django.conf import settings

    name = settings.CELERY_BEAT_SCHEDULE["snowflake-sync"]["task"]
    assert name == "technicians.tasks.snowflake_sync_scheduled" and name in app.tasks


@pytest.mark.django_db
def test_scheduled_sync_does_nothing_when_snowflake_is_not_configured(unconfigured, tech_mapping):
    assert snowflake_sync_scheduled() == []
    assert not SyncRun.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_scheduled_sync_runs_every_enabled_mapping_in_the_worker(
    warehouse, districts, tech_mapping, celery_worker_live
):
    SourceMapping.objects.create(
        name="disabled", source_table="TECHNICIANS", target="technicians", column_map=tech_mapping.column_map,
        key_columns=["EMP_ID"], enabled=False,
    )  # fmt: skip
    warehouse.create_technicians()
    warehouse.insert_technicians([tech_source_row(n) for n in range(1, 4)])

    queued = snowflake_sync_scheduled()

    assert len(queued) == 1
    run = SyncRun.objects.get(pk=queued[0])
    deadline = time.monotonic() + 30
    while run.status in (SyncStatus.QUEUED, SyncStatus.RUNNING) and time.monotonic() < deadline:
        time.sleep(0.2)
        run.refresh_from_db()
    assert (run.status, run.trigger, run.rows_created) == (SyncStatus.SUCCEEDED, "schedule", 3)
    assert Technician.objects.count() == 3
