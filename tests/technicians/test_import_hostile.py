"""CSV import refuses spreadsheet formulas (row errors naming row and column) and names the rows and the likely
encoding of a file that is not UTF-8 (nothing imported)."""

import pytest

from technicians.importers import ImportFileError, csv_import, csv_parse, formula_problem
from technicians.models import Technician

HEADER = "employee_id,first_name,last_name,district,trade,hire_date"


@pytest.mark.parametrize(
    "value",
    ["=cmd|' /C calc'!A0", "+SUM(A1:A9)", "-2+3+cmd|' /C calc'!A0", "@HYPERLINK(\"http://x\",\"y\")",
     "=1+1", "\t=HYPERLINK(1)", " @SUM(1)", "-cmd|x"],
)  # fmt: skip
def test_formulas_are_recognised(value):
    assert formula_problem(value)


@pytest.mark.parametrize("value", ["-3.5", "+1", "+1 (555) 0100", "O'Neil", "Smith-Jones", "a=b", "", "2024-01-05"])
def test_ordinary_values_are_not_formulas(value):
    assert formula_problem(value) is None


@pytest.mark.django_db
def test_a_formula_row_is_rejected_with_its_row_and_column_and_nothing_written(districts):
    data = "\n".join([
        HEADER,
        "E1,Ann,Lee,dal,hvac,2022-01-10",
        "E2,=cmd|' /C calc'!A0,Lee,dal,hvac,2022-01-10",
        "E3,Bo,@HYPERLINK(\"http://evil\"),dal,hvac,2022-01-10",
    ]).encode()  # fmt: skip
    res = csv_import(kind="technicians", data=data)
    by_row = {e.row_number: e.reason for e in res.rejected}
    assert set(by_row) == {3, 4}
    assert by_row[3].startswith("first_name:") and "formula" in by_row[3]
    assert by_row[4].startswith("last_name:") and "formula" in by_row[4]
    assert Technician.objects.count() == 0  # all-or-nothing: the good row is not half-imported


def test_a_windows_1252_file_is_refused_naming_rows_and_encoding():
    text = "\n".join([HEADER, "E1,José,Núñez,dal,hvac,2022-01-10", "E2,Ann,Lee,dal,hvac,2022-01-10",
                      "E3,Zoë,Müller,dal,hvac,2022-01-10"]) + "\n"  # fmt: skip
    with pytest.raises(ImportFileError) as exc:
        csv_parse(text.encode("cp1252"), kind="technicians")
    msg = str(exc.value)
    assert "rows 2, 4" in msg and "Windows-1252" in msg and "nothing was imported" in msg


def test_a_utf16_file_is_named_as_such():
    text = HEADER + "\nE1,José,Lee,dal,hvac,2022-01-10\n"
    with pytest.raises(ImportFileError, match="UTF-16"):
        csv_parse(text.encode("utf-16"), kind="technicians")
