"""Exports go through the visibility rule and re-import cleanly."""

from datetime import date
from decimal import Decimal

import pytest
from django.urls import reverse

from technicians.exports import export_columns, export_csv
from technicians.importers import csv_import
from technicians.models import Technician
from tests.factories import CandidateFactory, SnapshotFactory, TechnicianFactory

SENSITIVE = ("pay_rate", "performance_rating", "offered_pay_rate", "annual_bonus")


@pytest.fixture
def people(districts):
    t = TechnicianFactory(
        employee_id="T1", district=districts["phx"], notes='says "hi",\nthen leaves',
        attributes={"union_member": True, "annual_bonus": 1200, "shift": "nights"},
    )  # fmt: skip
    TechnicianFactory(employee_id="T2", district=districts["dal"], termination_date=date(2023, 1, 2))
    SnapshotFactory(technician=t, month=date(2024, 1, 1))
    CandidateFactory(candidate_id="C1", district=districts["phx"], attributes={"referral_bonus": 50})
    return t


@pytest.mark.django_db
@pytest.mark.parametrize("kind", ["technicians", "snapshots", "candidates", "demand"])
def test_recruiter_export_has_no_pay_or_performance_columns(recruiter, hr_admin, people, kind):
    rec_cols = export_columns(user=recruiter, kind=kind)
    assert not set(rec_cols) & set(SENSITIVE)
    hr_cols = export_columns(user=hr_admin, kind=kind)
    if kind != "demand":
        assert set(hr_cols) & set(SENSITIVE)
    text = export_csv(user=recruiter, kind=kind)
    assert "31.50" not in text and "1200" not in text


@pytest.mark.django_db
def test_hr_export_includes_pay_and_attributes(hr_admin, people):
    text = export_csv(user=hr_admin, kind="technicians")
    header = text.splitlines()[0].split(",")
    assert {"pay_rate", "performance_rating", "annual_bonus", "union_member", "region", "status"} <= set(header)
    assert "31.50" in text


@pytest.mark.django_db
def test_export_reimports_cleanly_round_trip(hr_admin, people):
    before = {t.employee_id: (t.pay_rate, t.notes, t.attributes) for t in Technician.objects.all()}
    text = export_csv(user=hr_admin, kind="technicians")
    res = csv_import(kind="technicians", data=text.encode())
    assert res.ok and (res.created, res.updated, res.unchanged) == (0, 0, 2)
    for kind in ("snapshots", "candidates"):
        res = csv_import(kind=kind, data=export_csv(user=hr_admin, kind=kind).encode())
        assert res.ok and res.unchanged == 1 and res.created == 0, res.rejected
    after = {t.employee_id: (t.pay_rate, t.notes, t.attributes) for t in Technician.objects.all()}
    assert after == before and before["T1"][0] == Decimal("31.50")


@pytest.mark.django_db
def test_export_into_empty_database_recreates_the_records(hr_admin, people):
    text = export_csv(user=hr_admin, kind="technicians")
    Technician.objects.all().delete()
    res = csv_import(kind="technicians", data=text.encode())
    assert res.created == 2
    assert Technician.objects.get(employee_id="T1").attributes["annual_bonus"] == 1200


@pytest.mark.django_db
def test_admin_export_respects_filters_and_search(hr_client, people):
    url = reverse("admin:technicians_technician_export")
    body = b"".join(hr_client.get(url + "?status=left").streaming_content).decode("utf-8-sig")
    ids = [line.split(",")[0] for line in body.splitlines()[1:]]
    assert ids == ["T2"]
    body = b"".join(hr_client.get(url + "?q=T1").streaming_content).decode("utf-8-sig")
    assert body.splitlines()[1].startswith("T1,")


@pytest.mark.django_db
def test_export_guards_spreadsheet_formulas_and_reimports_the_original_text(hr_admin, districts):
    TechnicianFactory(
        employee_id="T9", district=districts["phx"], notes='=HYPERLINK("http://evil")', last_name="-Smith"
    )
    text = export_csv(user=hr_admin, kind="technicians")
    row = next(line for line in text.splitlines() if line.startswith("T9") or ",T9," in line or "T9," in line)
    assert "'=HYPERLINK" in text and "'-Smith" in row
    Technician.objects.filter(employee_id="T9").update(notes="changed", last_name="Other")
    res = csv_import(kind="technicians", data=text.encode())
    assert res.ok, res.rejected
    t = Technician.objects.get(employee_id="T9")
    assert t.notes == '=HYPERLINK("http://evil")' and t.last_name == "-Smith"
