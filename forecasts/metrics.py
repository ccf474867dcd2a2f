"""Forecast accuracy measures (no Django): MASE, sMAPE, interval coverage.

MASE divides the mean absolute forecast error by the mean absolute in-sample error of the
seasonal-naive forecast (season m = 52 weeks / 12 months). When the training history is shorter
than two seasons, the seasonal scale rests on too few differences, so we fall back to naive-1
scaling (m = 1) and report ``scale="naive1"``. A perfectly flat training history gives no scale:
MASE is then None.
"""

from __future__ import annotations

import numpy as np


def mase_scale(train, *, season: int = 52) -> tuple[float | None, str]:
    y = np.asarray(train, dtype=float)
    m = season if len(y) >= 2 * season else 1
    if len(y) <= m:
        return None, "none"
    scale = float(np.mean(np.abs(y[m:] - y[:-m])))
    return (scale if scale > 0 else None), ("seasonal" if m == season else "naive1")


def mase(actual, forecast, train, *, season: int = 52) -> float | None:
    scale, _ = mase_scale(train, season=season)
    if scale is None:
        return None
    a, f = np.asarray(actual, dtype=float), np.asarray(forecast, dtype=float)
    return float(np.mean(np.abs(a - f)) / scale)


def smape(actual, forecast) -> float:
    """Symmetric MAPE in percent (0..200). A period where actual and forecast are both 0 counts as 0 error."""
    a, f = np.asarray(actual, dtype=float), np.asarray(forecast, dtype=float)
    denom = np.abs(a) + np.abs(f)
    terms = np.where(denom == 0, 0.0, 2 * np.abs(a - f) / np.where(denom == 0, 1, denom))
    return float(100 * np.mean(terms))


def coverage(actual, lower, upper) -> float:
    """Share of actuals inside [lower, upper]."""
    a = np.asarray(actual, dtype=float)
    return float(np.mean((a >= np.asarray(lower, dtype=float)) & (a <= np.asarray(upper, dtype=float))))


def mean_or_none(values) -> float | None:
    vals = [v for v in values if v is not None and np.isfinite(v)]
    return float(np.mean(vals)) if vals else None
