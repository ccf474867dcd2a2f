"""Conformal intervals: on simulated series with known noise, the nominal 80 % covers about 80 %."""

import numpy as np
import pandas as pd
import pytest

from forecasts import conformal
from forecasts.backtest import fit_and_backtest


def test_per_step_intervals_cover_80_percent_of_fresh_errors():
    rng = np.random.default_rng(0)
    inside = total = 0
    for _ in range(400):
        # random-walk forecast errors: the error h steps ahead is a sum of h N(0, 1) shocks
        errors = np.cumsum(rng.normal(0, 1, (4, 12)), axis=1)
        cal = conformal.calibrate(errors[:3], width=0.8)
        lower, upper = conformal.intervals(np.zeros(12), cal, nonnegative=False)
        inside += int(np.sum((errors[3] >= lower) & (errors[3] <= upper)))
        total += 12
    assert 0.78 <= inside / total <= 0.87


def test_widths_grow_with_the_horizon_and_counts_stay_non_negative():
    rng = np.random.default_rng(1)
    errors = np.cumsum(rng.normal(0, 1, (10, 12)), axis=1)
    cal = conformal.calibrate(errors, width=0.8)
    assert all(b >= a for a, b in zip(cal["half"], cal["half"][1:], strict=False))
    assert cal["half"][-1] > 1.5 * cal["half"][0]  # √12 vs ~√2 for a random walk
    lower, _ = conformal.intervals(np.full(12, 0.5), cal)
    assert (lower >= 0).all()
    assert conformal.calibrate(errors[:, :1][:1], width=0.8) is None  # one error: too few to calibrate


@pytest.mark.slow
def test_backtested_intervals_cover_held_out_windows_of_simulated_series():
    rng = np.random.default_rng(2)
    inside = total = 0
    for _ in range(30):
        n, h = 84, 12
        y = 200 + np.cumsum(rng.normal(0, 3, n + h)) + rng.normal(0, 2, n + h)
        hist = pd.DataFrame({"ds": pd.date_range("2015-01-01", periods=n, freq="MS"), "y": y[:n]})
        out = fit_and_backtest(hist, metric="x", horizon=h, frequency="monthly", folds=4, candidates=("naive", "drift"))
        fc = out["methods"][out["method_used"]]
        actual = y[n:]
        inside += int(np.sum((actual >= np.asarray(fc["lower"])) & (actual <= np.asarray(fc["upper"]))))
        total += h
    assert 0.72 <= inside / total <= 0.9
