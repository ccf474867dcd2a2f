"""A source column renamed or dropped upstream fails the sync before any row is read, naming the column."""

import pytest

from ingest import services
from ingest.models import SyncStatus
from technicians.models import Technician
from tests.ingest.conftest import tech_source_row

pytestmark = pytest.mark.django_db


def test_renamed_column_fails_fast_naming_it_and_writes_nothing(warehouse, districts, tech_mapping):
    warehouse.create_technicians()
    warehouse.insert_technicians([tech_source_row(n) for n in range(1, 4)])
    warehouse.execute('ALTER TABLE "TECHNICIANS" RENAME COLUMN "HIRED_ON" TO "HIRE_DT"')

    run = services.sync_now(mapping=tech_mapping)

    assert run.status == SyncStatus.FAILED
    assert "HIRED_ON" in run.error and "HIRE_DT" in run.error  # names the missing column and what is there
    assert not run.retryable
    assert run.rows_read == 0 and Technician.objects.count() == 0
    tech_mapping.refresh_from_db()
    assert tech_mapping.last_watermark is None


def test_dropped_table_fails_naming_the_table(warehouse, districts, tech_mapping):
    run = services.sync_now(mapping=tech_mapping)
    assert run.status == SyncStatus.FAILED and "TECHNICIANS" in run.error and "not found" in run.error
