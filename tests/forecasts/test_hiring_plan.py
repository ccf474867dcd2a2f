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


def test_hiring_plan_arithmetic_on_a_small_fixture(plan_fixture):
    row = selectors.hiring_plan(weeks=4, district="oak", as_of=AS_OF)[0]
    assert row["current_headcount"] == 10
    assert row["departures_source"] == "historical rate"
    assert row["expected_departures"] == pytest.approx(2 / 12 * 4, abs=0.01)  # 2 leavers in 12 weeks → per 4 weeks
    assert row["accepted_offers"] == 1
    assert row["forecast_demand"] == 600
    assert row["jobs_per_tech_per_week"] == 15
    assert row["required_technicians"] == 10.0  # 600 jobs ÷ (15 jobs/week × 4 weeks)
    assert row["expected_headcount"] == pytest.approx(10 - 0.67 + 1, abs=0.01)
    assert row["gap"] == pytest.approx(10 - (10 - 0.67 + 1), abs=0.05)
    assert row["gap_low"] == pytest.approx(480 / 60 - 10.33, abs=0.05)
    assert row["gap_high"] == pytest.approx(720 / 60 - 10.33, abs=0.05)
    assert row["hires_needed"] == 0


def test_hiring_plan_uses_the_retention_model_when_available(plan_fixture, monkeypatch, settings):
    settings.RETENTION_HORIZON_DAYS = 28  # scores = P(leave within 4 weeks) = the plan's window
    fake = types.ModuleType("predictions.selectors")
    fake.expected_departures_by_district = lambda *, as_of=None: {"oak": 3.5}
    monkeypatch.setitem(sys.modules, "predictions.selectors", fake)
    row = selectors.hiring_plan(weeks=4, district="oak", as_of=AS_OF)[0]
    assert row["departures_source"] == "retention model"
    assert row["expected_departures"] == 3.5
    assert row["expected_headcount"] == pytest.approx(10 - 3.5 + 1)


def test_hiring_plan_filters_by_region_and_refuses_unknown_values(plan_fixture):
    assert [r["district"] for r in selectors.hiring_plan(weeks=4, region="north", as_of=AS_OF)] == ["oak", "sjc"]
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


def test_retention_risk_is_rescaled_to_the_plan_window(plan_fixture, monkeypatch, settings):
    settings.RETENTION_HORIZON_DAYS = 56  # P(leave within 8 weeks); the plan covers 4 weeks → half
    fake = types.ModuleType("predictions.selectors")
    fake.expected_departures_by_district = lambda *, as_of=None: {"oak": 3.5}
    monkeypatch.setitem(sys.modules, "predictions.selectors", fake)
    assert selectors.hiring_plan(weeks=4, district="oak", as_of=AS_OF)[0]["expected_departures"] == 1.75


def test_trade_plan_takes_the_trades_share_of_demand(plan_fixture):
    d, _ = plan_fixture
    for _ in range(5):  # 10 hvac (from the fixture) + 5 plumbing active → hvac share 2/3
        TechnicianFactory(district=d, trade="plumbing", hire_date=date(2020, 1, 6))
    row = selectors.hiring_plan(weeks=4, district="oak", trade="hvac", as_of=AS_OF)[0]
    assert row["current_headcount"] == 10
    assert row["trade_share"] == pytest.approx(10 / 15, abs=0.001)
    assert row["forecast_demand"] == pytest.approx(600 * 10 / 15, abs=0.1)
    assert row["required_technicians"] == pytest.approx(400 / 60, abs=0.05)  # 400 hvac jobs ÷ (15 × 4)
    assert "hvac share" in row["note"]
