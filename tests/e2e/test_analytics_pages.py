"""Browser test: overview (home after login) tiles + sparklines + filter, segment comparison, survival, trends."""

from datetime import date

import pytest


@pytest.fixture
def trained_world(transactional_db, tmp_path, settings):
    from analytics.population import add_months
    from predictions.services import model_run, model_train
    from tests.factories import HR_ADMIN, make_user
    from tests.predictions.conftest import FAST_EBM, make_world

    settings.MODEL_STORE = tmp_path / "models"
    make_world(n=100, months=14, start=add_months(date.today().replace(day=1), -14))
    m = model_run(model_id=model_train(model_type="retention", params=FAST_EBM, enqueue=False).id)
    assert m.status == "active", m.error
    make_user("hr-e2e", HR_ADMIN)


@pytest.mark.e2e
def test_overview_compare_survival_trends(live_server, trained_world, browser_page):
    page = browser_page
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("#id_username", "hr-e2e")
    page.fill("#id_password", "pw-12345678")
    page.click("button[type=submit]")

    # the overview is the home page: seven tiles, sparklines drawn by Chart.js
    page.wait_for_selector("#tile-headcount")
    assert page.locator(".tile").count() == 7
    page.wait_for_selector("#tile-headcount canvas[data-rendered]")
    total = int(page.locator("#tile-headcount .v").inner_text())
    page.select_option("#af-district", "d0")  # HTMX swaps the tiles and pushes the URL
    page.wait_for_url("**district=d0**")
    page.wait_for_selector("#tile-headcount canvas[data-rendered]")
    assert 0 < int(page.locator("#tile-headcount .v").inner_text()) < total

    # segment comparison: the sentence, the factor chart, sums that hold
    page.goto(f"{live_server.url}/analytics/compare/")
    page.select_option("#a_district", "d0")
    page.select_option("#b_district", "d1")
    page.click("#compare-form button[type=submit]")
    page.wait_for_selector("#compare-summary")
    assert "points" in page.inner_text("#compare-summary")
    page.wait_for_selector("#factor-chart[data-rendered]")
    assert page.locator("#factor-table tbody tr").count() >= 5

    # survival curves and the log-rank test
    page.goto(f"{live_server.url}/analytics/survival/?by=trade")
    page.wait_for_selector("#survival-chart[data-rendered]")
    assert page.locator("#survival-table tbody tr").count() == 3  # hvac, appliance, all
    assert "Log-rank test" in page.inner_text("#logrank-result")

    # trends: switching the split redraws the chart through HTMX
    page.goto(f"{live_server.url}/analytics/trends/")
    page.wait_for_selector("#trend-chart[data-rendered]")
    page.select_option("#tf-split", "district")
    page.wait_for_url("**split=district**")
    page.wait_for_selector("#trend-chart[data-rendered]")
    assert "District 0" in page.inner_text("#trend-table")
