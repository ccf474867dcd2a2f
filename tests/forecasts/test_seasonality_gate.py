"""The seasonality gate: two full cycles and a significant yearly cycle, or no seasonal model."""

import numpy as np

from forecasts.prophet import use_holidays, yearly_order
from forecasts.seasonality import has_seasonality


def _share(make, m, runs=60):
    rng = np.random.default_rng(11)
    return np.mean([has_seasonality(make(rng), m) for _ in range(runs)])


def test_a_clear_yearly_cycle_is_found_in_monthly_and_weekly_series():
    t36, t156 = np.arange(36), np.arange(156)
    assert _share(lambda r: 100 + 10 * np.sin(2 * np.pi * t36 / 12) + r.normal(0, 3, 36), 12) >= 0.95
    assert _share(lambda r: 100 + 10 * np.sin(2 * np.pi * t156 / 52) + r.normal(0, 3, 156) + 0.2 * t156, 52) >= 0.95


def test_noise_trends_and_level_shifts_are_not_called_seasonal():
    t = np.arange(48)
    assert _share(lambda r: 100 + r.normal(0, 3, 48), 12) <= 0.1
    assert _share(lambda r: 100 + 2 * t + r.normal(0, 3, 48), 12) <= 0.1
    assert _share(lambda r: 100 + 25 * (t > 30) + r.normal(0, 3, 48), 12) <= 0.1


def test_fewer_than_two_cycles_is_never_seasonal():
    t = np.arange(23)
    assert not has_seasonality(100 + 30 * np.sin(2 * np.pi * t / 12), 12)
    assert yearly_order(23, "monthly", 100 + 30 * np.sin(2 * np.pi * t / 12)) == 0


def test_prophet_yearly_terms_follow_the_gate_and_holidays_only_weekly():
    t = np.arange(48)
    seasonal, flat = 100 + 30 * np.sin(2 * np.pi * t / 12), 100 + np.random.default_rng(1).normal(0, 3, 48)
    assert yearly_order(48, "monthly", seasonal) == 5
    assert yearly_order(48, "monthly", flat) == 0
    assert use_holidays("weekly") and not use_holidays("monthly")


def test_a_sharp_or_multiplicative_cycle_is_found_from_three_years():
    """A one-month December spike on a growing series (souvenir sales, drug sales) has little power in two
    smooth harmonics; the all-harmonics test on log differences finds it."""
    t = np.arange(36)
    spike = np.where(t % 12 == 11, 1.8, 1.0)
    assert _share(lambda r: (100 + 3 * t) * spike * r.lognormal(0, 0.08, 36), 12) >= 0.9
    growing = (50 + 4 * t) * (1 + 0.3 * np.sin(2 * np.pi * t / 12))  # cycle grows with the level
    assert _share(lambda r: growing * r.lognormal(0, 0.05, 36), 12) >= 0.9


def test_autocorrelated_noise_is_rarely_called_seasonal():
    def ar1(r, n=60, phi=0.7):
        e, x = r.normal(0, 3, n), np.zeros(n)
        for i in range(1, n):
            x[i] = phi * x[i - 1] + e[i]
        return 100 + x

    assert _share(ar1, 12, runs=120) <= 0.12
    assert _share(lambda r: 100 + np.cumsum(r.normal(0, 3, 60)), 12, runs=120) <= 0.12
