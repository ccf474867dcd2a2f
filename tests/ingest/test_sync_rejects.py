"""Bad rows are rejected with reasons and downloadable; the good rows of the same batch still land."""

import csv
import io
from decimal import Decimal

import pytest
from django.urls import reverse

from ingest import services
from ingest.models import SyncStatus
from technicians.models import Technician
from tests.ingest.conftest import tech_source_row

pytestmark = pytest.mark.django_db


@pytest.fixture
def synced_with_bad_rows(warehouse, districts, tech_mapping):
    warehouse.create_technicians()
    warehouse.insert_technicians(
        [
            tech_source_row(1),
            tech_source_row(2, EMP_ID=None),  # missing key
            tech_source_row(3, HIRED_ON="2023-13-45"),  # unparsable date
            tech_source_row(4, PAY_RATE=Decimal("-5.00")),  # negative pay
            tech_source_row(5, DISTRICT_CODE="atlantis"),  # unknown district
            tech_source_row(6),
        ]
    )
    return services.sync_now(mapping=tech_mapping)


def test_bad_rows_are_rejected_with_their_reasons_and_good_rows_land(synced_with_bad_rows):
    run = synced_with_bad_rows
    assert run.status == SyncStatus.SUCCEEDED
    assert (run.rows_read, run.rows_created, run.rows_rejected) == (6, 2, 4)
    assert sorted(Technician.objects.values_list("employee_id", flat=True)) == ["E0001", "E0006"]
    rejected = {r.raw["FIRST_NAME"]: r for r in run.rejected_rows.all()}
    assert "employee_id is required" in rejected["First2"].reason
    assert "not a valid date" in rejected["First3"].reason and rejected["First3"].column == "hire_date"
    assert "negative pay" in rejected["First4"].reason and rejected["First4"].row_key == "E0004"
    assert "unknown district code 'atlantis'" in rejected["First5"].reason
    assert rejected["First3"].raw["HIRED_ON"] == "2023-13-45"


def test_rejected_rows_download_as_csv_from_admin(synced_with_bad_rows, hr_client):
    url = reverse("admin:ingest_syncrun_rejected_csv", args=[synced_with_bad_rows.pk])
    response = hr_client.get(url)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    body = b"".join(response.streaming_content).decode()
    rows = list(csv.DictReader(io.StringIO(body)))
    assert len(rows) == 4
    by_name = {r["FIRST_NAME"]: r for r in rows}
    assert by_name["First4"]["PAY_RATE"] == "'-5.00" or by_name["First4"]["PAY_RATE"] == "-5.00"
    assert "unknown district" in by_name["First5"]["reason"]


def test_recruiters_cannot_download_rejected_rows(synced_with_bad_rows, recruiter_client):
    url = reverse("admin:ingest_syncrun_rejected_csv", args=[synced_with_bad_rows.pk])
    assert recruiter_client.get(url).status_code in (302, 403)


def test_run_page_in_admin_lists_the_first_rejected_rows(synced_with_bad_rows, hr_client):
    page = hr_client.get(reverse("admin:ingest_syncrun_change", args=[synced_with_bad_rows.pk])).content.decode()
    assert "negative pay is not allowed" in page and "4 (CSV)" in page
