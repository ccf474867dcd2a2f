"""The shared row contract: every kind of bad value gets its own reason and the user's row number.

These tests need no database: foreign keys go through a plain dict resolver.
"""

from datetime import date
from decimal import Decimal

import pytest

from technicians.rowspec import ROW_ERROR_KEY, ROWSPECS, RowError, normalize_header, validate_rows

RESOLVER = {"district": {"phx": 1, "dal": 2}, "technician": {"E1": "uuid-1", "E2": "uuid-2"}}

TECH = {
    "employee_id": "E1",
    "first_name": "Ana",
    "last_name": "Lopez",
    "district": "phx",
    "trade": "hvac",
    "hire_date": "2022-03-01",
}


def tech(**over):
    return {**TECH, **over}


def errors_of(kind, rows, **kw):
    res = validate_rows(kind, rows, resolver=RESOLVER, **kw)
    return res, [(e.row_number, e.column, e.reason) for e in res.errors]


def one_error(kind, row, column):
    res, errs = errors_of(kind, [row])
    assert res.valid == []
    assert len(errs) == 1, errs
    assert errs[0][0] == 2 and errs[0][1] == column
    return errs[0][2]


def test_every_kind_has_a_spec_with_key_and_required_columns():
    assert set(ROWSPECS) == {"technicians", "snapshots", "candidates", "demand", "demand_trade"}
    assert ROWSPECS["demand_trade"].key == ("district", "trade", "week_start")
    assert ROWSPECS["snapshots"].key == ("employee_id", "month")
    assert ROWSPECS["demand"].key == ("district", "week_start")
    assert "hire_date" in ROWSPECS["technicians"].required_columns


def test_good_row_is_cleaned_to_model_field_values():
    res, errs = errors_of("technicians", [tech(pay_rate="31.5", commute_miles="12", certifications="2.0")])
    assert errs == []
    row = res.valid[0]
    assert row["district_id"] == 1 and row["hire_date"] == date(2022, 3, 1)
    assert row["pay_rate"] == Decimal("31.50") and row["certifications"] == 2
    assert res.row_numbers == [2] and res.keys == ["E1"]


def test_typed_warehouse_values_are_accepted():
    from datetime import datetime

    row = tech(hire_date=datetime(2022, 3, 1, 8, 30), pay_rate=31.5, certifications=Decimal("3"), commute_miles=7)
    res, errs = errors_of("technicians", [row], start_row=1)
    assert errs == []
    assert res.valid[0]["hire_date"] == date(2022, 3, 1) and res.valid[0]["pay_rate"] == Decimal("31.50")
    assert res.row_numbers == [1]


def test_headers_are_case_space_and_underscore_insensitive():
    row = {
        "Employee ID": "E1",
        "FIRST_NAME": "A",
        "lastname": "B",
        "District": "phx",
        "Trade": "HVAC",
        "hire-date": "2022-01-01",
    }
    res, errs = errors_of("technicians", [row])
    assert errs == [] and res.valid[0]["trade"] == "hvac"
    assert normalize_header("\ufeffEmployee ID ") == "employee_id"


@pytest.mark.parametrize(
    ("row", "column", "expected"),
    [
        (tech(hire_date=""), "hire_date", "hire_date is required but empty"),
        (tech(hire_date="31/01/2022"), "hire_date", "expected YYYY-MM-DD"),
        (tech(hire_date="2022-02-30"), "hire_date", "is not a valid date"),
        (tech(certifications="two"), "certifications", "'two' is not a whole number"),
        (tech(certifications="2.5"), "certifications", "must be a whole number"),
        (tech(commute_miles="far"), "commute_miles", "'far' is not a number"),
        (tech(pay_rate="-3"), "pay_rate", "negative pay is not allowed"),
        (tech(pay_rate="1e40"), "pay_rate", "too large"),
        (tech(performance_rating="7"), "performance_rating", "between 1 and 5"),
        (tech(district="xyz"), "district", "unknown district code 'xyz'"),
        (tech(trade="carpentry"), "trade", "'carpentry' is not a valid trade; expected one of: appliance, hvac"),
        (tech(first_name="x" * 61), "first_name", "is 61 characters long; at most 60 allowed"),
        (tech(first_name="An\x00a"), "first_name", "contains a NUL byte"),
        (tech(last_name="Lo\x07pez"), "last_name", "control character U+0007"),
        (tech(email="not-an-email"), "email", "not a valid email address"),
        (
            tech(termination_date="2021-01-01"),
            "termination_date",
            "termination_date 2021-01-01 is before hire_date 2022-03-01",
        ),
        (tech(termination_type="voluntary", termination_date=""), "termination_type", "termination_date is empty"),
        (tech(fav_colour="b\x00lue"), "fav_colour", "contains a NUL byte"),
    ],
)
def test_bad_technician_value_gets_specific_reason(row, column, expected):
    assert expected in one_error("technicians", row, column)


def test_missing_required_column_is_named():
    row = dict(TECH)
    del row["hire_date"]
    assert one_error("technicians", row, "hire_date") == "missing required column 'hire_date'"


