"""Browser test: work the risk list (sort, tick, bulk enrol), set a status with a note on the technician's page
and see it in the history, then read alerts from the bell."""

import pytest

from tests.e2e.conftest import wait_js


@pytest.fixture
def world(transactional_db):
    from alerts.services import alerts_scan
    from tests.factories import RECRUITER, make_user
    from tests.worklist.conftest import make_scored_world

    data = make_scored_world()
    make_user("rec-e2e", RECRUITER)
    alerts_scan()
    return data


@pytest.mark.e2e
def test_worklist_and_alerts(live_server, world, browser_page):
    page = browser_page
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("#id_username", "rec-e2e")
    page.fill("#id_password", "pw-12345678")
    page.click("button[type=submit]")
    page.wait_for_selector("#alerts-bell")
    assert page.inner_text("#alerts-bell-count") == "4"

    # the worklist: highest risk first; a column header re-sorts in place (htmx) and pushes the URL
    page.goto(f"{live_server.url}/worklist/")
    assert page.locator("#worklist tbody tr").first.get_attribute("data-employee") == "E3"
    page.click("#worklist th a[data-sort=name]")
    page.wait_for_url("**sort=-name**")
    wait_js(page, "document.querySelector('#worklist tbody tr').dataset.employee === 'E5'")

    # tick two rows and enrol them in the program
    page.check("#worklist input[value=E1]")
    page.check("#worklist input[value=E5]")
    page.select_option("#bulk-action", "enrol")
    page.click("#bulk-submit")
    page.wait_for_selector(".messages")
    assert "Enrolled 2 in Overtime cap" in page.inner_text(".messages")

    # the technician's page: status + note through the worklist card, kept in its history
    page.goto(f"{live_server.url}/technicians/E1/")
    page.wait_for_selector("#worklist-panel #case-form")
    page.select_option("#case-status", "contacted")
    page.fill("#case-note", "Called about overtime")
    page.click("#case-form button[type=submit]")
    wait_js(
        page,
        "document.querySelector('#worklist-history') && "
        "document.querySelector('#worklist-history').innerText.includes('Called about overtime')",
    )
    history = page.inner_text("#worklist-history")
    assert "New → Contacted" in history and "Enrolled in program" in history

    # alerts: mark all read empties the unread list
    page.goto(f"{live_server.url}/alerts/")
    assert page.locator("#notifications li").count() == 4
    page.click("#mark-all-read")
    page.wait_for_selector("#no-alerts")
    assert page.inner_text("#alerts-bell-count") == "0"  # the bell follows without a reload (out-of-band swap)
