"""The pure demo generator: deterministic, internally consistent, with the documented planted drivers."""

from datetime import date, timedelta

import numpy as np
import pandas as pd
import pytest

from technicians.demo import demo_generate

AS_OF = date(2026, 11, 18)


@pytest.fixture(scope="module")
def small():
    return demo_generate(technicians=200, months=12, seed=42, as_of=AS_OF)


@pytest.fixture(scope="module")
def mid():
    """A mid-size company for rates and drivers (pure numpy: well under a second)."""
    return demo_generate(technicians=2000, months=36, seed=42, as_of=AS_OF)


def _month_number(values) -> np.ndarray:
    idx = pd.DatetimeIndex(pd.to_datetime(pd.Series(values).to_numpy()))
    return idx.year.to_numpy() * 12 + idx.month.to_numpy()


def _person_months(data) -> pd.DataFrame:
    """Snapshots joined to their technician, with pay vs district median and tenure in months."""
    techs = data.technicians.set_index("id")
    s = data.snapshots.copy()
    s["district"] = techs["district_code"].reindex(s["technician_id"]).to_numpy()
    s["pay"] = s["pay_rate"].astype(float)
    s["pay_ratio"] = s["pay"] / s.groupby(["district", "month"])["pay"].transform("median")
    s["tenure_m"] = _month_number(s["month"]) - _month_number(techs["hire_date"].reindex(s["technician_id"]))
    term = techs["termination_date"].reindex(s["technician_id"])
    term_month = pd.Series([date(d.year, d.month, 1) if d else None for d in term], index=s.index)
    leaves = term_month.to_numpy() == s["month"].to_numpy()
    s["left_vol"] = leaves & (techs["termination_type"].reindex(s["technician_id"]).to_numpy() == "voluntary")
    return s


def test_same_seed_gives_identical_frames(small):
    again = demo_generate(technicians=200, months=12, seed=42, as_of=AS_OF)
    for name in ("regions", "districts", "technicians", "snapshots", "candidates", "demand"):
        pd.testing.assert_frame_equal(getattr(small, name), getattr(again, name))


def test_different_seed_gives_different_people(small):
    other = demo_generate(technicians=200, months=12, seed=43, as_of=AS_OF)
    assert list(other.technicians["email"][:20]) != list(small.technicians["email"][:20])
    assert not other.demand["jobs_requested"].equals(small.demand["jobs_requested"])


def test_invalid_sizes_are_rejected():
    with pytest.raises(ValueError):
        demo_generate(technicians=0, months=12, as_of=AS_OF)


def test_company_shape(small):
    assert set(small.regions["code"]) == {"west", "central", "south", "northeast"}
    assert len(small.districts) == 20 and {"dal", "phx"} <= set(small.districts["code"])
    assert set(small.districts["climate"]) == {"hot", "mild", "cold"}
    assert small.technicians["employee_id"].is_unique and small.technicians["id"].is_unique


def test_active_headcount_at_as_of_is_near_the_requested_size(mid):
    active = mid.technicians["termination_date"].isna().sum()
    assert 1800 <= active <= 2200


def test_snapshots_cover_exactly_the_employed_months(small):
    s = small.snapshots
    assert not s.duplicated(["technician_id", "month"]).any()
    assert all(m.day == 1 for m in s["month"])
    assert s["month"].max() == date(AS_OF.year, AS_OF.month, 1)
    techs = small.technicians.set_index("id")
    window_start = _month_number([small.window_start])[0]
    first = np.maximum(_month_number(techs["hire_date"]), window_start)
    term = techs["termination_date"].fillna(AS_OF)
    last = _month_number(term)
    expected = pd.Series(last - first + 1, index=techs.index)
    got = s.groupby("technician_id").size().reindex(techs.index, fill_value=0)
    pd.testing.assert_series_equal(got, expected, check_names=False, check_dtype=False)
    by_tech = s.groupby("technician_id")["month"].agg(["min", "max"]).reindex(techs.index)
    assert (_month_number(by_tech["min"]) == first).all()
    assert (_month_number(by_tech["max"]) == last).all()


def test_dates_are_consistent(small):
    t = small.technicians
    assert (t["hire_date"] <= AS_OF).all()
    ended = t[t["termination_date"].notna()]
    assert (ended["termination_date"] >= ended["hire_date"]).all()
    assert (ended["termination_date"] <= AS_OF).all()
    assert set(ended["termination_type"]) <= {"voluntary", "involuntary"}
    assert (ended["termination_reason"] != "").all()
    assert (t.loc[t["termination_date"].isna(), "termination_type"] == "").all()
    assert t["pay_rate"].between(17.5, 60).all()
    assert t["performance_rating"].between(1, 5).all()


def test_attributes_carry_the_extra_keys(small):
    for attrs in small.technicians["attributes"]:
        assert set(attrs) == {"shift_preference", "union_member", "van_age_years"}
        assert isinstance(attrs["union_member"], bool) and isinstance(attrs["van_age_years"], int)


