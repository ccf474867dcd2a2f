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


def test_scale_free_scores_keep_coverage_when_the_noise_grows_with_the_level():
    """Noise σ ∝ level and the level doubles over the folds: raw errors from the older, quieter folds
    give intervals too narrow for the newest window; errors divided by each fold's recent scale don't."""
    rng = np.random.default_rng(3)
    raw = scaled = total = 0
    for _ in range(300):
        levels = np.array([100.0, 130.0, 160.0, 200.0])  # three calibration folds, then the window to cover
        sigma = 0.05 * levels
        errors = rng.normal(0, 1, (4, 12)) * sigma[:, None]
        train_scales = np.array([conformal.recent_scale(lv + rng.normal(0, s, 36), 12) for lv, s in zip(levels, sigma)])
        cal_raw = conformal.calibrate(errors[:3], width=0.8)
        cal_scaled = conformal.calibrate(errors[:3] / train_scales[:3, None], width=0.8)
        lo, up = conformal.intervals(np.zeros(12), cal_raw, nonnegative=False)
        raw += int(np.sum((errors[3] >= lo) & (errors[3] <= up)))
        lo, up = conformal.intervals(np.zeros(12), cal_scaled, scale=train_scales[3], nonnegative=False)
        scaled += int(np.sum((errors[3] >= lo) & (errors[3] <= up)))
        total += 12
    assert raw / total < 0.74  # the quiet old folds under-cover the loud new window
    # three folds: the finite-sample quantile and the noise of each scale estimate err on the wide side
    assert 0.77 <= scaled / total <= 0.89


def test_recent_scale_is_the_recent_seasonal_difference_and_never_zero():
    y = np.r_[np.zeros(24), np.tile([0.0, 10.0], 18)]  # flat, then alternating: seasonal differences of 0
    assert conformal.recent_scale(np.arange(48.0), 12) == pytest.approx(12.0)  # |y_t − y_{t−12}| = 12
    assert conformal.recent_scale(np.arange(10.0), 12) == pytest.approx(1.0)  # under two cycles: naive-1
    assert conformal.recent_scale(np.full(30, 7.0), 12) == pytest.approx(7.0)  # flat: the level
    assert conformal.recent_scale(np.zeros(30), 12) == 1.0
    assert conformal.recent_scale(y, 2) > 0


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


def test_recent_scale_reads_the_last_cycle_only():
    """A series that starts moving in its last year (a recession's first months) gets the scale of that
    year, not one diluted by the calm year before it."""
    y = np.r_[np.full(36, 100.0), 100 + 3 * np.arange(1, 13)]
    assert conformal.recent_scale(y, 12) == pytest.approx(np.mean(3 * np.arange(1, 13)))  # 19.5, not 9.75
