"""One published forecast per metric: publishing switches what every reader sees, and is recorded."""

import pytest

from forecasts import selectors, services
from forecasts.models import ForecastPublication
from tests.factories import DistrictFactory, RegionFactory
from tests.forecasts.conftest import make_completed_run

API = "/api/v1/forecasts"


@pytest.fixture
def two_runs(db):
    DistrictFactory(code="oak", name="Oakland", region=RegionFactory(code="north", name="North"))
    first = make_completed_run(demand={"oak": [(100, 90, 110)] * 4})
    services.forecast_run_publish(run_id=first.id, user=None)
    second = make_completed_run(demand={"oak": [(300, 280, 320)] * 4})  # e.g. someone's exploratory run
    return first, second


def _shown(client):
    return client.get("/forecasts/?metric=demand&level=district&key=oak").context["series"]["forecast"][0]["yhat"]


def test_a_newer_run_is_not_shown_until_it_is_published(two_runs, recruiter_client, hr_admin, api_user, api_key_for):
    first, second = two_runs
    auth = {"HTTP_AUTHORIZATION": f"Bearer {api_key_for(api_user)}"}
    assert selectors.forecast_series(metric="demand", level="district", key="oak")["run_id"] == str(first.id)
    assert _shown(recruiter_client) == 100
    assert recruiter_client.get(f"{API}/series?metric=demand&level=district&key=oak", **auth).json()["run_id"] == str(
        first.id
    )
    plan = selectors.hiring_plan_report(weeks=4, trade="hvac")
    assert plan["run_id"] == str(first.id)
    # an HR admin publishes the second run: every reader switches
    pubs = services.forecast_run_publish(run_id=second.id, user=hr_admin)
    assert [p.replaced_run_id for p in pubs] == [first.id]
    assert _shown(recruiter_client) == 300
    assert selectors.hiring_plan_report(weeks=4, trade="hvac")["run_id"] == str(second.id)
    assert ForecastPublication.objects.filter(metric="demand", is_current=True).get().run_id == second.id
    assert ForecastPublication.objects.filter(metric="demand").count() == 2  # the history is kept
    # any completed run can still be opened explicitly
    assert (
        selectors.forecast_series(metric="demand", level="district", key="oak", run_id=first.id)["forecast"][0]["yhat"]
        == 100
    )


def test_publishing_is_for_hr_admins_on_page_and_api(two_runs, client, recruiter, hr_admin, api_key_for):
    _, second = two_runs
    rec = {"HTTP_AUTHORIZATION": f"Bearer {api_key_for(recruiter)}"}
    hr = {"HTTP_AUTHORIZATION": f"Bearer {api_key_for(hr_admin)}"}
    assert client.post(f"{API}/runs/{second.id}/publish", {}, content_type="application/json", **rec).status_code == 403
    client.force_login(recruiter)
    client.post(f"/forecasts/runs/{second.id}/publish/")
    assert selectors.forecast_run_published(metric="demand").id != second.id
    r = client.post(f"{API}/runs/{second.id}/publish", {}, content_type="application/json", **hr)
    assert r.status_code == 200 and r.json()[0]["run_id"] == str(second.id)
    assert selectors.forecast_run_published(metric="demand").id == second.id


def test_only_completed_runs_can_be_published(two_runs, hr_admin, api_key_for, client):
    from forecasts.models import ForecastRun

    queued = ForecastRun.objects.create(metric="demand")
    with pytest.raises(services.PublishError, match="only a completed run"):
        services.forecast_run_publish(run_id=queued.id, user=hr_admin)
    r = client.post(
        f"{API}/runs/{queued.id}/publish",
        {},
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {api_key_for(hr_admin)}",
    )
    assert r.status_code == 409


def test_a_run_is_compared_side_by_side_with_the_published_one(two_runs, hr_client):
    first, second = two_runs
    cmp = selectors.run_comparison(run=second)
    demand = cmp["metrics"][0]
    assert demand["published"]["run_id"] == str(first.id) and not demand["is_published"]
    oak = next(s for s in demand["series"] if s["key"] == "oak")
    assert oak["total"] == 1200 and oak["published_total"] == 400 and oak["difference"] == 800
    page = hr_client.get(f"/forecasts/runs/{second.id}/compare/")
    assert page.status_code == 200 and b"800" in page.content
    detail = hr_client.get(f"/forecasts/runs/{second.id}/")
    assert b'id="publish-run"' in detail.content
