"""First full sync, incremental sync after upstream changes, idempotent re-runs."""

import datetime as dt
from decimal import Decimal

import pytest

from ingest import services
from ingest import snowflake as sf
from ingest.models import SyncRun, SyncStatus
from technicians.models import Technician
from tests.ingest.conftest import tech_source_row

pytestmark = pytest.mark.django_db


def test_first_sync_loads_every_row_and_records_the_run(warehouse, districts, tech_mapping):
    warehouse.create_technicians()
    warehouse.insert_technicians([tech_source_row(n) for n in range(1, 26)])
    tech_mapping.batch_size = 10
    tech_mapping.save()

    run = services.sync_now(mapping=tech_mapping)

    assert run.status == SyncStatus.SUCCEEDED, run.error
    assert (run.rows_read, run.rows_created, run.rows_updated, run.rows_rejected) == (25, 25, 0, 0)
    assert run.batches_committed == 3
    assert run.duration_seconds > 0 and run.finished_at >= run.started_at
    assert Technician.objects.count() == 25
    t = Technician.objects.get(employee_id="E0003")
    assert (t.district.code, t.hire_date, t.pay_rate) == ("phx", dt.date(2022, 1, 3), Decimal("30.00"))
    tech_mapping.refresh_from_db()
    assert sf.decode_watermark(tech_mapping.last_watermark) == dt.datetime(2024, 1, 1, 8, 25)
    assert tech_mapping.last_synced_at is not None
    assert run.watermark_before is None and run.watermark_after == tech_mapping.last_watermark


def test_incremental_sync_reads_only_rows_changed_since_the_watermark(warehouse, districts, tech_mapping):
    warehouse.create_technicians()
    warehouse.insert_technicians([tech_source_row(n) for n in range(1, 11)])
    assert services.sync_now(mapping=tech_mapping).rows_created == 10

    later = dt.datetime(2024, 2, 1, 9, 0)
    warehouse.execute(
        'UPDATE "TECHNICIANS" SET "PAY_RATE" = 33.50, "UPDATED_AT" = %s WHERE "EMP_ID" = %s', (later, "E0004")
    )
    warehouse.insert_technicians([tech_source_row(11, minute=60 * 24 * 40)])

    run = services.sync_now(mapping=tech_mapping)

    assert run.status == SyncStatus.SUCCEEDED, run.error
    assert (run.rows_read, run.rows_created, run.rows_updated, run.rows_unchanged) == (2, 1, 1, 0)
    assert Technician.objects.get(employee_id="E0004").pay_rate == Decimal("33.50")
    assert Technician.objects.count() == 11
    tech_mapping.refresh_from_db()
    assert sf.decode_watermark(tech_mapping.last_watermark) == dt.datetime(2024, 2, 10, 8, 0)


def test_rerunning_a_sync_with_no_upstream_change_reads_and_writes_nothing(warehouse, districts, tech_mapping):
    warehouse.create_technicians()
    warehouse.insert_technicians([tech_source_row(n) for n in range(1, 11)])
    services.sync_now(mapping=tech_mapping)
    before = {t.employee_id: t.updated_at for t in Technician.objects.all()}

    again = services.sync_now(mapping=tech_mapping)
    full = services.sync_now(mapping=tech_mapping, full=True)

    assert (again.status, again.rows_read, again.rows_created, again.rows_updated) == ("succeeded", 0, 0, 0)
    assert (full.rows_read, full.rows_created, full.rows_updated, full.rows_unchanged) == (10, 0, 0, 10)
    assert {t.employee_id: t.updated_at for t in Technician.objects.all()} == before
    assert SyncRun.objects.filter(mapping=tech_mapping).count() == 3
