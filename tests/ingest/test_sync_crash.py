"""A crash between batches leaves whole batches only; the watermark matches the data; re-running is safe."""

import pytest

from ingest import services
from ingest import snowflake as sf
from ingest.models import SyncStatus
from technicians import services as technician_services
from technicians.models import Technician
from tests.ingest.conftest import tech_source_row

pytestmark = pytest.mark.django_db


def crash_on_batch(monkeypatch, number: int):
    """Let batch ``number`` write its rows, then blow up before its transaction commits."""
    real = technician_services.records_upsert
    calls = {"n": 0}

    def upsert(**kwargs):
        calls["n"] += 1
        result = real(**kwargs)
        if calls["n"] == number:
            raise RuntimeError("worker killed mid-batch")
        return result

    monkeypatch.setattr(technician_services, "records_upsert", upsert)


def test_crash_between_batches_keeps_committed_batches_and_resumes_after_them(
    warehouse, districts, tech_mapping, monkeypatch
):
    warehouse.create_technicians()
    warehouse.insert_technicians([tech_source_row(n) for n in range(1, 11)])
    tech_mapping.batch_size = 4
    tech_mapping.save()
    crash_on_batch(monkeypatch, 2)

    crashed = services.sync_now(mapping=tech_mapping)

    assert crashed.status == SyncStatus.FAILED and "worker killed mid-batch" in crashed.error
    assert crashed.batches_committed == 1 and crashed.rows_created == 4
    assert sorted(Technician.objects.values_list("employee_id", flat=True)) == ["E0001", "E0002", "E0003", "E0004"]
    tech_mapping.refresh_from_db()
    assert sf.decode_watermark(tech_mapping.last_watermark) == tech_source_row(4)["UPDATED_AT"]

    monkeypatch.undo()
    resumed = services.sync_now(mapping=tech_mapping)

    assert resumed.status == SyncStatus.SUCCEEDED, resumed.error
    assert (resumed.rows_read, resumed.rows_created, resumed.rows_updated) == (6, 6, 0)
    assert Technician.objects.count() == 10
    tech_mapping.refresh_from_db()
    assert sf.decode_watermark(tech_mapping.last_watermark) == tech_source_row(10)["UPDATED_AT"]


def test_rows_sharing_a_watermark_across_the_crash_boundary_are_not_lost(
    warehouse, districts, tech_mapping, monkeypatch
):
    warehouse.create_technicians()
    # rows 1-5 share one timestamp and straddle the boundary between batch 1 and batch 2 (size 3)
    warehouse.insert_technicians([tech_source_row(n, minute=1 if n <= 5 else n) for n in range(1, 9)])
    tech_mapping.batch_size = 3
    tech_mapping.save()
    crash_on_batch(monkeypatch, 2)

    services.sync_now(mapping=tech_mapping)

    assert Technician.objects.count() == 3
    tech_mapping.refresh_from_db()
    assert tech_mapping.last_watermark is None  # nothing is safe to skip yet: rows 4 and 5 share that timestamp

    monkeypatch.undo()
    resumed = services.sync_now(mapping=tech_mapping)

    assert (resumed.rows_read, resumed.rows_created, resumed.rows_unchanged) == (8, 5, 3)
    assert Technician.objects.count() == 8


def test_fetch_batches_reports_only_fully_read_watermarks(warehouse):
    from ingest.selectors import snowflake_config

    warehouse.execute('CREATE TABLE "T" ("K" INTEGER, "W" INTEGER)')
    warehouse.execute('INSERT INTO "T" VALUES (1, NULL), (2, 10), (3, 10), (4, 20), (5, 20), (6, 20), (7, 30)')
    config = snowflake_config()
    with sf.session(config) as conn:
        full = list(sf.fetch_batches(conn, database=config.database, schema=config.schema, table="T", columns=["K"],
                                     watermark_column="W", order_by=["K"], batch_size=2))  # fmt: skip
        incremental = list(sf.fetch_batches(conn, database=config.database, schema=config.schema, table="T",
                                            columns=["K"], watermark_column="W", after=20, batch_size=2))  # fmt: skip
    assert [[r["K"] for r in b.rows] for b in full] == [[1, 2], [3, 4], [5, 6], [7]]
    # after [1,2]: 10 continues → nothing safe; after [3,4]: 20 continues → 10; after [5,6]: next is 30 → 20
    assert [b.safe_watermark for b in full] == [None, 10, 20, 30]
    assert [[r["K"] for r in b.rows] for b in incremental] == [[7]]  # NULL watermarks only in a full read


def test_an_interrupted_sync_does_not_leave_the_source_locked(warehouse, districts, tech_mapping, monkeypatch):
    warehouse.create_technicians()
    warehouse.insert_technicians([tech_source_row(n) for n in range(1, 4)])

    def shutdown(**kwargs):
        raise SystemExit(1)

    monkeypatch.setattr(technician_services, "records_upsert", shutdown)
    with pytest.raises(SystemExit):
        services.sync_now(mapping=tech_mapping)
    run = tech_mapping.runs.get()
    assert run.status == SyncStatus.FAILED and "Interrupted" in run.error
    monkeypatch.undo()
    assert services.sync_now(mapping=tech_mapping).rows_created == 3
