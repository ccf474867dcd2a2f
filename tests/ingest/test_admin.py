"""Admin: status panel (configured / reachable / last sync per source), validated mapping form, "Sync now"."""

import json
import time

import pytest
from django.urls import reverse

from ingest.models import SourceMapping, SyncRun, SyncStatus
from technicians.models import Technician
from tests.ingest.conftest import TECH_COLUMNS, tech_source_row

CHANGELIST = "admin:ingest_sourcemapping_changelist"


@pytest.mark.django_db
def test_admin_says_plainly_when_snowflake_is_not_configured(unconfigured, hr_client, tech_mapping):
    page = hr_client.get(reverse(CHANGELIST)).content.decode()
    assert "Snowflake is not configured" in page and "SNOWFLAKE_ACCOUNT" in page
    assert "CSV import" in page and "demo data" in page
    assert "TECHNICIANS" in page and "never" in page

    response = hr_client.post(
        reverse(CHANGELIST), {"action": "sync_now", "_selected_action": [tech_mapping.pk]}, follow=True
    )
    assert "Snowflake is not configured" in response.content.decode()
    assert not SyncRun.objects.exists()


@pytest.mark.django_db
def test_admin_shows_reachable_and_the_last_sync_of_each_source(warehouse, districts, hr_client, tech_mapping):
    from ingest import services

    warehouse.create_technicians()
    warehouse.insert_technicians([tech_source_row(1)])
    services.sync_now(mapping=tech_mapping)
    page = hr_client.get(reverse(CHANGELIST) + "?refresh_status=1").content.decode()
    assert "reachable" in page and "not reachable" not in page
    assert "succeeded" in page and "acme-test" in page

    change = hr_client.get(reverse("admin:ingest_sourcemapping_change", args=[tech_mapping.pk])).content.decode()
    assert "<code>HIRED_ON</code></td><td>TEXT</td><td>hire_date" in change  # discovered columns beside the mapping


@pytest.mark.django_db
def test_mapping_form_rejects_unknown_fields_and_type_mismatches(warehouse, hr_client):
    warehouse.create_technicians()
    data = {
        "name": "techs",
        "source_table": "TECHNICIANS",
        "target": "technicians",
        "column_map": json.dumps({**TECH_COLUMNS, "UPDATED_AT": "termination_date", "LAST_NAME": "surname"}),
        "key_columns": json.dumps(["EMP_ID"]),
        "watermark_column": "UPDATED_AT",
        "batch_size": 1000,
        "enabled": "on",
    }
    page = hr_client.post(reverse("admin:ingest_sourcemapping_add"), data).content.decode()
    assert "&#x27;surname&#x27; (from column LAST_NAME) is not a field of technicians" in page
    assert not SourceMapping.objects.exists()

    data["column_map"] = json.dumps({**TECH_COLUMNS, "PAY_RATE": "hire_date", "HIRED_ON": "pay_rate"})
    page = hr_client.post(reverse("admin:ingest_sourcemapping_add"), data).content.decode()
    assert "Column PAY_RATE is NUMBER (decimal); it cannot convert to hire_date (date)" in page

    data["column_map"] = json.dumps(TECH_COLUMNS)
    response = hr_client.post(reverse("admin:ingest_sourcemapping_add"), data)
    assert response.status_code == 302 and SourceMapping.objects.get().name == "techs"


@pytest.mark.django_db(transaction=True)
def test_sync_now_action_runs_the_sync_in_a_celery_worker(
    warehouse, districts, hr_client, tech_mapping, celery_worker_live
):
    warehouse.create_technicians()
    warehouse.insert_technicians([tech_source_row(n) for n in range(1, 6)])

    response = hr_client.post(
        reverse(CHANGELIST), {"action": "sync_now", "_selected_action": [tech_mapping.pk]}, follow=True
    )
    assert "Queued sync of technicians" in response.content.decode()

    run = SyncRun.objects.get(mapping=tech_mapping)
    deadline = time.monotonic() + 30
    while run.status in (SyncStatus.QUEUED, SyncStatus.RUNNING) and time.monotonic() < deadline:
        time.sleep(0.2)
        run.refresh_from_db()
    assert run.status == SyncStatus.SUCCEEDED, run.error
    assert run.trigger == "admin" and run.requested_by.username == "hr" and run.rows_created == 5
    assert Technician.objects.count() == 5


@pytest.mark.django_db
def test_recruiters_cannot_reach_the_ingest_admin(recruiter_client):
    assert recruiter_client.get(reverse(CHANGELIST)).status_code in (302, 403)
