import pytest

from forecasts.models import ForecastRun
from tests.forecasts.conftest import make_completed_run

API = "/api/v1/forecasts"


@pytest.fixture
def auth(hr_admin, api_key_for):
    """Starting forecast runs is an HR permission (core.start_forecast_run)."""
    return {"HTTP_AUTHORIZATION": f"Bearer {api_key_for(hr_admin)}"}


@pytest.mark.parametrize("horizon", [0, 53, -1])
def test_horizon_outside_bounds_is_422(client, auth, horizon):
    r = client.post(f"{API}/runs", {"horizon": horizon}, content_type="application/json", **auth)
    assert r.status_code == 422
    assert "horizon" in r.json()["detail"]
    assert not ForecastRun.objects.exists()


def test_unknown_metric_names_the_valid_values(client, auth):
    r = client.post(f"{API}/runs", {"metric": "salary"}, content_type="application/json", **auth)
    assert r.status_code == 422
    assert "headcount" in r.json()["detail"] and "demand" in r.json()["detail"]


@pytest.fixture
def hr_auth(hr_admin, api_key_for):
    return {"HTTP_AUTHORIZATION": f"Bearer {api_key_for(hr_admin)}"}


def test_starting_a_run_is_an_hr_permission(client, recruiter, api_key_for):
    auth = {"HTTP_AUTHORIZATION": f"Bearer {api_key_for(recruiter)}"}
    r = client.post(f"{API}/runs", {"metric": "demand"}, content_type="application/json", **auth)
    assert r.status_code == 403 and "HR admin" in r.json()["detail"]
    assert not ForecastRun.objects.exists()


def test_trigger_run_queues_it_and_status_can_be_polled(client, auth, hr_auth, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        r = client.post(
            f"{API}/runs", {"metric": "demand", "horizon": 8, "method": "auto"}, content_type="application/json",
            **hr_auth,
        )  # fmt: skip
    assert r.status_code == 202, r.content
    assert len(callbacks) == 1  # enqueued only once the transaction commits
    run_id = r.json()["id"]
    status = client.get(f"{API}/runs/{run_id}/status", **auth).json()
    assert status["status"] == "queued" and status["progress_pct"] == 0
    listing = client.get(f"{API}/runs?limit=5", **auth).json()
    assert listing["count"] == 1 and listing["items"][0]["id"] == run_id


def test_run_list_limit_is_bounded(client, auth, settings):
    r = client.get(f"{API}/runs?limit={settings.API_MAX_LIMIT + 1}", **auth)
    assert r.status_code == 422


def test_unknown_run_is_404(client, auth):
    assert client.get(f"{API}/runs/00000000-0000-0000-0000-000000000000", **auth).status_code == 404
    assert client.get(f"{API}/runs/not-a-uuid/status", **auth).status_code == 422


def test_run_detail_includes_series_and_points(client, auth, db):
    from tests.factories import DistrictFactory

    DistrictFactory(code="oak")
    run = make_completed_run(demand={"oak": [(5, 4, 6)] * 4})
    body = client.get(f"{API}/runs/{run.id}", **auth).json()
    assert body["status"] == "completed"
    assert body["series"][0]["key"] == "oak" and len(body["series"][0]["points"]) == 4


def test_series_endpoint_validates_district(client, auth, db):
    from tests.factories import DistrictFactory

    DistrictFactory(code="oak")
    r = client.get(f"{API}/series?metric=demand&level=district&key=nowhere", **auth)
    assert r.status_code == 422 and "valid district codes: oak" in r.json()["detail"]
    assert client.get(f"{API}/series?metric=demand&level=district&key=oak", **auth).status_code == 404
    make_completed_run(demand={"oak": [(5, 4, 6)] * 4})
    r = client.get(f"{API}/series?metric=demand&level=district&key=oak", **auth)
    assert r.status_code == 200 and r.json()["forecast"][0]["yhat"] == 5


def test_hiring_plan_endpoint_and_csv(client, auth, db):
    from tests.factories import DistrictFactory

    DistrictFactory(code="oak")
    make_completed_run(demand={"oak": [(5, 4, 6)] * 4})
    assert client.get(f"{API}/hiring-plan?weeks=53", **auth).status_code == 422
    r = client.get(f"{API}/hiring-plan?weeks=4&region=atlantis", **auth)
    assert r.status_code == 422 and "valid region codes" in r.json()["detail"]
    body = client.get(f"{API}/hiring-plan?weeks=4&trade=hvac", **auth).json()
    rows = body["rows"]
    assert rows[0]["district"] == "oak" and rows[0]["trade"] == "hvac" and body["max_weeks"] == 4
    assert client.get(f"{API}/hiring-plan?weeks=5", **auth).status_code == 422  # beyond the published horizon
    assert client.get(f"{API}/hiring-plan?weeks=4&demand_pct=500", **auth).status_code == 422
    csv = client.get(f"{API}/hiring-plan.csv?weeks=4", **auth)
    assert csv["Content-Type"].startswith("text/csv")
    assert csv.content.decode().splitlines()[0].startswith("district,district_name,region,trade")


def test_api_requires_authentication(client, db):
    assert client.get(f"{API}/runs").status_code == 401


def test_nul_bytes_and_junk_are_clear_4xx_not_500(client, auth, db):
    # a NUL in a code is refused by its type (core.params.Code) → 422, like any other bad query value
    assert client.get(f"{API}/series?metric=demand&level=district&key=%00", **auth).status_code == 422
    assert client.get(f"{API}/hiring-plan?region=%00x", **auth).status_code == 422
    assert client.get(f"{API}/hiring-plan?weeks=abc", **auth).status_code == 422
    assert client.get(f"{API}/series?metric=%00", **auth).status_code == 422
