"""Recruiters never see pay or performance on the pages or in the CSV export; HR admins do."""

import csv
import io

import pytest

from tests.technicians.conftest import SECRET_PAY

pytestmark = pytest.mark.django_db


def _csv(response) -> list[dict]:
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    return list(csv.DictReader(io.StringIO(text)))


def test_recruiter_list_has_no_pay_column_or_value(recruiter_client, people):
    html = recruiter_client.get("/technicians/").content.decode()
    assert str(SECRET_PAY) not in html and "Pay / h" not in html


def test_hr_list_shows_pay(hr_client, people):
    html = hr_client.get("/technicians/").content.decode()
    assert "Pay / h" in html and f"${SECRET_PAY}" in html


def test_recruiter_detail_has_no_pay_or_performance(recruiter_client, people):
    html = recruiter_client.get("/technicians/E100/").content.decode()
    assert str(SECRET_PAY) not in html and "4.2" not in html and "Performance" not in html


def test_hr_detail_shows_pay_and_performance(hr_client, people):
    html = hr_client.get("/technicians/E100/").content.decode()
    assert f"${SECRET_PAY}" in html and "4.2 / 5" in html


def test_recruiter_export_has_no_pay_columns(recruiter_client, people):
    r = recruiter_client.get("/technicians/export.csv", {"district": "dal"})
    assert r.status_code == 200 and r["Content-Type"].startswith("text/csv")
    rows = _csv(r)
    assert [row["employee_id"] for row in rows] == ["E100", "E101"]
    assert "pay_rate" not in rows[0] and "performance_rating" not in rows[0]
    assert "annual_bonus" not in rows[0] and rows[0]["shirt_size"] == "M"
    assert str(SECRET_PAY) not in str(rows)


def test_hr_export_has_pay(hr_client, people):
    rows = _csv(hr_client.get("/technicians/export.csv", {"sort": "-pay_rate"}))
    assert rows[0]["employee_id"] == "E100" and rows[0]["pay_rate"] == str(SECRET_PAY)
    assert rows[0]["annual_bonus"] == "1200"  # sensitive attribute columns too


def test_export_follows_filters_and_sort(recruiter_client, people):
    rows = _csv(recruiter_client.get("/technicians/export.csv", {"trade": "hvac", "sort": "-hire_date"}))
    assert [row["employee_id"] for row in rows] == ["E102", "E100"]


def test_export_with_unknown_district_is_400(recruiter_client, people):
    r = recruiter_client.get("/technicians/export.csv", {"district": "nowhere"})
    assert r.status_code == 400 and b"nowhere" in r.content
