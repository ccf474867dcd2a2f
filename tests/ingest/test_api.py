"""/api/v1/ingest/: status, queue a sync (202), runs and rejected rows; HR admins only; bounded limits."""

import pytest

from ingest import services
from ingest.models import SyncRun, SyncStatus
from tests.ingest.conftest import tech_source_row

pytestmark = pytest.mark.django_db


@pytest.fixture
def hr_headers(hr_admin, api_key_for):
    return {"HTTP_AUTHORIZATION": f"Bearer {api_key_for(hr_admin)}"}


def test_status_reports_configuration_and_sources(unconfigured, client, hr_headers, tech_mapping):
    data = client.get("/api/v1/ingest/status", **hr_headers).json()
    assert data["configured"] is False and data["reachable"] is False
    assert (data["database"], data["schema"]) == ("PRD_AGENTIC_SOLUTIONS", "DATA_SOURCES")
    assert "SNOWFLAKE_ACCOUNT" in data["missing"] and "not configured" in data["message"]
    assert data["sources"][0]["name"] == "technicians" and data["sources"][0]["last_run_status"] is None


def test_post_sync_queues_a_run_and_a_second_post_conflicts(
    warehouse, client, hr_headers, tech_mapping, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        first = client.post(
            "/api/v1/ingest/sources/technicians/sync", {"full": True}, content_type="application/json", **hr_headers
        )
    assert first.status_code == 202, first.content
    assert first.json()["status"] == "queued" and first.json()["full"] is True and first.json()["trigger"] == "api"
    assert len(callbacks) == 1

    second = client.post("/api/v1/ingest/sources/technicians/sync", content_type="application/json", **hr_headers)
    assert second.status_code == 409 and "already queued" in second.json()["detail"]
    assert (
        client.post("/api/v1/ingest/sources/nope/sync", content_type="application/json", **hr_headers).status_code
        == 404
    )


def test_runs_and_rejected_rows_are_listed(warehouse, districts, client, hr_headers, tech_mapping):
    warehouse.create_technicians()
    warehouse.insert_technicians([tech_source_row(1), tech_source_row(2, DISTRICT_CODE="nowhere")])
    run = services.sync_now(mapping=tech_mapping)

    page = client.get("/api/v1/ingest/runs?source=technicians&limit=5", **hr_headers).json()
    assert page["count"] == 1 and page["items"][0]["rows_rejected"] == 1
    detail = client.get(f"/api/v1/ingest/runs/{run.pk}", **hr_headers).json()
    assert detail["status"] == SyncStatus.SUCCEEDED and detail["watermark_after"] == "2024-01-01T08:02:00"
    rejected = client.get(f"/api/v1/ingest/runs/{run.pk}/rejected", **hr_headers).json()
    assert rejected["items"][0]["raw"]["DISTRICT_CODE"] == "nowhere"
    assert "unknown district code" in rejected["items"][0]["reason"]
    assert client.get("/api/v1/ingest/runs?limit=100000", **hr_headers).status_code == 422
    assert client.get("/api/v1/ingest/runs/not-a-uuid", **hr_headers).status_code == 422


def test_recruiters_and_api_consumers_are_refused(recruiter, api_user, api_key_for, client, tech_mapping):
    for user in (recruiter, api_user):
        headers = {"HTTP_AUTHORIZATION": f"Bearer {api_key_for(user, name=user.username)}"}
        assert client.get("/api/v1/ingest/status", **headers).status_code == 403
        response = client.post("/api/v1/ingest/sources/technicians/sync", content_type="application/json", **headers)
        assert response.status_code == 403 and "HR admins" in response.json()["detail"]
    assert not SyncRun.objects.exists()
