"""A mapping is data: every mapped field must exist on the target and source types must convert."""

import pytest

from ingest.mapping import apply_mapping, validate_mapping
from ingest.snowflake import ColumnInfo
from tests.ingest.conftest import TECH_COLUMNS

COLUMNS = [
    ColumnInfo("EMP_ID", "TEXT"),
    ColumnInfo("FIRST_NAME", "TEXT"),
    ColumnInfo("LAST_NAME", "TEXT"),
    ColumnInfo("DISTRICT_CODE", "TEXT"),
    ColumnInfo("TRADE", "TEXT"),
    ColumnInfo("HIRED_ON", "DATE"),
    ColumnInfo("PAY_RATE", "NUMBER", precision=7, scale=2),
    ColumnInfo("UPDATED_AT", "TIMESTAMP_NTZ"),
    ColumnInfo("IS_UNION", "BOOLEAN"),
]


def messages(**kwargs):
    base = {"kind": "technicians", "column_map": dict(TECH_COLUMNS), "key_columns": ["EMP_ID"]}
    return [p.message for p in validate_mapping(**{**base, **kwargs})]


def test_a_correct_mapping_has_no_problems():
    assert messages(columns=COLUMNS, watermark_column="UPDATED_AT") == []
    assert messages(column_map={**TECH_COLUMNS, "IS_UNION": "attributes.union_member"}, columns=COLUMNS) == []


def test_unknown_target_fields_and_missing_required_fields_are_named():
    msgs = messages(column_map={**TECH_COLUMNS, "BONUS": "bonus_amount"})
    assert any("'bonus_amount' (from column BONUS) is not a field of technicians" in m for m in msgs)
    msgs = messages(column_map={k: v for k, v in TECH_COLUMNS.items() if v != "hire_date"})
    assert msgs == ["Required field hire_date is not mapped"]


def test_source_types_must_convert_to_the_target_field():
    cols = [c if c.name != "HIRED_ON" else ColumnInfo("HIRED_ON", "BOOLEAN") for c in COLUMNS]
    msgs = messages(columns=cols)
    assert msgs == ["Column HIRED_ON is BOOLEAN (boolean); it cannot convert to hire_date (date)"]
    cols = [c if c.name != "PAY_RATE" else ColumnInfo("PAY_RATE", "DATE") for c in COLUMNS]
    assert "cannot convert to pay_rate (decimal)" in messages(columns=cols)[0]


def test_source_columns_and_watermark_must_exist():
    msgs = messages(columns=[c for c in COLUMNS if c.name != "TRADE"], watermark_column="CHANGED_AT")
    assert "Source column TRADE does not exist in the table" in msgs
    assert "Column CHANGED_AT does not exist" in msgs


@pytest.mark.parametrize(
    ("key_columns", "expected"),
    [
        ([], "Give the source column(s) of the key employee_id"),
        (["FIRST_NAME"], "The key of technicians is employee_id"),
    ],
)
def test_key_columns_must_map_to_the_business_key(key_columns, expected):
    assert any(expected in m for m in messages(key_columns=key_columns))


def test_attributes_only_for_kinds_that_have_them():
    demand = {"DISTRICT": "district", "WEEK": "week_start", "JOBS": "jobs_requested", "X": "attributes.x"}
    msgs = [p.message for p in validate_mapping(kind="demand", column_map=demand, key_columns=["DISTRICT", "WEEK"])]
    assert msgs == ["demand records have no attributes (attributes.x)"]


def test_apply_mapping_renames_columns_to_fields():
    row = apply_mapping(
        {"EMP_ID": "employee_id", "IS_UNION": "attributes.union_member"}, {"EMP_ID": "E1", "IS_UNION": True, "X": 1}
    )
    assert row == {"employee_id": "E1", "union_member": True}
