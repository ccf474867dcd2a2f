"""Fit one series and backtest it (no Django): base forecasts, residuals and rolling-origin folds.

Rolling origin: with k folds and horizon h, fold i trains on y[: n − (k − i)·h] and is scored on the
next h periods (a fold whose training part is too short to fit is dropped). Prophet and the
seasonal-naive baseline are scored on the same folds. The output is plain JSON-able data; the
reconciliation across the hierarchy (which needs every series) happens afterwards in services.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from forecasts import metrics
from forecasts.baselines import seasonal_naive
from forecasts.prophet import MIN_HISTORY, PROFILES, SEASON, Profile, SeriesTooShort, forecast

BASE_METHODS = ("prophet", "seasonal_naive")


def _fit(
    method: str, history: pd.DataFrame, *, metric: str, horizon: int, frequency: str, interval_width: float
) -> dict:
    if method == "prophet":
        res = forecast(
            history,
            horizon=horizon,
            frequency=frequency,
            interval_width=interval_width,
            profile=PROFILES.get(metric, Profile()),
        )
    else:
        res = seasonal_naive(history, horizon=horizon, frequency=frequency, interval_width=interval_width)
    resid = (res.fitted["y"] - res.fitted["yhat"]).to_numpy()
    if method == "seasonal_naive":
        m = SEASON[frequency] if len(resid) > SEASON[frequency] else 1
        resid = resid[m:]  # the first season has no "previous season": not a residual
    f = res.forecast
    return {
        "ds": [d.date().isoformat() for d in pd.to_datetime(f["ds"])],
        "yhat": [float(v) for v in f["yhat"]],
        "lower": [float(v) for v in f["yhat_lower"]],
        "upper": [float(v) for v in f["yhat_upper"]],
        "residuals": [float(v) for v in resid],
    }


def score(actual, fc: dict, train, *, season: int) -> dict:
    return {
        "mase": metrics.mase(actual, fc["yhat"], train, season=season),
        "smape": metrics.smape(actual, fc["yhat"]),
        "coverage": metrics.coverage(actual, fc["lower"], fc["upper"]),
    }


def summarise(fold_scores: list[dict]) -> dict:
    return {k: metrics.mean_or_none([s[k] for s in fold_scores]) for k in ("mase", "smape", "coverage")}


def fit_and_backtest(
    history: pd.DataFrame,
    *,
    metric: str,
    horizon: int,
    frequency: str = "weekly",
    interval_width: float = 0.8,
    method: str = "prophet",
    folds: int = 3,
) -> dict:
    """Base forecasts of each method needed, in-sample residuals, and per-fold forecasts + scores.

    Raises SeriesTooShort when the history cannot be fitted at all.
    """
    history = history[["ds", "y"]].reset_index(drop=True)
    n = len(history)
    if n < MIN_HISTORY[frequency]:
        raise SeriesTooShort(f"history has {n} {frequency} points; at least {MIN_HISTORY[frequency]} are needed to fit")
    methods = ["seasonal_naive"] if method == "seasonal_naive" else list(BASE_METHODS)
    kw = {"metric": metric, "horizon": horizon, "frequency": frequency, "interval_width": interval_width}
    out = {"methods": {m: _fit(m, history, **kw) for m in methods}, "folds": []}
    season = SEASON[frequency]
    y = history["y"].to_numpy(dtype=float)
    for i in range(folds):
        cut = n - (folds - i) * horizon
        if cut < MIN_HISTORY[frequency]:
            continue
        train, actual = history.iloc[:cut], y[cut : cut + horizon]
        fold = {"cut": cut, "actual": [float(v) for v in actual], "train_tail": [float(v) for v in y[:cut]]}
        for m in methods:
            fc = _fit(m, train, **kw)
            fold[m] = fc
            fold[f"{m}_score"] = score(actual, fc, y[:cut], season=season)
        out["folds"].append(fold)
    _calibrate_intervals(out, methods, interval_width=interval_width, season=season)
    _, scale = metrics.mase_scale(y[: out["folds"][0]["cut"]] if out["folds"] else y, season=season)
    bt = {"folds": len(out["folds"]), "mase_scale": scale}
    bt["interval_calibration"] = {m: out["methods"][m].get("calibration", 1.0) for m in methods}
    for m in methods:
        bt[m] = summarise([f[f"{m}_score"] for f in out["folds"]])
    out["backtest"] = bt
    out["method_used"] = choose_method(method, bt)
    return out


def _ratios(fold: dict, m: str) -> np.ndarray:
    """|error| ÷ the interval's upper half-width, per backtest week (1 = just on the edge)."""
    fc = fold[m]
    half = np.maximum(np.asarray(fc["upper"]) - np.asarray(fc["yhat"]), 1e-9)
    return np.abs(np.asarray(fold["actual"]) - np.asarray(fc["yhat"])) / half


def _widen(fc: dict, c: float) -> dict:
    y = np.asarray(fc["yhat"])
    lower = np.clip(y - (y - np.asarray(fc["lower"])) * c, 0, None)
    upper = y + (np.asarray(fc["upper"]) - y) * c
    return {**fc, "lower": [float(v) for v in lower], "upper": [float(v) for v in upper], "calibration": float(c)}


def _factor(ratios: list[np.ndarray], interval_width: float) -> float:
    r = np.concatenate(ratios) if ratios else np.array([])
    if len(r) < 8:
        return 1.0
    return float(max(1.0, np.quantile(r, interval_width)))


def _calibrate_intervals(out: dict, methods: list[str], *, interval_width: float, season: int) -> None:
    """Widen intervals that the backtest shows to be too narrow (in-sample σ understates forecast error).

    The factor is the ``interval_width`` quantile of |error| ÷ half-width over the backtest weeks (never
    below 1). Each fold's reported coverage uses the factor learnt from the *other* folds only
    (leave-one-fold-out), so the coverage figure stays an honest out-of-sample number.
    """
    folds = out["folds"]
    for m in methods:
        ratios = [_ratios(f, m) for f in folds]
        for j, fold in enumerate(folds):
            c = _factor([r for i, r in enumerate(ratios) if i != j], interval_width)
            fold[m] = _widen(fold[m], c)
            fold[f"{m}_score"] = score(fold["actual"], fold[m], fold["train_tail"], season=season)
        out["methods"][m] = _widen(out["methods"][m], _factor(ratios, interval_width))


def choose_method(method: str, bt: dict) -> str:
    """'auto' takes the baseline only where it has a strictly lower backtest MASE (Prophet is the default)."""
    if method != "auto":
        return method
    p, b = bt.get("prophet", {}).get("mase"), bt.get("seasonal_naive", {}).get("mase")
    if p is not None and b is not None and b < p:
        return "seasonal_naive"
    return "prophet"


def nonneg(a) -> np.ndarray:
    return np.clip(np.asarray(a, dtype=float), 0, None)
