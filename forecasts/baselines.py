"""Seasonal-naive baseline (no Django): next value = the value one season earlier.

With less than one season of history it falls back to naive-1 (last value). Intervals are
±z·σ of the in-sample seasonal (or naive-1) differences, widened by sqrt(k) for the k-th season ahead.
"""

from __future__ import annotations

from statistics import NormalDist

import numpy as np
import pandas as pd

from forecasts.prophet import FREQ, SEASON, Result


def seasonal_naive(
    history: pd.DataFrame, *, horizon: int, frequency: str = "weekly", interval_width: float = 0.8
) -> Result:
    df = history[["ds", "y"]].copy()
    df["ds"] = pd.to_datetime(df["ds"])
    y = df["y"].to_numpy(dtype=float)
    n = len(y)
    m = SEASON[frequency] if n > SEASON[frequency] else 1
    h = np.arange(1, horizon + 1)
    idx = n - m + (h - 1) % m
    yhat = y[idx]
    diffs = y[m:] - y[:-m] if n > m else np.array([0.0])
    sigma = float(np.std(diffs, ddof=1)) if len(diffs) > 1 else 0.0
    z = NormalDist().inv_cdf(0.5 + interval_width / 2)
    half = z * sigma * np.sqrt(1 + (h - 1) // m)
    ds = pd.date_range(df["ds"].iloc[-1], periods=horizon + 1, freq=FREQ[frequency])[1:]
    out = pd.DataFrame({"ds": ds, "yhat": yhat, "yhat_lower": np.clip(yhat - half, 0, None), "yhat_upper": yhat + half})
    fitted_vals = np.concatenate([y[:m], y[:-m]]) if n > m else y.copy()
    fitted = pd.DataFrame({"ds": df["ds"], "y": y, "yhat": fitted_vals})
    return Result(forecast=out, fitted=fitted)
