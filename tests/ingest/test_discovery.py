"""Discovery lists the schema's tables and columns (INFORMATION_SCHEMA), for writing mappings."""

import json

import pytest
from django.core.management import CommandError, call_command

from ingest import services


@pytest.fixture
def two_tables(warehouse):
    warehouse.create_technicians()
    warehouse.execute('CREATE TABLE "DEMAND" ("DISTRICT" VARCHAR, "WEEK_START" DATE, "JOBS" INTEGER)')
    return warehouse


def test_discover_lists_tables_and_typed_columns_in_order(two_tables):
    tables = services.schema_discover()
    assert set(tables) == {"TECHNICIANS", "DEMAND"}
    assert [c.name for c in tables["DEMAND"]] == ["DISTRICT", "WEEK_START", "JOBS"]
    kinds = {c.name: c.kind for c in tables["TECHNICIANS"]}
    assert kinds["EMP_ID"] == "text" and kinds["PAY_RATE"] == "decimal" and kinds["UPDATED_AT"] == "datetime"
    assert {c.name: c.kind for c in tables["DEMAND"]}["JOBS"] == "integer"


def test_snowflake_discover_command_prints_tables_and_columns(two_tables, capsys):
    call_command("snowflake_discover")
    out = capsys.readouterr().out
    assert "PRD_AGENTIC_SOLUTIONS.DATA_SOURCES.TECHNICIANS" in out and "WEEK_START" in out and "DATE" in out

    call_command("snowflake_discover", "DEMAND", "--json")
    data = json.loads(capsys.readouterr().out)
    assert list(data) == ["DEMAND"] and data["DEMAND"][2] == {
        "name": "JOBS",
        "type": "NUMBER",
        "kind": "integer",
        "nullable": True,
    }


def test_discover_command_explains_when_not_configured(unconfigured):
    with pytest.raises(CommandError, match="not configured"):
        call_command("snowflake_discover")
