"""Simple benchmark methods (numpy only, no Django): seasonal naive, naive, drift.

Each takes a ``ds, y`` frame and returns a ``Result`` (forecast with ds/yhat/yhat_lower/yhat_upper,
in-sample one-step fitted values). Their own intervals are the textbook ones (Hyndman & Athanasopoulos,
*FPP3* §5.5) from the in-sample residual σ; the backtest replaces them with conformal intervals.

* seasonal naive — the value one season earlier (naive-1 when the history is shorter than a season);
* naive — the last value;
* drift — the last value plus the average change per period over the history (a straight line
  through the first and last observation).
"""

from __future__ import annotations

from statistics import NormalDist

import numpy as np
import pandas as pd

from forecasts.prophet import FREQ, SEASON, Result


def _frame(history: pd.DataFrame) -> tuple[pd.DataFrame, np.ndarray]:
    df = history[["ds", "y"]].copy()
    df["ds"] = pd.to_datetime(df["ds"])
    return df, df["y"].to_numpy(dtype=float)


def _future(df: pd.DataFrame, horizon: int, frequency: str) -> pd.DatetimeIndex:
    return pd.date_range(df["ds"].iloc[-1], periods=horizon + 1, freq=FREQ[frequency])[1:]


def _result(df, y, yhat, half, fitted_vals, horizon, frequency) -> Result:
    out = pd.DataFrame(
        {
            "ds": _future(df, horizon, frequency),
            "yhat": yhat,
            "yhat_lower": np.clip(yhat - half, 0, None),
            "yhat_upper": yhat + half,
        }
    )
    return Result(forecast=out, fitted=pd.DataFrame({"ds": df["ds"], "y": y, "yhat": fitted_vals}))


def _sigma(diffs: np.ndarray) -> float:
    return float(np.std(diffs, ddof=1)) if len(diffs) > 1 else 0.0


def _z(interval_width: float) -> float:
    return NormalDist().inv_cdf(0.5 + interval_width / 2)


def seasonal_naive(
    history: pd.DataFrame, *, horizon: int, frequency: str = "weekly", interval_width: float = 0.8
) -> Result:
    df, y = _frame(history)
    n = len(y)
    m = SEASON[frequency] if n > SEASON[frequency] else 1
    h = np.arange(1, horizon + 1)
    yhat = y[n - m + (h - 1) % m]
    diffs = y[m:] - y[:-m] if n > m else np.array([0.0])
    half = _z(interval_width) * _sigma(diffs) * np.sqrt(1 + (h - 1) // m)
    fitted_vals = np.concatenate([y[:m], y[:-m]]) if n > m else y.copy()
    return _result(df, y, yhat, half, fitted_vals, horizon, frequency)


def naive(history: pd.DataFrame, *, horizon: int, frequency: str = "weekly", interval_width: float = 0.8) -> Result:
    df, y = _frame(history)
    h = np.arange(1, horizon + 1)
    yhat = np.full(horizon, y[-1])
    half = _z(interval_width) * _sigma(np.diff(y)) * np.sqrt(h)
    fitted_vals = np.concatenate([y[:1], y[:-1]])
    return _result(df, y, yhat, half, fitted_vals, horizon, frequency)


def drift(history: pd.DataFrame, *, horizon: int, frequency: str = "weekly", interval_width: float = 0.8) -> Result:
    df, y = _frame(history)
    n = len(y)
    h = np.arange(1, horizon + 1)
    slope = (y[-1] - y[0]) / (n - 1) if n > 1 else 0.0
    yhat = y[-1] + slope * h
    resid = np.diff(y) - slope
    half = _z(interval_width) * _sigma(resid) * np.sqrt(h * (1 + h / max(n - 1, 1)))
    fitted_vals = np.concatenate([y[:1], y[:-1] + slope])
    return _result(df, y, yhat, half, fitted_vals, horizon, frequency)
