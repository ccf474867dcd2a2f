"""Weekly service demand per district for the demo company: size × trend × climate season × US holidays × noise.

Also ``season_factor``, the seasonal workload shape shared with the technicians' monthly metrics.
"""

from __future__ import annotations

from datetime import date, timedelta

import holidays as holidays_lib
import numpy as np
import pandas as pd

from technicians.demo.company import JOBS_PER_TECH_WEEK


def season_factor(climate: np.ndarray | str, day_of_year: np.ndarray | float) -> np.ndarray:
    """Multiplicative seasonal workload (mean ≈ 1): hot = summer AC peak, cold = winter heating peak."""
    climate = np.asarray(climate)
    doy = np.asarray(day_of_year, dtype=float)
    summer = np.cos(2 * np.pi * (doy - 196) / 365.25)
    winter = np.cos(2 * np.pi * (doy - 20) / 365.25)
    hot = 0.28 * summer + 0.05 * winter
    cold = 0.24 * winter + 0.08 * summer
    mild = 0.10 * summer + 0.10 * winter
    return 1.0 + np.where(climate == "hot", hot, np.where(climate == "cold", cold, mild))


# Share of a week's demand lost to a holiday on a weekday; unlisted federal holidays lose 3 %.
HOLIDAY_DIPS = {
    "Thanksgiving Day": 0.26,  # Thursday + the Friday after
    "Christmas Day": 0.24,
    "New Year's Day": 0.17,
    "Independence Day": 0.17,
    "Memorial Day": 0.15,
    "Labor Day": 0.15,
}


def _holiday_dip(us_holidays, monday: date) -> float:
    """Fraction of demand lost in the week starting ``monday`` (holidays Monday–Friday only)."""
    dip = 0.0
    for j in range(5):
        name = us_holidays.get(monday + timedelta(days=j))
        if name:
            dip += max(
                (HOLIDAY_DIPS.get(n.replace("(observed)", "").strip(), 0.03) for n in name.split(";")), default=0.03
            )
    return min(dip, 0.5)


def _demand_frame(districts, window_start, as_of, target_headcount, rng) -> pd.DataFrame:
    """Weekly jobs requested per district: size × trend × season × holidays × noise."""
    first_monday = window_start + timedelta(days=(7 - window_start.weekday()) % 7)
    last_monday = as_of - timedelta(days=as_of.weekday())
    n_w = (last_monday - first_monday).days // 7 + 1
    weeks = [first_monday + timedelta(days=7 * i) for i in range(n_w)]
    us = holidays_lib.US(years=range(first_monday.year, last_monday.year + 1))
    holiday_dip = np.array([_holiday_dip(us, w) for w in weeks])
    doy = np.array([(w + timedelta(days=3)).timetuple().tm_yday for w in weeks])
    # Months since window start (fractional) for the trend.
    t_month = np.array([(w - window_start).days / 30.4375 for w in weeks])
    trend = np.array([target_headcount(x) for x in t_month])
    share = districts["size_weight"].to_numpy() / districts["size_weight"].sum()
    n_d = len(districts)
    season = season_factor(districts["climate"].to_numpy()[:, None], doy[None, :])
    holiday = (1 - holiday_dip)[None, :]
    mean = JOBS_PER_TECH_WEEK * share[:, None] * trend[None, :] * season * holiday
    mean = mean * rng.lognormal(0, 0.045, size=(n_d, n_w))
    jobs = rng.poisson(mean)
    return pd.DataFrame(
        {
            "district_code": np.repeat(districts["code"].to_numpy(), n_w),
            "week_start": np.tile(np.array(weeks, dtype=object), n_d),
            "jobs_requested": jobs.ravel().astype(np.int64),
        }
    )
