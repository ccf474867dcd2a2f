"""Each method of the portfolio forecasts what it should on series whose answer is known."""

import numpy as np
import pandas as pd
import pytest

from forecasts import baselines, statsmodels_adapter
from forecasts.prophet import build_model, fast_predict, with_regressors


def _frame(values, freq="MS"):
    return pd.DataFrame({"ds": pd.date_range("2018-01-01", periods=len(values), freq=freq), "y": values})


def test_naive_repeats_the_last_value():
    out = baselines.naive(_frame([3.0, 5.0, 4.0]), horizon=3, frequency="monthly").forecast
    assert out["yhat"].tolist() == [4.0, 4.0, 4.0]
    assert list(out["ds"]) == list(pd.date_range("2018-04-01", periods=3, freq="MS"))


def test_drift_extends_the_line_through_first_and_last_values():
    out = baselines.drift(_frame([10.0, 13.0, 11.0, 16.0]), horizon=2, frequency="monthly").forecast
    assert out["yhat"].tolist() == pytest.approx([18.0, 20.0])  # slope (16 − 10) / 3


def test_seasonal_naive_uses_the_value_one_year_earlier_on_monthly_data():
    y = list(range(30))
    out = baselines.seasonal_naive(_frame(y), horizon=3, frequency="monthly").forecast
    assert out["yhat"].tolist() == [18, 19, 20]


def test_damped_ets_follows_a_trend_but_flattens_it():
    y = 100 + 2.0 * np.arange(48) + np.random.default_rng(1).normal(0, 0.5, 48)
    fc = statsmodels_adapter.damped_ets(_frame(y), horizon=24, frequency="monthly").forecast["yhat"].to_numpy()
    assert fc[0] == pytest.approx(196, abs=3)
    steps = np.diff(fc)
    assert (steps > 0).all() and steps[-1] <= steps[0] + 1e-9  # still rising, never faster


def test_theta_is_ses_plus_half_the_trend_slope():
    y = 50 + 1.0 * np.arange(60) + np.random.default_rng(2).normal(0, 0.3, 60)
    fc = statsmodels_adapter.theta(_frame(y), horizon=12, frequency="monthly").forecast["yhat"].to_numpy()
    assert np.diff(fc).mean() == pytest.approx(0.5, abs=0.05)  # θ = 2: drift of half the OLS slope
    assert fc[0] == pytest.approx(109.5, abs=2)


def test_seasonal_adjustment_puts_the_cycle_back_on_ets_and_theta():
    t = np.arange(60)
    y = 100 + 20 * np.sin(2 * np.pi * t / 12)
    for fn in (statsmodels_adapter.damped_ets, statsmodels_adapter.theta):
        fc = fn(_frame(y), horizon=12, frequency="monthly", seasonal=True).forecast["yhat"].to_numpy()
        truth = 100 + 20 * np.sin(2 * np.pi * np.arange(60, 72) / 12)
        assert np.abs(fc - truth).max() < 3


def test_holt_winters_learns_a_seasonal_shape_that_grows_with_the_trend():
    t = np.arange(72)
    rng = np.random.default_rng(5)
    y = 200 + 1.5 * t + 30 * np.sin(2 * np.pi * t / 12) + rng.normal(0, 1.0, 72)
    fc = statsmodels_adapter.holt_winters(_frame(y), horizon=12, frequency="monthly").forecast["yhat"].to_numpy()
    truth = 200 + 1.5 * np.arange(72, 84) + 30 * np.sin(2 * np.pi * np.arange(72, 84) / 12)
    assert np.abs(fc - truth).mean() < 4  # noise σ = 1; seasonal naive would be off by ~18 (a year of trend)
    with pytest.raises(ValueError, match="two cycles"):
        statsmodels_adapter.holt_winters(_frame(y[:20]), horizon=12, frequency="monthly")


def test_fast_predict_without_seasonality_or_regressors_is_the_trend():
    """Regression: np.hstack([]) used to raise when a model had neither seasonalities nor regressors."""
    from forecasts.prophet import PROFILES

    y = 10 + 0.5 * np.arange(40) + np.random.default_rng(3).normal(0, 0.2, 40)
    model = build_model(PROFILES["headcount"], interval_width=0.8, uncertainty_samples=0, yearly=0, holidays=False)
    model.fit(_frame(y, "W-MON"))
    future = model.make_future_dataframe(periods=4, freq="W-MON")
    assert fast_predict(model, future) == pytest.approx(model.predict(future)["yhat"].to_numpy(), rel=1e-9)
    assert fast_predict(model, with_regressors(future, "weekly")) == pytest.approx(
        model.predict(future)["yhat"].to_numpy(), rel=1e-9
    )
