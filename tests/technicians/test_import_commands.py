"""manage.py import_*: the same validation from the shell, a summary, exit 1 and nothing written on bad rows."""

from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from technicians.models import DemandWeek, Technician

FIXTURES = Path(__file__).parent / "fixtures"


def run(*args):
    out, err = StringIO(), StringIO()
    call_command(*args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


@pytest.mark.django_db
def test_import_prints_summary_and_reimport_updates(districts):
    out, _ = run("import_technicians", str(FIXTURES / "technicians.csv"))
    assert "created 3, updated 0, unchanged 0, rejected 0" in out
    out, _ = run("import_technicians", str(FIXTURES / "technicians.csv"))
    assert "created 0, updated 0, unchanged 3, rejected 0" in out
    out, _ = run("import_demand", str(FIXTURES / "demand.csv"))
    assert "created 3" in out and DemandWeek.objects.count() == 3


@pytest.mark.django_db
def test_bad_rows_exit_nonzero_list_each_row_and_write_nothing(districts):
    out, err = StringIO(), StringIO()
    with pytest.raises(CommandError, match="7 row\\(s\\) rejected") as exc:
        call_command("import_technicians", str(FIXTURES / "technicians_bad.csv"), stdout=out, stderr=err)
    assert exc.value.returncode == 1
    assert "row 4 [T2003]: pay_rate: negative pay is not allowed" in err.getvalue()
    assert "NOTHING WRITTEN" in out.getvalue()
    assert Technician.objects.count() == 0


@pytest.mark.django_db
def test_dry_run_writes_nothing(districts):
    out, _ = run("import_technicians", str(FIXTURES / "technicians.csv"), "--dry-run")
    assert "DRY RUN" in out and "would be created 3" in out
    assert Technician.objects.count() == 0


@pytest.mark.django_db
def test_missing_file_and_missing_headers_are_clear_errors(districts, tmp_path):
    with pytest.raises(CommandError, match="No such file"):
        run("import_candidates", str(tmp_path / "nope.csv"))
    f = tmp_path / "snap.csv"
    f.write_text("employee_id,jobs\nT1,3\n")
    with pytest.raises(CommandError, match="Missing required column: month"):
        run("import_snapshots", str(f))


@pytest.mark.django_db
def test_export_command_round_trips_and_hides_pay_without_hr_user(districts, hr_admin, tmp_path):
    run("import_technicians", str(FIXTURES / "technicians.csv"))
    full, restricted = tmp_path / "full.csv", tmp_path / "restricted.csv"
    call_command("export_records", "technicians", "-o", str(full), "--as-user", hr_admin.username, stderr=StringIO())
    call_command("export_records", "technicians", "-o", str(restricted), stderr=StringIO())
    assert "pay_rate" in full.read_text().splitlines()[0]
    assert "pay_rate" not in restricted.read_text() and "performance_rating" not in restricted.read_text()
    out, _ = run("import_technicians", str(full))
    assert "created 0, updated 0, unchanged 3, rejected 0" in out
