"""Browser test: a recruiter logs in, filters the technicians list by district and trade, and the
table swaps in place (no full reload) while the URL follows the filters."""

import random
from datetime import date, timedelta
from decimal import Decimal

import pytest

from tests.e2e.conftest import ARTIFACTS, wait_js
from tests.factories import TechnicianFactory
from tests.technicians.conftest import make_people

pytestmark = pytest.mark.e2e


@pytest.fixture
def workforce(transactional_db):
    """The shared technicians fixture plus enough Dallas technicians to make a realistic page."""
    people = make_people()
    rnd = random.Random(3)
    dal = people["alice"].district
    first = ["Maria", "James", "Wei", "Olga", "Tomas", "Aisha", "Kevin", "Priya", "Luis", "Hannah"]
    last = ["Garcia", "Nguyen", "Smith", "Okafor", "Rossi", "Kim", "Lopez", "Novak", "Patel", "Moore"]
    for i in range(14):
        hired = date(2019, 1, 1) + timedelta(days=rnd.randrange(2000))
        TechnicianFactory(
            employee_id=f"E2{i:02d}", first_name=first[i % 10], last_name=last[(i * 3) % 10], district=dal,
            trade=rnd.choice(["hvac", "appliance", "refrigeration"]), hire_date=hired, pay_rate=Decimal("47.83"),
            termination_date=hired + timedelta(days=400) if i % 5 == 0 else None,
        )  # fmt: skip
    return people


def test_recruiter_filters_the_list_in_place(live_server, workforce, recruiter, browser_page):
    # data fixtures before browser_page: database work after Playwright has started its event loop in this
    # thread would open a second connection that outlives the test and blocks dropping the test database
    page = browser_page
    page.goto(f"{live_server.url}/technicians/")
    # not logged in: the login form, which brings us back to the list
    page.fill("#id_username", "rec")
    page.fill("#id_password", "pw-12345678")
    page.click("button[type=submit]")
    page.wait_for_selector("#tech-table")
    assert page.url.startswith(f"{live_server.url}/technicians/")
    total = page.locator("#tech-table tbody tr").count()
    assert total == 18

    page.evaluate("window.__noReload = 'still here'")
    with page.expect_response(lambda r: "district=dal" in r.url and r.request.headers.get("hx-request") == "true"):
        page.select_option("#id_district", "dal")
    wait_js(page, "document.querySelectorAll('#tech-table tbody tr').length === 16")

    with page.expect_response(lambda r: "trade=hvac" in r.url):
        page.select_option("#id_trade", "hvac")
    wait_js(page, "!document.querySelector('#tech-table').innerText.includes('Appliance')")
    rows = page.locator("#tech-table tbody tr")
    assert rows.count() >= 2
    assert all("HVAC" in rows.nth(i).inner_text() for i in range(rows.count()))

    # swapped in place: the page (and its window state) survived, and the URL follows the filters
    assert page.evaluate("window.__noReload") == "still here"
    assert "district=dal" in page.url and "trade=hvac" in page.url

    # sorting also swaps in place and keeps the filters
    with page.expect_response(lambda r: "sort=hire_date" in r.url):
        page.click("#tech-table th a:has-text('Hired')")
    page.wait_for_selector("#tech-table th[aria-sort=ascending]")
    assert page.evaluate("window.__noReload") == "still here"
    assert "sort=hire_date" in page.url and "district=dal" in page.url

    # a recruiter never sees pay
    assert "47.83" not in page.content() and "Pay / h" not in page.content()

    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "technicians_list.png"), full_page=True)

    # choosing a region narrows the district select in the same swap (out-of-band) and drops Dallas
    with page.expect_response(lambda r: "region=east" in r.url):
        page.select_option("#id_region", "east")
    page.wait_for_selector("text=No technicians match these filters")
    options = page.locator("#id_district option").all_inner_texts()
    assert options == ["All districts in region", "Boston"]
    assert page.evaluate("window.__noReload") == "still here"
    page.go_back()  # history: back to the Dallas/HVAC list, sorted
    page.wait_for_selector("#tech-table th[aria-sort=ascending]")
    # the filter controls follow the URL back too (not the later "East" choice)
    wait_js(page, "document.querySelector('#id_region').value === ''")
    assert page.input_value("#id_district") == "dal" and page.input_value("#id_trade") == "hvac"

    # search reacts to input events (paste, autofill), not only key presses
    with page.expect_response(lambda r: "q=Adams" in r.url):
        page.evaluate("""() => { const q = document.querySelector('#id_q'); q.value = 'Adams';
                                 q.dispatchEvent(new Event('input', {bubbles: true})); }""")

    # the detail page draws its chart from the vendored Chart.js
    page.click("#tech-table a:has-text('E100')")
    wait_js(page, "!!(window.Chart && Chart.getChart(document.getElementById('tech-chart')))")
    assert "Alice Adams" in page.content() and "47.83" not in page.content()
    page.screenshot(path=str(ARTIFACTS / "technician_detail.png"), full_page=True)
