"""Browser: an HR admin imports a CSV through the admin (upload → preview → confirm)."""

import os
from pathlib import Path

import pytest
from django.db import connections

os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

FIXTURES = Path(__file__).resolve().parent.parent / "technicians" / "fixtures"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync"]  # fmt: skip


@pytest.fixture
def hr_setup(transactional_db):
    """Districts and an HR admin, created before the browser starts."""
    from tests.factories import HR_ADMIN, DistrictFactory, RegionFactory, make_user

    west = RegionFactory(code="west", name="West")
    for code in ("phx", "dal"):
        DistrictFactory(code=code, name=code.upper(), region=west)
    make_user("hradmin-e2e", HR_ADMIN)


@pytest.mark.e2e
def test_hr_admin_previews_bad_rows_then_imports_a_good_file(hr_setup, live_server):
    from playwright.sync_api import sync_playwright

    from technicians.models import Technician

    if not Path("/usr/bin/chromium").exists():
        pytest.skip("chromium not installed (run `make browser`)")
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=ARGS)
        page = browser.new_page()
        page.goto(f"{live_server.url}/admin/login/")
        page.fill("#id_username", "hradmin-e2e")
        page.fill("#id_password", "pw-12345678")
        page.click("input[type=submit]")
        page.goto(f"{live_server.url}/admin/technicians/technician/")
        page.click("text=Import CSV")

        page.set_input_files("input[type=file]", str(FIXTURES / "technicians_bad.csv"))
        page.click("text=Preview import")
        assert page.locator("#import-errors tbody tr").count() >= 7
        assert page.locator("input[value='Confirm import']").is_disabled()
        assert Technician.objects.count() == 0
        # inside Playwright's event loop Django hands out a separate connection: close it, or the
        # test database cannot be dropped at the end of the session
        connections.close_all()

        page.click("text=Upload another file")
        page.set_input_files("input[type=file]", str(FIXTURES / "technicians.csv"))
        page.click("text=Preview import")
        assert page.inner_text("#count-create") == "3"
        page.click("input[value='Confirm import']")
        page.wait_for_url("**/admin/technicians/technician/")
        assert "created 3, updated 0" in page.inner_text(".messagelist")
        browser.close()
    assert Technician.objects.count() == 3
