import math
import sys
import types
from datetime import date, timedelta

import pytest

from forecasts import selectors
from tests.factories import CandidateFactory, DistrictFactory, RegionFactory, SnapshotFactory, TechnicianFactory
from tests.forecasts.conftest import AS_OF, make_completed_run


@pytest.fixture
def plan_fixture(db, monkeypatch):
    # make sure no predictions selector is importable unless a test installs one
    monkeypatch.setitem(sys.modules, "predictions.selectors", types.ModuleType("predictions.selectors"))
    region = RegionFactory(code="north")
    d = DistrictFactory(code="oak", name="Oakland", region=region)
    other = DistrictFactory(code="sjc", name="San Jose", region=region)
    for _ in range(10):
        t = TechnicianFactory(district=d, hire_date=date(2020, 1, 6))
        SnapshotFactory(technician=t, month=date(2025, 5, 1), jobs_completed=65)  # 65·12/52 = 15 jobs/week
        # June is in progress on AS_OF (month-to-date): it must not count towards productivity
        SnapshotFactory(technician=t, month=date(2025, 6, 1), jobs_completed=2)
    # two left inside the last 12 weeks (1 voluntary, 1 involuntary), one long ago
    TechnicianFactory(
        district=d,
        hire_date=date(2020, 1, 6),
        termination_date=AS_OF - timedelta(weeks=3),
        termination_type="voluntary",
    )
    TechnicianFactory(
        district=d,
        hire_date=date(2020, 1, 6),
        termination_date=AS_OF - timedelta(weeks=10),
        termination_type="involuntary",
    )
    TechnicianFactory(
        district=d,
        hire_date=date(2020, 1, 6),
        termination_date=AS_OF - timedelta(weeks=40),
        termination_type="voluntary",
    )
    CandidateFactory(district=d, stage="accepted", expected_start_date=AS_OF + timedelta(weeks=1))
    CandidateFactory(district=d, stage="accepted", expected_start_date=AS_OF + timedelta(weeks=20))  # starts too late
    CandidateFactory(district=d, stage="offer")
    # 4 weeks × 150 jobs (interval 120..180)
    make_completed_run(demand={"oak": [(150, 120, 180)] * 4, "sjc": [(10, 5, 15)] * 4})
    return d, other


def _row(rows, district, trade="hvac"):
    return next(r for r in rows if r["district"] == district and r["trade"] == trade)


def test_hiring_plan_arithmetic_on_a_small_fixture(plan_fixture):
    row = _row(selectors.hiring_plan(weeks=4, district="oak", as_of=AS_OF), "oak")
    assert row["current_headcount"] == 10
    assert row["exits_source"] == "historical rate"
    assert row["expected_exits"] == pytest.approx(2 / 12 * 4, abs=0.01)  # 2 leavers in 12 weeks → per 4 weeks
    assert row["accepted_offers"] == 1
    assert row["trade_share"] == 1.0 and row["trade_share_source"] == "share of technicians"
    assert row["forecast_demand"] == 600
    assert row["jobs_per_tech_per_week"] == 15
    assert row["required_technicians"] == 10.0  # 150 jobs a week ÷ 15 jobs per technician per week
    # the open offer-stage candidate applied long ago: P(accept) 1.0 (both decided candidates accepted) ×
    # P(stay 90 days) 0.85 (no quality-of-hire model, no recent hires to measure survival: the default)
    assert row["pipeline"] == 1 and row["pipeline_expected"] == pytest.approx(0.85, abs=0.01)
    expected = 10 - 2 / 12 * 4 + 1 + 0.85
    assert row["expected_headcount"] == pytest.approx(expected, abs=0.01)
    assert row["gap"] == pytest.approx(10 - expected, abs=0.01)
    assert row["gap_low"] == pytest.approx(120 / 15 - expected, abs=0.05)
    assert row["gap_high"] == pytest.approx(180 / 15 - expected, abs=0.05)
    assert row["hires_needed"] == 0 and row["surplus"] == pytest.approx(expected - 10, abs=0.01)
    # another trade in the same district has no technicians and no share of demand
    assert _row(selectors.hiring_plan(weeks=4, district="oak", as_of=AS_OF), "oak", "plumbing")["forecast_demand"] == 0


def test_roll_up_never_nets_a_surplus_against_a_shortage(plan_fixture):
    from forecasts.hiring_plan import rollup

    rows = [
        {"current_headcount": 5, "expected_exits": 0, "accepted_offers": 0, "pipeline_expected": 0,
         "required_technicians": 12.2, "expected_headcount": 5, "gap": 7.2, "hires_needed": 8, "surplus": 0.0},
        {"current_headcount": 30, "expected_exits": 0, "accepted_offers": 0, "pipeline_expected": 0,
         "required_technicians": 20, "expected_headcount": 30, "gap": -10, "hires_needed": 0, "surplus": 10.0},
        {"current_headcount": 3, "expected_exits": 0, "accepted_offers": 0, "pipeline_expected": 0,
         "required_technicians": None, "expected_headcount": 3, "gap": None, "hires_needed": None, "surplus": None},
    ]  # fmt: skip
    totals = rollup(rows)
    assert totals["hires_needed"] == 8  # not 8 − 10 = −2
    assert totals["surplus"] == 10.0
    assert totals["cells_short"] == 1 and totals["cells_without_plan"] == 1
    report = selectors.hiring_plan_report(weeks=4, as_of=AS_OF, trade="hvac")
    assert report["totals"]["hires_needed"] == sum(r["hires_needed"] or 0 for r in report["rows"])


