"""The method portfolio: fold sizing, choice by backtest, the ensemble, conformal intervals in the output."""

import numpy as np
import pandas as pd
import pytest

from forecasts.backtest import choose, fit_and_backtest, fold_cuts


def _frame(values, freq="MS"):
    return pd.DataFrame({"ds": pd.date_range("2015-01-01", periods=len(values), freq=freq), "y": values})


def test_folds_train_on_two_cycles_or_are_skipped():
    cuts, mode = fold_cuts(60, horizon=12, frequency="monthly", folds=4)
    assert mode == "cycles" and cuts == [24, 36, 48]  # 60 − 4·12 = 12 < 24 months: skipped
    cuts, mode = fold_cuts(150, horizon=12, frequency="weekly", folds=3)
    assert mode == "cycles" and cuts == [114, 126, 138] and min(cuts) >= 104
    cuts, mode = fold_cuts(28, horizon=6, frequency="monthly", folds=3)
    assert mode == "short" and cuts == [16, 22]  # no fold can train on 24 months: short-history mode


def test_ties_go_to_the_simpler_method():
    order = ["seasonal_naive", "naive", "ets"]
    assert choose({"seasonal_naive": 0.9, "naive": 0.7, "ets": 0.7}, order) == "naive"
    assert choose({"seasonal_naive": 0.9, "naive": 0.8, "ets": 0.7}, order) == "ets"


def test_auto_picks_a_trend_method_on_a_trending_series_and_beats_seasonal_naive():
    rng = np.random.default_rng(4)
    y = 200 + 3.0 * np.arange(72) + rng.normal(0, 2, 72)  # strong trend, no season
    out = fit_and_backtest(
        _frame(y), metric="headcount", horizon=12, frequency="monthly", folds=3,
        candidates=("seasonal_naive", "naive", "drift", "ets", "theta"),
    )  # fmt: skip
    bt = out["backtest"]
    assert out["method_used"] in ("drift", "ets", "theta")
    assert bt[out["method_used"]]["mase"] < bt["seasonal_naive"]["mase"] / 2
    assert bt["seasonal"] is False
    assert bt["interval"] == "conformal"
    fc = out["methods"][out["method_used"]]
    assert len(fc["yhat"]) == 12 and all(lo <= y <= hi for lo, y, hi in zip(fc["lower"], fc["yhat"], fc["upper"]))


def test_auto_picks_a_seasonal_method_on_a_seasonal_series():
    rng = np.random.default_rng(5)
    t = np.arange(84)
    y = 100 + 30 * np.sin(2 * np.pi * t / 12) + rng.normal(0, 2, 84)
    out = fit_and_backtest(
        _frame(y), metric="demand", horizon=12, frequency="monthly", folds=3,
        candidates=("seasonal_naive", "naive", "drift", "ets", "theta"),
    )  # fmt: skip
    assert out["backtest"]["seasonal"] is True
    assert out["method_used"] in ("seasonal_naive", "ets", "theta")
    assert out["backtest"]["naive"]["mase"] > 2 * out["backtest"][out["method_used"]]["mase"]


def test_auto_forecasts_with_the_median_of_the_three_best_by_backtest():
    rng = np.random.default_rng(6)
    y = 50 + np.cumsum(rng.normal(0.5, 2, 60))
    out = fit_and_backtest(
        _frame(y), metric="headcount", horizon=6, frequency="monthly", folds=3,
        candidates=("seasonal_naive", "naive", "drift", "ets", "theta", "ensemble"),
    )  # fmt: skip
    assert out["method_used"] == "ensemble"
    members = out["backtest"]["ensemble_members"]
    ranking = out["backtest"]["ranking"]
    singles = [m for m in ranking if m != "ensemble"]
    assert len(members) == 3 and sorted(ranking[m] for m in members) == sorted(ranking[m] for m in singles)[:3]
    fold = out["folds"][-1]
    stacked = np.array([fold[m]["yhat"] for m in members])
    assert fold["ensemble"]["yhat"] == pytest.approx(list(np.median(stacked, axis=0)))
    assert not np.allclose(np.median(stacked, axis=0), stacked.mean(axis=0))  # the members differ: median ≠ mean


def test_without_the_ensemble_auto_takes_the_single_best():
    rng = np.random.default_rng(6)
    y = 50 + np.cumsum(rng.normal(0.5, 2, 60))
    out = fit_and_backtest(
        _frame(y), metric="headcount", horizon=6, frequency="monthly", folds=3,
        candidates=("seasonal_naive", "naive", "drift"),
    )  # fmt: skip
    ranking = out["backtest"]["ranking"]
    assert out["method_used"] == min(ranking, key=ranking.get)


def test_count_forecasts_and_intervals_are_never_negative():
    y = np.clip(np.linspace(8, 0, 40) + np.random.default_rng(7).normal(0, 1, 40), 0, None)
    out = fit_and_backtest(
        _frame(y), metric="hires", horizon=8, frequency="monthly", folds=3, candidates=("naive", "drift", "ets"),
    )  # fmt: skip
    fc = out["methods"][out["method_used"]]
    assert min(fc["lower"]) >= 0 and min(fc["yhat"]) >= 0
    for f in out["folds"]:
        assert min(f[out["method_used"]]["lower"]) >= 0
