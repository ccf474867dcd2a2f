from datetime import date, timedelta

import pandas as pd

from forecasts.series import build_series, district_frame
from tests.factories import DistrictFactory, RegionFactory, TechnicianFactory


def test_weekly_index_is_complete_and_zero_filled(db, settings):
    settings.FORECAST_HISTORY_MAX_WEEKS = 20
    d = DistrictFactory(code="aaa")
    TechnicianFactory(district=d, hire_date=date(2025, 1, 7))  # week of Mon 2025-01-06
    TechnicianFactory(district=d, hire_date=date(2025, 1, 9))
    TechnicianFactory(district=d, hire_date=date(2025, 2, 5))  # week of Mon 2025-02-03
    frame = district_frame("hires", as_of=date(2025, 2, 19))
    assert list(frame.index) == list(pd.date_range("2025-01-06", "2025-02-10", freq="W-MON"))
    assert frame["aaa"].tolist() == [2.0, 0.0, 0.0, 0.0, 1.0, 0.0]


def test_headcount_counts_active_at_week_end(db, settings):
    settings.FORECAST_HISTORY_MAX_WEEKS = 10
    d = DistrictFactory(code="hc")
    TechnicianFactory(district=d, hire_date=date(2024, 1, 1))
    TechnicianFactory(
        district=d, hire_date=date(2024, 1, 1), termination_date=date(2025, 3, 5), termination_type="voluntary"
    )
    TechnicianFactory(district=d, hire_date=date(2025, 3, 12))
    frame = district_frame("headcount", as_of=date(2025, 3, 26))
    by_week = dict(zip(frame.index.date, frame["hc"], strict=True))
    assert by_week[date(2025, 2, 24)] == 2  # both employed on Sun 2025-03-02
    assert by_week[date(2025, 3, 3)] == 1  # one left on 2025-03-05
    assert by_week[date(2025, 3, 10)] == 2  # a new hire on 2025-03-12


def test_region_and_company_equal_the_sum_of_their_districts(small_hierarchy, as_of):
    specs = {(s.level, s.key): s.history.set_index("ds")["y"] for s in build_series("demand")}
    dal, phx, bos = specs[("district", "dal")], specs[("district", "phx")], specs[("district", "bos")]
    pd.testing.assert_series_equal(specs[("region", "west")], dal + phx, check_names=False)
    pd.testing.assert_series_equal(specs[("region", "east")], bos, check_names=False)
    pd.testing.assert_series_equal(specs[("company", "company")], dal + phx + bos, check_names=False)
    assert (specs[("company", "company")] > 0).all()


def test_series_end_at_the_last_complete_week(small_hierarchy, as_of):
    specs = build_series("terminations_voluntary")
    last = specs[0].history["ds"].iloc[-1].date()
    assert last == as_of - timedelta(days=as_of.weekday()) - timedelta(weeks=1)
    assert all(len(s.history) == len(specs[0].history) for s in specs)
    assert {s.level for s in specs} == {"company", "region", "district"}


def test_district_without_events_is_all_zero(db, settings):
    settings.FORECAST_HISTORY_MAX_WEEKS = 8
    r = RegionFactory(code="r")
    busy = DistrictFactory(code="busy", region=r)
    DistrictFactory(code="quiet", region=r)
    TechnicianFactory(district=busy, hire_date=date(2025, 1, 8))
    frame = district_frame("hires", as_of=date(2025, 2, 12))
    assert frame["quiet"].sum() == 0 and len(frame) == 5
