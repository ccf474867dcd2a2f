"""CSV import: good files land, every bad row is reported with its row number, nothing half-written."""

from pathlib import Path

import pytest

from technicians.importers import ImportFileError, csv_import, csv_parse
from technicians.models import Candidate, DemandWeek, Technician, TechnicianSnapshot
from tests.technicians.conftest import csv_bytes

FIXTURES = Path(__file__).parent / "fixtures"
HEADER = "employee_id,first_name,last_name,district,trade,hire_date"


def load(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


@pytest.mark.django_db
def test_good_files_of_every_kind_import(districts):
    res = csv_import(kind="technicians", data=load("technicians.csv"))
    assert (res.created, res.rejected) == (3, [])
    assert csv_import(kind="snapshots", data=load("snapshots.csv")).created == 3
    assert csv_import(kind="candidates", data=load("candidates.csv")).created == 3
    assert csv_import(kind="demand", data=load("demand.csv")).created == 3
    t = Technician.objects.get(employee_id="T1003")
    assert t.first_name == "Chloé" and t.district.code == "dal"
    assert t.attributes == {"union_member": True}  # blank shift_preference is not stored
    assert Technician.objects.get(employee_id="T1001").attributes == {"union_member": True, "shift_preference": "days"}
    assert Candidate.objects.get(candidate_id="C5003").hired_technician.employee_id == "T1001"
    assert TechnicianSnapshot.objects.filter(technician__employee_id="T1001").count() == 2
    assert DemandWeek.objects.filter(district__code="phx").count() == 2


@pytest.mark.django_db
def test_reimport_updates_by_key_and_never_duplicates(districts):
    data = load("technicians.csv")
    csv_import(kind="technicians", data=data)
    again = csv_import(kind="technicians", data=data)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 3)
    changed = csv_import(kind="technicians", data=data.replace(b"31.50", b"33.00"))
    assert (changed.created, changed.updated, changed.unchanged) == (0, 1, 2)
    assert Technician.objects.count() == 3


@pytest.mark.django_db
def test_every_bad_row_is_reported_with_row_number_and_nothing_written(districts):
    res = csv_import(kind="technicians", data=load("technicians_bad.csv"))
    assert Technician.objects.count() == 0 and res.created == 0
    by_row = {e.row_number: e.reason for e in res.rejected}
    assert sorted(by_row) == [3, 4, 5, 6, 7, 8, 9]
    assert "'12/04/2021' is not a valid date; expected YYYY-MM-DD" in by_row[3]
    assert "negative pay is not allowed" in by_row[4]
    assert "unknown district code 'atlantis'" in by_row[5]
    assert "termination_date 2020-01-01 is before hire_date 2021-04-12" in by_row[6]
    assert "first seen on row 2" in by_row[7]
    assert "row has 4 fields; the header has 8" in by_row[8]
    assert "'carpentry' is not a valid trade; expected one of" in by_row[9]
    assert res.rejected_rows == 7


@pytest.mark.django_db
def test_dry_run_writes_nothing(districts):
    res = csv_import(kind="technicians", data=load("technicians.csv"), dry_run=True)
    assert res.created == 3 and Technician.objects.count() == 0


@pytest.mark.django_db
def test_skip_invalid_lands_good_rows(districts):
    res = csv_import(kind="technicians", data=load("technicians_bad.csv"), policy="skip_invalid")
    assert res.created == 1 and res.rejected_rows == 7
    assert list(Technician.objects.values_list("employee_id", flat=True)) == ["T2001"]


@pytest.mark.django_db
def test_nul_byte_in_a_cell_is_rejected(districts):
    data = csv_bytes(HEADER, "E1,An\x00a,Lopez,phx,hvac,2022-01-03")
    res = csv_import(kind="technicians", data=data)
    assert [(e.row_number, e.column, e.reason) for e in res.rejected] == [(2, "first_name", "contains a NUL byte")]
    assert Technician.objects.count() == 0


@pytest.mark.django_db
def test_unbalanced_quote_costs_one_row_not_the_file(districts):
    data = csv_bytes(
        HEADER, 'E1,"Ana,Lopez,phx,hvac,2022-01-03', "E2,Ben,Ok,phx,hvac,2022-01-03", 'E3,"Cy"x,Z,phx,hvac,2022-01-03'
    )
    res = csv_import(kind="technicians", data=data, policy="skip_invalid")
    by_row = {e.row_number: e.reason for e in res.rejected}
    assert "a quoted value is never closed" in by_row[2]
    assert "unexpected character after a closing quote" in by_row[4]
    assert list(Technician.objects.values_list("employee_id", flat=True)) == ["E2"]


def test_parse_tolerates_bom_semicolons_loose_headers_and_multiline_values():
    data = "\ufeffEmployee ID;First Name;LAST_NAME;District;Trade;Hire-Date;Notes\r\n".encode() + (
        b'E1;Ana;Lopez;phx;hvac;2022-01-03;"line one\nline two; still notes"\r\n\r\nE2;Ben;Ok;phx;hvac;2022-01-03;\r\n'
    )
    parsed = csv_parse(data, kind="technicians")
    assert parsed.delimiter == ";"
    assert parsed.header[:2] == ["employee_id", "first_name"]
    assert parsed.rows[0]["notes"] == "line one\nline two; still notes"
    assert [r["__row__"] for r in parsed.rows] == [2, 4]  # blank line 3 counted, skipped


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "The file is empty."),
        (b"employee_id,first_name\nE1,A\n", "Missing required columns: last_name, district, trade, hire_date."),
        (b"employee_id,employee id\n", "Column 'employee_id' appears twice"),
        (HEADER.encode() + b"\n", "header but no data rows"),
        (b"employee_id,first_name\nE1,Jos\xe9\n", "not UTF-8 text (byte 0xE9"),
    ],
)
def test_file_level_problems_raise_one_clear_error(data, message):
    with pytest.raises(ImportFileError, match=message.replace("(", r"\(")):
        csv_parse(data, kind="technicians")


def test_size_limit(settings):
    settings.TECHNICIANS_IMPORT_MAX_BYTES = 100
    with pytest.raises(ImportFileError, match="the limit is"):
        csv_parse(b"x" * 101, kind="demand")
