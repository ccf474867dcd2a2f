"""Hiring plan page: bad "weeks ahead" is explained in place (htmx swaps only 2xx), the box's limits
match the server's, and the sort survives a change of weeks or region."""

import pytest

from tests.factories import DistrictFactory, RegionFactory
from tests.forecasts.conftest import make_completed_run


@pytest.fixture
def plan(db):
    north = RegionFactory(code="north", name="North")
    DistrictFactory(code="oak", name="Oakland", region=north)
    return make_completed_run(demand={"oak": [(5, 4, 6)] * 4}, horizon=4)


@pytest.mark.parametrize("weeks", ["0", "26", "abc"])
def test_out_of_range_weeks_is_shown_in_place_and_not_pushed(recruiter_client, plan, weeks):
    r = recruiter_client.get(f"/forecasts/hiring-plan/?weeks={weeks}&sort=-gap", HTTP_HX_REQUEST="true")
    html = r.content.decode()
    assert r.status_code == 200  # swapped by htmx into the page, next to the box
    assert 'role="alert"' in html and "from 1 to 4" in html and "covers 4 weeks" in html
    assert r["HX-Push-Url"] == "false"
    # a plain request (no JavaScript) still gets the 400 status with the same message
    full = recruiter_client.get(f"/forecasts/hiring-plan/?weeks={weeks}")
    assert full.status_code == 400 and "from 1 to 4" in full.content.decode()


def test_weeks_box_limits_come_from_the_forecast_horizon(recruiter_client, plan):
    html = recruiter_client.get("/forecasts/hiring-plan/?weeks=4").content.decode()
    assert 'min="1" max="4"' in html


def test_sort_is_part_of_the_form_so_a_region_change_keeps_it(recruiter_client, plan):
    part = recruiter_client.get("/forecasts/hiring-plan/?weeks=4&sort=-gap", HTTP_HX_REQUEST="true").content.decode()
    assert '<input type="hidden" name="sort" value="-gap" form="plan-form">' in part
    page = recruiter_client.get("/forecasts/hiring-plan/?weeks=4&region=north&sort=-gap").content.decode()
    assert 'id="plan-form"' in page and 'value="-gap" form="plan-form"' in page


def test_page_without_parameters_uses_twelve_weeks(recruiter_client, db):
    DistrictFactory(code="oak", name="Oakland", region=RegionFactory(code="north", name="North"))
    make_completed_run(demand={"oak": [(5, 4, 6)] * 12}, horizon=12)
    r = recruiter_client.get("/forecasts/hiring-plan/")
    assert (
        r.status_code == 200
        and 'name="weeks" min="1" max="12" step="1" data-default="12" value="12"' in r.content.decode()
    )
