import numpy as np
import pytest

from forecasts.backtest import _calibrate_intervals, choose_method


def _fold(actual, yhat, half):
    y = np.asarray(yhat, dtype=float)
    return {
        "actual": list(actual),
        "train_tail": list(range(10)),
        "seasonal_naive": {"yhat": list(y), "lower": list(y - half), "upper": list(y + half)},
    }


def test_too_narrow_intervals_are_widened_using_other_folds_only():
    # every backtest error is 3 × the half-width: nominal intervals cover nothing
    folds = [_fold([13.0] * 6, [10.0] * 6, 1.0) for _ in range(3)]
    out = {"folds": folds, "methods": {"seasonal_naive": {"yhat": [10.0], "lower": [9.0], "upper": [11.0]}}}
    _calibrate_intervals(out, ["seasonal_naive"], interval_width=0.8, season=52)
    final = out["methods"]["seasonal_naive"]
    assert final["calibration"] == pytest.approx(3.0)
    assert final["upper"] == [pytest.approx(13.0)] and final["lower"] == [pytest.approx(7.0)]
    assert all(f["seasonal_naive_score"]["coverage"] == 1.0 for f in folds)


def test_wide_enough_intervals_are_left_alone():
    folds = [_fold([10.5] * 6, [10.0] * 6, 1.0) for _ in range(3)]
    out = {"folds": folds, "methods": {"seasonal_naive": {"yhat": [10.0], "lower": [9.0], "upper": [11.0]}}}
    _calibrate_intervals(out, ["seasonal_naive"], interval_width=0.8, season=52)
    assert out["methods"]["seasonal_naive"]["calibration"] == 1.0


def test_auto_prefers_prophet_unless_the_baseline_is_strictly_better():
    bt = {"prophet": {"mase": 0.9}, "seasonal_naive": {"mase": 0.8}}
    assert choose_method("auto", bt) == "seasonal_naive"
    assert choose_method("auto", {"prophet": {"mase": 0.8}, "seasonal_naive": {"mase": 0.8}}) == "prophet"
    assert choose_method("auto", {"prophet": {"mase": None}, "seasonal_naive": {"mase": 0.8}}) == "prophet"
    assert choose_method("prophet", bt) == "prophet"
