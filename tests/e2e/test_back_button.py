"""Browser test: Back and Forward bring the filter controls back with the URL and the results (the one
mechanism in static/js/app.js: forms marked data-url-state follow the URL) on the forecasts page and the
hiring plan — including a page first reached by a link with other parameters (?level=district&key=dal)."""

import pytest

from tests.e2e.conftest import wait_js
from tests.e2e.test_forecast_page import forecasts  # noqa: F401 - the fixture: a published two-district run

pytestmark = pytest.mark.e2e


def _login(page, url: str) -> None:
    page.goto(url)
    page.fill("#id_username", "rec")
    page.fill("#id_password", "pw-12345678")
    page.click("button[type=submit]")


def _title_has(page, text: str) -> None:
    wait_js(
        page,
        f"!!document.querySelector('#fc-title') && document.querySelector('#fc-title').innerText.includes({text!r})",
    )


def _value_is(page, selector: str, value: str) -> None:
    """Poll: after Back an htmx history restore may still be swapping the form in for a moment."""
    wait_js(page, f"!!document.querySelector({selector!r}) && document.querySelector({selector!r}).value === {value!r}")


def test_back_restores_controls_results_and_charts(live_server, browser_page, forecasts, recruiter):  # noqa: F811
    page = browser_page
    _login(page, f"{live_server.url}/forecasts/?metric=demand&level=district&key=dal")
    page.wait_for_selector("#forecast-chart[data-drawn]")
    _title_has(page, "Dallas")
    assert "where=district%3Adal" in page.url  # the link's parameters are rewritten to the form's

    with page.expect_response(lambda r: "metric=headcount" in r.url):
        page.select_option("#fc-metric", "headcount")
    wait_js(page, "location.search.includes('metric=headcount')")
    with page.expect_response(lambda r: "district%3Aphx" in r.url):
        page.select_option("#fc-where", "district:phx")
    wait_js(page, "location.search.includes('district%3Aphx')")

    page.go_back()  # headcount for Dallas
    wait_js(page, "location.search.includes('district%3Adal') && location.search.includes('metric=headcount')")
    wait_js(page, "document.querySelector('#fc-where').value === 'district:dal'")
    _value_is(page, "#fc-metric", "headcount")

    page.go_back()  # the demand chart for Dallas, as first shown, drawn again
    wait_js(page, "location.search.includes('metric=demand')")
    wait_js(page, "document.querySelector('#fc-metric').value === 'demand'")
    _value_is(page, "#fc-where", "district:dal")
    _title_has(page, "Dallas")
    wait_js(page, "!!Chart.getChart(document.getElementById('forecast-chart'))")

    page.go_forward()
    wait_js(page, "document.querySelector('#fc-metric').value === 'headcount'")
    _value_is(page, "#fc-where", "district:dal")

    # the hiring plan (same browser session: one login, one fixture for both pages)
    page.goto(f"{live_server.url}/forecasts/hiring-plan/?weeks=12")
    page.wait_for_selector("#plan-table")
    first_sort = page.evaluate("(document.querySelector('#plan-table th[aria-sort]') || {}).innerText || ''")
    assert "Forecast jobs" not in first_sort

    with page.expect_response(lambda r: "sort=forecast_demand" in r.url):
        page.click("#plan-table th a:has-text('Forecast jobs')")
    wait_js(page, "(document.querySelector('#plan-table th[aria-sort]') || {}).innerText.includes('Forecast jobs')")
    sort = page.evaluate("new URLSearchParams(location.search).get('sort')")

    page.fill("#hp-weeks", "6")
    with page.expect_response(lambda r: "weeks=6" in r.url):
        page.dispatch_event("#hp-weeks", "change")
    with page.expect_response(lambda r: "region=west" in r.url):
        page.select_option("#hp-region", "west")
    wait_js(page, "location.search.includes('region=west')")
    assert f"sort={sort}" in page.url  # the sort survives a change of region

    page.go_back()  # 6 weeks, all regions, still sorted
    wait_js(page, "document.querySelector('#hp-region').value === ''")
    _value_is(page, "#hp-weeks", "6")
    assert f"sort={sort}" in page.url
    page.wait_for_selector("#plan-table th[aria-sort]")

    page.go_back()  # 12 weeks, sorted
    wait_js(page, "document.querySelector('#hp-weeks').value === '12'")
    _value_is(page, "#hp-region", "")
    assert "over the next 12 weeks" in page.inner_text("#plan").lower()

    page.go_back()  # the first view, in its first order
    wait_js(
        page,
        f"!location.search.includes('sort=') && (document.querySelector('#plan-table th[aria-sort]') || {{}}).innerText === {first_sort!r}",
    )
    _value_is(page, "#hp-weeks", "12")
