import pytest

from forecasts.models import ForecastRun
from tests.factories import DistrictFactory, RegionFactory
from tests.forecasts.conftest import make_completed_run


@pytest.fixture
def one_district(db):
    return DistrictFactory(code="oak", name="Oakland", region=RegionFactory(code="north", name="North"))


def test_forecast_page_full_and_htmx_partial(recruiter_client, one_district):
    run = make_completed_run(demand={"oak": [(5, 4, 6)] * 4})
    run.series.update(history=[{"ds": "2025-05-19", "y": 4.0}, {"ds": "2025-05-26", "y": 6.0}])
    full = recruiter_client.get("/forecasts/?metric=demand&level=district&key=oak")
    assert full.status_code == 200
    assert b"<html" in full.content and b"forecast-chart" in full.content and b"Backtest accuracy" in full.content
    part = recruiter_client.get("/forecasts/?metric=demand&where=district:oak", HTTP_HX_REQUEST="true")
    assert part.status_code == 200 and b"<html" not in part.content and b"forecast-data" in part.content


def test_forecast_page_explains_bad_input_and_missing_runs(recruiter_client, one_district):
    assert b"valid metrics" in recruiter_client.get("/forecasts/?metric=pay").content
    assert b"no forecast" in recruiter_client.get("/forecasts/?metric=demand").content.lower()


def test_hiring_plan_page_sorts_and_links_to_the_district_forecast(recruiter_client, one_district):
    DistrictFactory(code="sjc", name="San Jose", region=one_district.region)
    make_completed_run(demand={"oak": [(5, 4, 6)] * 4, "sjc": [(50, 40, 60)] * 4})
    page = recruiter_client.get("/forecasts/hiring-plan/?weeks=4&sort=-forecast_demand")
    html = page.content.decode()
    assert page.status_code == 200
    assert html.index('data-district="sjc"') < html.index('data-district="oak"')
    assert "/forecasts/?metric=demand&amp;level=district&amp;key=oak" in html
    csv = recruiter_client.get("/forecasts/hiring-plan.csv?weeks=4")
    assert csv.status_code == 200 and "sjc" in csv.content.decode()
    assert recruiter_client.get("/forecasts/hiring-plan.csv?weeks=99").status_code == 400
    # "weeks ahead" beyond the published horizon: the reason is shown in place (htmx swaps a 200 partial)
    part = recruiter_client.get("/forecasts/hiring-plan/?weeks=13", HTTP_HX_REQUEST="true")
    assert part.status_code == 200 and b"Weeks ahead must be a whole number from 1 to 4" in part.content
    full = recruiter_client.get("/forecasts/hiring-plan/?weeks=0")
    assert full.status_code == 400 and b'max="4"' in full.content and b'role="alert"' in full.content


def test_run_button_queues_one_run_at_a_time_for_hr_only(hr_client, recruiter, db, django_capture_on_commit_callbacks):
    from django.test import Client

    recruiter_client = Client()
    recruiter_client.force_login(recruiter)
    with django_capture_on_commit_callbacks(execute=False):
        assert recruiter_client.post("/forecasts/runs/start/", {"metric": "demand"}).status_code == 403
        assert ForecastRun.objects.count() == 0  # starting runs is an HR permission
        r = hr_client.post("/forecasts/runs/start/", {"metric": "demand"})
        assert r.status_code == 302
        hr_client.post("/forecasts/runs/start/", {"metric": "demand"})
    assert ForecastRun.objects.count() == 1
    page = hr_client.get("/forecasts/runs/")
    assert b"ws-connect" in page.content and b"run-progress-" in page.content


def test_pages_need_login(client, db):
    assert client.get("/forecasts/").status_code == 302
    assert client.get("/forecasts/hiring-plan/").status_code == 302


def test_hr_admin_can_queue_a_run_from_django_admin(hr_client, django_capture_on_commit_callbacks):
    page = hr_client.get("/admin/forecasts/forecastrun/")
    assert page.status_code == 200 and b"Run forecasts now" in page.content
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        r = hr_client.post("/admin/forecasts/forecastrun/run-now/")
    assert r.status_code == 302 and len(callbacks) == 1
    assert ForecastRun.objects.get().metric == ""


def test_hiring_plan_csv_guards_spreadsheet_formulas(recruiter_client, db):
    DistrictFactory(code="evil", name="=HYPERLINK(1)", region=RegionFactory(code="r1"))
    make_completed_run(demand={"evil": [(5, 4, 6)] * 4})
    body = recruiter_client.get("/forecasts/hiring-plan.csv?weeks=4").content.decode()
    assert "'=HYPERLINK(1)" in body


def test_export_csv_is_exactly_the_filtered_sorted_table(recruiter_client, one_district):
    import csv
    import io
    import re

    DistrictFactory(code="sjc", name="San Jose", region=one_district.region)
    DistrictFactory(code="bos", name="Boston", region=RegionFactory(code="east", name="East"))
    make_completed_run(demand={"oak": [(5, 4, 6)] * 4, "sjc": [(50, 40, 60)] * 4, "bos": [(20, 15, 25)] * 4})
    query = "weeks=3&region=north&trade=hvac&sort=-forecast_demand&demand_pct=10"
    page = recruiter_client.get(f"/forecasts/hiring-plan/?{query}", HTTP_HX_REQUEST="true").content.decode()
    shown = re.findall(r'data-district="(\w+)" data-trade="(\w+)"', page)
    link = re.search(r'id="plan-csv" href="([^"]+)"', page).group(1).replace("&amp;", "&")
    exported = list(csv.DictReader(io.StringIO(recruiter_client.get(link).content.decode())))
    assert shown == [("sjc", "hvac"), ("oak", "hvac")]  # north only, hvac only, most demand first
    assert [(r["district"], r["trade"]) for r in exported] == shown
    assert float(exported[0]["forecast_demand"]) == pytest.approx(50 * 3 * 1.1 / 5)  # 3 weeks, +10 %, 1/5 each
    assert "weeks=3" in link and "demand_pct=10" in link and "sort=-forecast_demand" in link


def test_a_scenario_changes_the_plan_on_the_page(recruiter_client, one_district):
    make_completed_run(demand={"oak": [(50, 40, 60)] * 4})
    base = recruiter_client.get("/forecasts/hiring-plan/?weeks=4&trade=hvac").context["rows"][0]
    more = recruiter_client.get("/forecasts/hiring-plan/?weeks=4&trade=hvac&demand_pct=50").context["rows"][0]
    assert more["forecast_demand"] == pytest.approx(base["forecast_demand"] * 1.5)
    bad = recruiter_client.get("/forecasts/hiring-plan/?weeks=4&demand_pct=abc", HTTP_HX_REQUEST="true")
    assert bad.status_code == 200 and b"Demand change % must be a number from -100 to 100" in bad.content