def test_duplicate_key_names_the_first_row():
    res, errs = errors_of("technicians", [tech(), tech(first_name="Other"), tech(employee_id="E2")])
    assert [r for r, *_ in errs] == [3]
    assert "duplicate employee_id 'E1' in this file; first seen on row 2" in errs[0][2]
    assert res.keys == ["E1", "E2"]


def test_malformed_row_marker_becomes_row_error():
    res, errs = errors_of("technicians", [{ROW_ERROR_KEY: "row has 3 fields; the header has 6", "__row__": 7}])
    assert errs == [(7, None, "row has 3 fields; the header has 6")]


def test_extra_columns_become_typed_attributes():
    row = tech(union_member="true", shift_pref="nights", badge_no="007", overtime_cap="12", score="3.25", empty="",
               langs='["en", "es"]', note="[draft]")  # fmt: skip
    res, errs = errors_of("technicians", [row])
    assert errs == []
    assert res.valid[0]["attributes"] == {
        "union_member": True,
        "shift_pref": "nights",
        "badge_no": "007",
        "overtime_cap": 12,
        "score": 3.25,
        "langs": ["en", "es"],
        "note": "[draft]",
    }


def test_export_only_columns_are_not_turned_into_attributes():
    res, errs = errors_of("technicians", [tech(region="west", tenure_years="2.1", is_active="True")])
    assert errs == [] and "attributes" not in res.valid[0]


def test_snapshot_month_is_normalised_and_rates_checked():
    rows = [
        {"employee_id": "E1", "month": "2024-03-17", "first_time_fix_rate": "0.8"},
        {"employee_id": "E2", "month": "2024-3", "first_time_fix_rate": "85%"},
        {"employee_id": "E1", "month": "2024-04-01", "first_time_fix_rate": "85"},
        {"employee_id": "E9", "month": "2024-04-01"},
        {"employee_id": "E1", "month": "March"},
        {"employee_id": "E1", "month": "2024-03-01"},
    ]
    res, errs = errors_of("snapshots", rows)
    assert [r["month"] for r in res.valid] == [date(2024, 3, 1), date(2024, 3, 1)]
    assert res.valid[1]["first_time_fix_rate"] == pytest.approx(0.85)
    assert res.valid[0]["technician_id"] == "uuid-1"
    by_row = {r: reason for r, _, reason in errs}
    assert "is a rate and must be between 0 and 1 (got 85" in by_row[4]
    assert "unknown employee_id 'E9'" in by_row[5]
    assert "expected YYYY-MM" in by_row[6]
    assert "first seen on row 2" in by_row[7]


def test_week_start_must_be_a_monday():
    rows = [
        {"district": "phx", "week_start": "2024-01-01", "jobs_requested": "120"},
        {"district": "phx", "week_start": "2024-01-03", "jobs_requested": "120"},
        {"district": "dal", "week_start": "2024-01-08", "jobs_requested": "-4"},
    ]
    res, errs = errors_of("demand", rows)
    assert len(res.valid) == 1
    assert (
        errs[0][2] == "2024-01-03 is a Wednesday; week_start must be a Monday (the Monday of that week is 2024-01-01)"
    )
    assert errs[1][2] == "must be at least 0 (got -4)"


def test_demand_by_trade_rows_are_accepted_and_unknown_trades_refused():
    rows = [
        {"district": "phx", "trade": "hvac", "week_start": "2024-01-01", "jobs_requested": "40"},
        {"district": "phx", "trade": "Plumbing", "week": "2024-01-01", "jobs": "12"},
        {"district": "phx", "trade": "roofing", "week_start": "2024-01-01", "jobs_requested": "3"},
    ]
    res, errs = errors_of("demand_trade", rows)
    assert len(res.valid) == 2 and len(errs) == 1
    assert errs[0][1] == "trade" and "hvac" in errs[0][2]


def test_candidate_choices_match_labels_and_list_valid_values():
    base = {"candidate_id": "C1", "first_name": "A", "last_name": "B", "district": "dal", "trade": "hvac",
            "applied_date": "2024-01-02"}  # fmt: skip
    res, errs = errors_of(
        "candidates", [{**base, "source": "Job board", "stage": "Offer made", "hired_employee_id": "E2"}]
    )
    assert errs == [] and res.valid[0]["source"] == "job_board" and res.valid[0]["stage"] == "offer"
    assert res.valid[0]["hired_technician_id"] == "uuid-2"
    reason = one_error("candidates", {**base, "source": "billboard"}, "source")
    assert "expected one of: referral, job_board, agency" in reason
    reason = one_error("candidates", {**base, "source": "agency", "offer_date": "2023-12-01"}, "offer_date")
    assert "before applied_date" in reason


def test_row_error_prints_row_key_column_and_reason():
    assert (
        str(RowError(4, "E1", "pay_rate", "negative pay is not allowed"))
        == "row 4 [E1]: pay_rate: negative pay is not allowed"
    )
