"""Browser test: a recruiter opens the forecast page, the chart draws, and switching the district
swaps the chart and accuracy panel in place (HTMX, no full reload) while the URL follows."""

import math
from datetime import date, timedelta

import pytest

from tests.e2e.conftest import ARTIFACTS, wait_js
from tests.factories import DistrictFactory, RegionFactory
from tests.forecasts.conftest import make_completed_run

pytestmark = pytest.mark.e2e


@pytest.fixture
def forecasts(transactional_db):
    west = RegionFactory(code="west", name="West")
    DistrictFactory(code="dal", name="Dallas", region=west)
    DistrictFactory(code="phx", name="Phoenix", region=west)
    start = date(2025, 6, 2)
    run = make_completed_run(
        demand={
            "dal": [(400 + 10 * i, 360 + 10 * i, 440 + 10 * i) for i in range(12)],
            "phx": [(200 - 5 * i, 170 - 5 * i, 230 - 5 * i) for i in range(12)],
        },
        horizon=12,
        start=start,
    )
    for s in run.series.all():
        base = 400 if s.key == "dal" else 220
        s.history = [
            {"ds": (start - timedelta(weeks=60 - w)).isoformat(), "y": base + 40 * math.sin(2 * math.pi * w / 52)}
            for w in range(60)
        ]
        baseline_wins = s.key == "phx"
        s.backtest = {
            "folds": 3, "mase_scale": "naive1",
            "prophet": {"mase": 0.9 if baseline_wins else 0.6, "smape": 8.0, "coverage": 0.7},
            "seasonal_naive": {"mase": 0.7 if baseline_wins else 1.1, "smape": 7.0, "coverage": 0.8},
            "reconciled": {"mase": 0.88 if baseline_wins else 0.58, "smape": 7.9, "coverage": 0.72},
            "prophet_reconciled": {"mase": 0.88 if baseline_wins else 0.58},
            "prophet_beats_baseline": not baseline_wins, "chosen_beats_baseline": not baseline_wins,
        }  # fmt: skip
        s.reconciliation = "mint"
        s.save()
    return run


def test_switching_series_swaps_chart_and_accuracy_in_place(live_server, browser_page, forecasts, recruiter):
    page = browser_page
    page.goto(f"{live_server.url}/forecasts/?metric=demand&level=district&key=dal")
    page.fill("#id_username", "rec")
    page.fill("#id_password", "pw-12345678")
    page.click("button[type=submit]")
    page.wait_for_selector("#forecast-chart[data-drawn]")
    assert "Dallas" in page.inner_text("#fc-title")
    assert "Prophet beats the baseline" in page.inner_text("#accuracy-panel")
    page.evaluate("window.__marker = 'same page'")  # survives only if there is no full reload

    page.select_option("#fc-where", "district:phx")
    wait_js(
        page, "document.querySelector('#fc-title') && document.querySelector('#fc-title').innerText.includes('Phoenix')"
    )
    page.wait_for_selector("#forecast-chart[data-drawn]")
    assert page.evaluate("window.__marker") == "same page"
    assert "key=phx" in page.url or "district%3Aphx" in page.url
    panel = page.inner_text("#accuracy-panel")
    assert "Seasonal naive wins" in panel
    drawn = page.evaluate(
        "Chart.getChart(document.getElementById('forecast-chart')).data.datasets.map(d => d.data.filter(v => v !== null).length)"
    )
    # band upper/lower and forecast (joined to the last actual), then history: the default 1-year window of 60 weeks
    assert drawn == [13, 13, 52, 13]
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "forecast_page.png"), full_page=True)

    page.goto(f"{live_server.url}/forecasts/hiring-plan/?weeks=12")
    page.wait_for_selector("#plan-table")
    page.click("#plan-table th >> text=Forecast jobs")
    page.wait_for_selector("#plan-table th[aria-sort]")
    page.screenshot(path=str(ARTIFACTS / "hiring_plan.png"), full_page=True)


def test_hiring_plan_scenario_and_export_follow_the_page(live_server, browser_page, forecasts, recruiter):
    page = browser_page
    page.goto(f"{live_server.url}/forecasts/hiring-plan/?weeks=12&trade=hvac")
    page.fill("#id_username", "rec")
    page.fill("#id_password", "pw-12345678")
    page.click("button[type=submit]")
    page.wait_for_selector("#plan-table")
    before = page.inner_text("#plan-table tbody tr:first-child td:nth-child(7)")
    page.fill("#hp-demand", "50")
    page.dispatch_event("#hp-demand", "change")
    wait_js(
        page, f"document.querySelector('#plan-table tbody tr:first-child td:nth-child(7)').innerText !== {before!r}"
    )
    page.select_option("#hp-region", "west")
    wait_js(page, "document.querySelector('#plan-csv').href.includes('region=west')")
    href = page.get_attribute("#plan-csv", "href")
    assert "demand_pct=50" in href and "trade=hvac" in href and "weeks=12" in href
    shown = page.eval_on_selector_all(
        "#plan-table tbody tr", "rows => rows.map(r => r.dataset.district + '/' + r.dataset.trade)"
    )
    body = page.evaluate("(u) => fetch(u).then(r => r.text())", href)
    exported = [",".join(line.split(",")[:4:3]) for line in body.strip().splitlines()[1:]]
    assert [s.replace("/", ",") for s in shown] == exported
    page.fill("#hp-weeks", "13")  # beyond the published 12-week horizon: the reason shows in place
    page.dispatch_event("#hp-weeks", "change")
    page.wait_for_selector("#plan-error")
    assert "from 1 to 12" in page.inner_text("#plan-error")
    assert page.get_attribute("#hp-weeks", "max") == "12"


def test_publishing_a_run_switches_the_dashboards(live_server, browser_page, forecasts, hr_admin):
    from forecasts import services

    services.forecast_run_publish(run_id=forecasts.id, user=None)
    newer = make_completed_run(demand={"dal": [(999, 900, 1100)] * 12, "phx": [(5, 4, 6)] * 12}, horizon=12)
    page = browser_page
    page.goto(f"{live_server.url}/forecasts/hiring-plan/?weeks=12&district=dal&trade=hvac")
    page.fill("#id_username", hr_admin.username)
    page.fill("#id_password", "pw-12345678")
    page.click("button[type=submit]")
    page.wait_for_selector("#plan-table")
    assert "999" not in page.inner_text("#plan-table")
    jobs_before = page.inner_text("#plan-table tbody tr:first-child td:nth-child(7)")
    assert str(forecasts.id)[:8] in page.inner_text("#plan") and str(newer.id)[:8] not in page.inner_text("#plan")
    page.goto(f"{live_server.url}/forecasts/runs/{newer.id}/")
    page.click("#publish-run")
    page.wait_for_selector("[data-published='demand']")
    page.goto(f"{live_server.url}/forecasts/?metric=demand&level=district&key=dal")
    page.wait_for_selector("#forecast-chart[data-drawn]")
    assert "999" in page.inner_text("body") or page.evaluate(
        "Chart.getChart(document.getElementById('forecast-chart')).data.datasets.some(d => d.data.includes(999))"
    )
    # the hiring plan reads the published run too: Dallas' forecast jobs follow the new run (999 a week)
    page.goto(f"{live_server.url}/forecasts/hiring-plan/?weeks=12&district=dal&trade=hvac")
    page.wait_for_selector("#plan-table")
    assert str(newer.id)[:8] in page.inner_text("#plan")
    assert page.inner_text("#plan-table tbody tr:first-child td:nth-child(7)") != jobs_before