def test_hiring_plan_uses_the_retention_model_per_district_and_trade(plan_fixture, monkeypatch, settings):
    settings.RETENTION_HORIZON_DAYS = 56  # P(leave within 8 weeks); the plan covers 4 weeks → half
    fake = types.ModuleType("predictions.selectors")
    fake.expected_departures_by_district_trade = lambda *, as_of=None: {("oak", "hvac"): 3.5, ("oak", "plumbing"): 1}
    monkeypatch.setitem(sys.modules, "predictions.selectors", fake)
    rows = selectors.hiring_plan(weeks=4, district="oak", as_of=AS_OF)
    row = _row(rows, "oak")
    assert row["exits_source"] == "retention model"
    assert row["expected_exits"] == 1.75
    assert _row(rows, "oak", "plumbing")["expected_exits"] == 0.5


def test_time_to_fill_is_the_median_from_application_to_start(plan_fixture):
    from forecasts.hiring_plan import time_to_fill_weeks, ttf_for

    d, other = plan_fixture
    for applied, started in ((date(2025, 1, 6), date(2025, 2, 17)), (date(2025, 2, 3), date(2025, 4, 14))):
        tech = TechnicianFactory(district=d, hire_date=started)
        CandidateFactory(district=d, stage="hired", applied_date=applied, hired_technician=tech)
    tech = TechnicianFactory(district=other, trade="plumbing", hire_date=date(2025, 3, 3))
    CandidateFactory(
        district=other, trade="plumbing", stage="hired", applied_date=date(2025, 2, 24), hired_technician=tech
    )
    ttf = time_to_fill_weeks(as_of=AS_OF)
    assert ttf[("oak", "hvac")] == pytest.approx((6 + 10) / 2)  # 6 and 10 weeks
    assert ttf_for(ttf, "sjc", "hvac") == (pytest.approx(8.0), "trade")  # no sjc hvac hires: the trade's median
    assert ttf_for(ttf, "sjc", "plumbing") == (1.0, "district × trade")
    assert ttf_for(ttf, "sjc", "electrical")[1] == "company"


def test_requisition_opens_time_to_fill_plus_ramp_up_before_the_first_short_week(plan_fixture, settings):
    settings.FORECAST_RAMP_UP_WEEKS = 2
    from forecasts.hiring_plan import Scenario

    base = _row(selectors.hiring_plan(weeks=4, district="oak", as_of=AS_OF), "oak")
    assert base["open_requisition_by"] is None  # never short
    short = _row(selectors.hiring_plan(weeks=4, district="oak", as_of=AS_OF, scenario=Scenario(demand_pct=50)), "oak")
    assert short["hires_needed"] == math.ceil(15 - short["expected_headcount"])
    # short from the first forecast week: open now (time-to-fill 6 weeks default + 2 ramp-up lies in the past)
    assert short["open_requisition_by"] == AS_OF.isoformat()


def test_scenarios_recompute_the_plan_without_a_new_run(plan_fixture):
    from forecasts.hiring_plan import Scenario
    from forecasts.models import ForecastRun

    runs = ForecastRun.objects.count()
    base = _row(selectors.hiring_plan(weeks=4, district="oak", as_of=AS_OF), "oak")
    more = _row(selectors.hiring_plan(weeks=4, district="oak", as_of=AS_OF, scenario=Scenario(demand_pct=20)), "oak")
    faster = _row(
        selectors.hiring_plan(weeks=4, district="oak", as_of=AS_OF, scenario=Scenario(capacity_pct=25)), "oak"
    )
    assert more["required_technicians"] == pytest.approx(base["required_technicians"] * 1.2)
    assert faster["required_technicians"] == pytest.approx(base["required_technicians"] / 1.25)
    assert ForecastRun.objects.count() == runs
    with pytest.raises(selectors.ForecastInputError, match="demand change"):
        selectors.hiring_plan(weeks=4, scenario=Scenario(demand_pct=150))


def test_hiring_plan_filters_by_region_and_refuses_unknown_values(plan_fixture):
    rows = selectors.hiring_plan(weeks=4, region="north", trade="hvac", as_of=AS_OF)
    assert [r["district"] for r in rows] == ["oak", "sjc"]
    with pytest.raises(selectors.ForecastInputError, match="valid region codes: north"):
        selectors.hiring_plan(region="mars")
    with pytest.raises(selectors.ForecastInputError, match="valid district codes: oak, sjc"):
        selectors.hiring_plan(district="xyz")
    with pytest.raises(selectors.ForecastInputError, match="at most 4"):
        selectors.hiring_plan(weeks=8)
    with pytest.raises(selectors.ForecastInputError, match="between 1 and 52"):
        selectors.hiring_plan(weeks=0)


def test_hiring_plan_without_a_forecast_says_so(db):
    with pytest.raises(selectors.NoForecastError, match="run_forecasts"):
        selectors.hiring_plan()


def test_trade_demand_share_follows_the_per_trade_demand_and_its_drift(plan_fixture):
    from technicians.models import DemandTradeWeek

    d, _ = plan_fixture
    monday = AS_OF - timedelta(days=AS_OF.weekday())
    for k in range(12):  # hvac's share drifts from 40 % up by 1 point a week; plumbing takes the rest
        week = monday - timedelta(weeks=12 - k)
        hvac = 40 + k
        DemandTradeWeek.objects.create(district=d, trade="hvac", week_start=week, jobs_requested=hvac)
        DemandTradeWeek.objects.create(district=d, trade="plumbing", week_start=week, jobs_requested=100 - hvac)
    row = _row(selectors.hiring_plan(weeks=4, district="oak", as_of=AS_OF), "oak")
    # last observed share 51 %, extrapolated 2.5 weeks further to the middle of the 4-week window
    assert row["trade_share"] == pytest.approx(0.535, abs=0.005)
    assert row["trade_share_source"].startswith("per-trade demand")
    assert row["forecast_demand"] == pytest.approx(600 * row["trade_share"], abs=1)
