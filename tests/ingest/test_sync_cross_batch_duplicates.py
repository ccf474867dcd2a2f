"""A business key seen twice in one sync run is rejected even when the two rows land in different batches;
the reason names the first row's position and does not talk about a file."""

import pytest

from ingest import services
from ingest.models import SyncStatus
from technicians.models import Technician
from tests.ingest.conftest import tech_source_row

pytestmark = pytest.mark.django_db


def test_duplicate_key_in_a_later_batch_is_rejected_not_overwriting(warehouse, districts, tech_mapping):
    tech_mapping.batch_size = 2
    tech_mapping.save()
    warehouse.create_technicians()
    warehouse.insert_technicians(
        [
            tech_source_row(1, minute=1),
            tech_source_row(2, minute=2),
            tech_source_row(3, minute=3),
            tech_source_row(1, minute=4, FIRST_NAME="Overwriter"),  # E0001 again, in batch 2
        ]
    )
    run = services.sync_now(mapping=tech_mapping)
    assert run.status == SyncStatus.SUCCEEDED and run.batches_committed == 2
    assert (run.rows_read, run.rows_created, run.rows_rejected) == (4, 3, 1)
    assert Technician.objects.get(employee_id="E0001").first_name == "First1"  # not silently overwritten
    rejected = run.rejected_rows.get()
    assert rejected.batch == 2 and rejected.row_key == "E0001"
    assert "duplicate employee_id 'E0001' in this sync run; first seen on row 1" in rejected.reason
    assert "file" not in rejected.reason
