import numpy as np
import pandas as pd
import pytest

from forecasts.baselines import seasonal_naive
from forecasts.prophet import (
    PROFILES,
    SeriesTooShort,
    build_model,
    fast_predict,
    forecast,
    holiday_frame,
    with_regressors,
)


def _frame(values):
    return pd.DataFrame({"ds": pd.date_range("2024-01-01", periods=len(values), freq="W-MON"), "y": values})


def test_forecasts_of_a_count_falling_to_zero_are_never_negative():
    y = np.clip(np.linspace(12, 0, 60) + np.random.default_rng(0).normal(0, 1.5, 60), 0, None)
    for profile in (PROFILES["headcount"], PROFILES["hires"]):
        out = forecast(_frame(y), horizon=20, profile=profile).forecast
        assert len(out) == 20
        assert (out[["yhat", "yhat_lower", "yhat_upper"]] >= 0).all().all()
        assert (out["yhat_lower"] <= out["yhat"]).all() and (out["yhat"] <= out["yhat_upper"]).all()


def test_forecast_continues_weekly_mondays_after_the_history():
    y = np.arange(40, dtype=float) + 5 + np.random.default_rng(1).normal(0, 0.5, 40)
    out = forecast(_frame(y), horizon=3).forecast
    assert list(out["ds"]) == list(pd.date_range("2024-10-07", periods=3, freq="W-MON"))
    assert out["yhat"].iloc[0] == pytest.approx(45, abs=2)


def test_sampled_intervals_are_available_on_request():
    y = np.sin(np.arange(40)) * 3 + 10
    out = forecast(_frame(y), horizon=4, intervals="sampled").forecast
    assert (out["yhat_upper"] > out["yhat_lower"]).all()


def test_too_short_history_is_refused_with_a_reason():
    with pytest.raises(SeriesTooShort, match="at least 26"):
        forecast(_frame([1.0] * 10), horizon=4)


def test_holidays_are_mapped_to_the_monday_of_their_week():
    hol = holiday_frame(pd.Timestamp("2025-01-01"), pd.Timestamp("2025-12-31"), "weekly")
    july4 = hol[hol["holiday"].str.contains("Independence")]
    assert pd.Timestamp("2025-06-30") in set(july4["ds"])  # 4 July 2025 is a Friday
    assert (hol["ds"].dt.weekday == 0).all()


def test_seasonal_naive_repeats_last_season():
    y = list(range(60))
    out = seasonal_naive(_frame(y), horizon=3).forecast
    assert out["yhat"].tolist() == [8, 9, 10]  # n=60, season 52: the values 52 weeks earlier
    short = seasonal_naive(_frame([3.0, 4.0, 5.0]), horizon=2).forecast
    assert short["yhat"].tolist() == [5.0, 5.0]


@pytest.mark.parametrize("profile", ["headcount", "demand"])  # additive and multiplicative seasonality
def test_fast_path_equals_prophet_predict(profile):
    y = 50 + 10 * np.sin(np.arange(70) * 2 * np.pi / 52) + np.random.default_rng(3).normal(0, 1, 70)
    model = build_model(PROFILES[profile], interval_width=0.8, uncertainty_samples=0)
    model.fit(with_regressors(_frame(y), "weekly"))
    future = with_regressors(model.make_future_dataframe(periods=8, freq="W-MON"), "weekly")
    assert fast_predict(model, future) == pytest.approx(model.predict(future)["yhat"].to_numpy(), rel=1e-9, abs=1e-9)


def test_yearly_seasonality_only_with_enough_history():
    from forecasts.prophet import yearly_order

    assert (yearly_order(30, "weekly"), yearly_order(60, "weekly"), yearly_order(104, "weekly")) == (0, 0, 10)
