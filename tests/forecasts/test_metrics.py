import math

import pytest

from forecasts.metrics import coverage, mase, mase_scale, smape


def test_mase_with_seasonal_scale_matches_hand_computation():
    # season 2, train of 4 = two seasons: seasonal diffs |3-1|, |4-2| → scale 2
    train = [1, 2, 3, 4]
    assert mase_scale(train, season=2) == (2.0, "seasonal")
    # errors |5-4|, |6-8| → mean 1.5 → MASE 0.75
    assert mase([5, 6], [4, 8], train, season=2) == pytest.approx(0.75)


def test_mase_falls_back_to_naive1_scale_when_history_is_short():
    train = [10, 12, 11]  # < 2 seasons of 52 → naive-1: |2|, |1| → scale 1.5
    assert mase_scale(train, season=52) == (1.5, "naive1")
    assert mase([14], [11], train, season=52) == pytest.approx(2.0)


def test_mase_is_none_for_a_flat_training_history():
    assert mase([1, 2], [1, 1], [3, 3, 3, 3], season=1) is None


def test_smape_matches_hand_computation():
    # 2|100-110|/210 = 0.095238…, 2|0-0|/0 → 0, 2|50-25|/75 = 0.6667
    expected = 100 * (20 / 210 + 0 + 50 / 75) / 3
    assert smape([100, 0, 50], [110, 0, 25]) == pytest.approx(expected)
    assert math.isclose(smape([1, 2], [1, 2]), 0.0)


def test_coverage_counts_actuals_inside_the_interval_inclusive():
    assert coverage([1, 5, 10, 3], [0, 5, 11, 0], [2, 6, 12, 2]) == pytest.approx(0.5)
