"""The same sync feeds demand and snapshots (composite business keys) and technician attributes;
`manage.py snowflake_sync` runs it."""

import datetime as dt

import pytest
from django.core.management import CommandError, call_command

from ingest.models import SourceMapping, SyncRun
from technicians.models import DemandWeek, Technician, TechnicianSnapshot
from tests.factories import TechnicianFactory
from tests.ingest.conftest import TECH_COLUMNS, tech_source_row

pytestmark = pytest.mark.django_db


def test_demand_and_snapshots_upsert_by_their_composite_keys(warehouse, districts, capsys):
    warehouse.execute(
        'CREATE TABLE "WEEKLY_DEMAND" ("DIST" VARCHAR, "WEEK" DATE, "JOBS" INTEGER, "LOADED_AT" TIMESTAMP_NTZ)'
    )
    warehouse.execute(
        "INSERT INTO \"WEEKLY_DEMAND\" VALUES ('phx', '2024-01-01', 120, '2024-01-08'), ('phx', '2024-01-08', 130, '2024-01-15'),"
        " ('dal', '2024-01-03', 90, '2024-01-15')"  # a Wednesday: rejected
    )
    SourceMapping.objects.create(
        name="demand", source_table="WEEKLY_DEMAND", target="demand", key_columns=["DIST", "WEEK"],
        column_map={"DIST": "district", "WEEK": "week_start", "JOBS": "jobs_requested"}, watermark_column="LOADED_AT",
    )  # fmt: skip
    tech = TechnicianFactory(employee_id="E0001", district=districts["phx"])
    warehouse.execute('CREATE TABLE "TECH_MONTHLY" ("EMP" VARCHAR, "MONTH" DATE, "JOBS" INTEGER, "FTF" FLOAT)')
    warehouse.execute(
        "INSERT INTO \"TECH_MONTHLY\" VALUES ('E0001', '2024-01-01', 80, 0.8), ('E0001', '2024-02-01', 85, 0.9)"
    )
    SourceMapping.objects.create(
        name="snapshots", source_table="TECH_MONTHLY", target="snapshots", key_columns=["EMP", "MONTH"],
        column_map={"EMP": "employee_id", "MONTH": "month", "JOBS": "jobs_completed", "FTF": "first_time_fix_rate"},
    )  # fmt: skip

    call_command("snowflake_sync", "demand", "snapshots")

    out = capsys.readouterr().out
    assert "demand: succeeded — read 3, created 2, updated 0, unchanged 0, rejected 1" in out
    demand_run, snap_run = SyncRun.objects.get(mapping__name="demand"), SyncRun.objects.get(mapping__name="snapshots")
    assert (demand_run.rows_created, demand_run.rows_rejected) == (2, 1), out
    assert "must be a Monday" in demand_run.rejected_rows.get().reason
    assert DemandWeek.objects.get(district=districts["phx"], week_start=dt.date(2024, 1, 8)).jobs_requested == 130
    assert snap_run.status == "succeeded" and snap_run.rows_created == 2
    assert TechnicianSnapshot.objects.filter(technician=tech).count() == 2


def test_attribute_columns_land_in_attributes(warehouse, districts):
    warehouse.create_technicians()
    warehouse.insert_technicians([tech_source_row(1)])
    warehouse.execute('ALTER TABLE "TECHNICIANS" ADD COLUMN "IS_UNION" BOOLEAN')
    warehouse.execute('UPDATE "TECHNICIANS" SET "IS_UNION" = TRUE')
    SourceMapping.objects.create(
        name="technicians", source_table="TECHNICIANS", target="technicians", key_columns=["EMP_ID"],
        column_map={**TECH_COLUMNS, "IS_UNION": "attributes.union_member"}, watermark_column="UPDATED_AT",
    )  # fmt: skip
    call_command("snowflake_sync", "technicians")
    assert Technician.objects.get(employee_id="E0001").attributes == {"union_member": True}


def test_sync_command_names_unknown_sources(warehouse, tech_mapping):
    with pytest.raises(CommandError, match="Unknown source\\(s\\): nope \\(known: technicians\\)"):
        call_command("snowflake_sync", "nope")