def test_candidates_pipeline(small):
    c = small.candidates
    assert c["candidate_id"].is_unique
    hired = c[c["stage"] == "hired"]
    assert hired["hired_technician_id"].notna().all() and hired["hired_technician_id"].is_unique
    assert set(hired["hired_technician_id"]) <= set(small.technicians["id"])
    assert c.loc[c["stage"] != "hired", "hired_technician_id"].isna().all()
    assert {"rejected", "withdrawn", "applied", "accepted"} <= set(c["stage"])
    open_ = c[c["stage"].isin(["applied", "screening", "interview", "offer", "accepted"])]
    assert (open_["applied_date"] >= AS_OF - timedelta(days=60)).all()
    accepted = c[c["stage"] == "accepted"]
    assert (accepted["expected_start_date"] > AS_OF).all()
    assert (accepted["expected_start_date"] <= AS_OF + timedelta(days=45)).all()
    assert 1.3 <= len(c) / len(hired) <= 1.7
    emails = pd.concat([small.technicians["email"], c.loc[c["stage"] != "hired", "email"]])
    assert emails.is_unique


def test_demand_is_weekly_non_negative_with_climate_seasonality(mid):
    d = mid.demand
    assert (d["jobs_requested"] >= 0).all()
    assert all(w.weekday() == 0 for w in d["week_start"])
    assert not d.duplicated(["district_code", "week_start"]).any()
    month = np.array([w.month for w in d["week_start"]])
    summer, winter = np.isin(month, [6, 7, 8]), np.isin(month, [12, 1, 2])
    for code, summer_peak in (("phx", True), ("hou", True), ("chi", False), ("bos", False)):
        rows = (d["district_code"] == code).to_numpy()
        s_mean = d.loc[rows & summer, "jobs_requested"].mean()
        w_mean = d.loc[rows & winter, "jobs_requested"].mean()
        assert (s_mean > w_mean) == summer_peak, code


def test_demand_dips_in_thanksgiving_week(mid):
    total = mid.demand.groupby("week_start")["jobs_requested"].sum()
    for year in (2024, 2025):
        thursday = [d for d in pd.date_range(f"{year}-11-01", f"{year}-11-30") if d.weekday() == 3][3].date()
        week = thursday - timedelta(days=3)
        neighbours = [total[week - timedelta(days=14)], total[week + timedelta(days=14)]]
        assert total[week] < 0.9 * min(neighbours)


def test_turnover_rates_are_in_the_planted_range(mid):
    headcount = mid.snapshots.groupby("month").size().mean()
    years = 3
    t = mid.technicians
    voluntary = (t["termination_type"] == "voluntary").sum() / years / headcount
    involuntary = (t["termination_type"] == "involuntary").sum() / years / headcount
    assert 0.17 <= voluntary <= 0.27
    assert 0.03 <= involuntary <= 0.07


def test_planted_drivers_show_in_monthly_leave_rates(mid):
    s = _person_months(mid)

    def rate(mask):
        return s.loc[mask, "left_vol"].mean()

    assert rate(s["overtime_hours"] > 12) > 2 * rate(s["overtime_hours"] < 5)
    assert rate(s["pay_ratio"] < 0.9) > 2 * rate(s["pay_ratio"] > 1.05)
    assert rate(s["tenure_m"] < 6) > 2 * rate(s["tenure_m"] > 48)
    assert rate(s["drive_time_minutes"] > 95) > 1.5 * rate(s["drive_time_minutes"] < 55)
    assert rate(s["csat"] < 4.1) > 1.3 * rate(s["csat"] > 4.6)
    assert rate(s["training_hours"] == 0) > rate(s["training_hours"] > 0)


def test_overtime_creeps_up_before_voluntary_exits(mid):
    s = _person_months(mid).sort_values(["technician_id", "month"])
    s["ot_change_3m"] = s["overtime_hours"] - s.groupby("technician_id")["overtime_hours"].shift(3)
    leavers = s.loc[s["left_vol"], "ot_change_3m"].dropna()
    everyone = s["ot_change_3m"].dropna()
    assert leavers.mean() > everyone.mean() + 1.0


def test_quality_of_hire_drivers_decide_90_day_retention(mid):
    c = mid.candidates[mid.candidates["stage"] == "hired"]
    t = mid.technicians.set_index("id").reindex(c["hired_technician_id"])
    mature = (t["hire_date"] <= AS_OF - timedelta(days=120)).to_numpy()
    stayed = np.array(
        [
            end is None or (end - start).days >= 90
            for start, end in zip(t["hire_date"], t["termination_date"], strict=True)
        ]
    )
    c, stayed = c[mature], stayed[mature]
    by_source = pd.Series(stayed).groupby(c["source"].to_numpy()).mean()
    assert by_source["referral"] > by_source["agency"] + 0.08
    assessment = c["assessment_score"].to_numpy()
    assert stayed[assessment >= 80].mean() > stayed[assessment < 62].mean() + 0.05
    assert 0.7 <= stayed.mean() <= 0.92


def test_many_districts_are_deterministic_valid_codes_and_leave_the_default_company_alone():
    import re

    as_of = date(2026, 6, 30)
    many = demo_generate(technicians=300, months=3, as_of=as_of, districts=45)
    codes = many.districts["code"].tolist()
    assert len(codes) == len(set(codes)) == 45 and all(re.fullmatch(r"[a-z0-9-]{1,30}", c) for c in codes)
    assert set(many.technicians["district_code"]) <= set(codes)
    again = demo_generate(technicians=300, months=3, as_of=as_of, districts=45)
    pd.testing.assert_frame_equal(many.districts, again.districts)
    default, twenty = (demo_generate(technicians=200, months=2, as_of=as_of, districts=d) for d in (None, 20))
    pd.testing.assert_frame_equal(default.technicians, twenty.technicians)
