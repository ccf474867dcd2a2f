"""Per-horizon-step conformal prediction intervals from backtest errors (numpy only, no Django).

The rolling-origin backtest gives, for every fold f and horizon step h, an out-of-sample error
e[f, h] = actual − forecast. Split-conformal prediction (Vovk et al.; for forecasting see Stankevičiūtė
et al. 2021) turns these into intervals whose coverage holds without distributional assumptions, as
long as future errors resemble past ones:

1. a per-step scale s[h]: the root-mean-square error at step h, pooled with its neighbouring steps
   (h−1, h, h+1; three folds alone are too few) and made non-decreasing in h (uncertainty does not
   shrink further ahead);
2. normalised scores |e[f, h]| / s[h], pooled over all folds and steps (normalised conformal
   prediction: the scores are exchangeable across steps once divided by their scale);
3. q = the ⌈(N+1)·w⌉-th smallest of the N scores (the finite-sample-valid quantile for width w);
4. interval at step h: forecast ± q · s[h], clipped at 0 for counts.

Too few scores (< ``MIN_SCORES``) → ``None``; the caller keeps the method's own interval and says so.
"""

from __future__ import annotations

import math

import numpy as np

MIN_SCORES = 6


def step_scales(errors: np.ndarray) -> np.ndarray:
    """RMS error per step over folds, pooled with the neighbouring steps, non-decreasing in h."""
    e = np.asarray(errors, dtype=float)
    horizon = e.shape[1]
    scales = np.empty(horizon)
    for h in range(horizon):
        window = e[:, max(0, h - 1) : h + 2]
        vals = window[np.isfinite(window)]
        scales[h] = float(np.sqrt(np.mean(vals**2))) if len(vals) else np.nan
    scales = np.maximum.accumulate(np.nan_to_num(scales, nan=0.0))
    positive = scales[scales > 0]
    floor = float(positive.min()) * 1e-3 if len(positive) else 1e-9
    return np.maximum(scales, floor)


def calibrate(errors, *, width: float) -> dict | None:
    """{"scale": s[h] list, "q": multiplier, "n": number of scores} or None if too few errors."""
    e = np.asarray(errors, dtype=float)
    if e.ndim != 2 or e.size == 0:
        return None
    s = step_scales(e)
    scores = (np.abs(e) / s[None, :])[np.isfinite(e)]
    n = len(scores)
    if n < MIN_SCORES:
        return None
    rank = min(n, math.ceil((n + 1) * width))
    q = float(np.sort(scores)[rank - 1])
    return {"scale": [float(v) for v in s], "q": q, "n": n}


def intervals(yhat, cal: dict, *, nonnegative: bool = True) -> tuple[np.ndarray, np.ndarray]:
    """Lower and upper bounds for forecasts ``yhat`` (length ≤ the calibrated horizon)."""
    y = np.asarray(yhat, dtype=float)
    half = cal["q"] * np.asarray(cal["scale"][: len(y)], dtype=float)
    if len(half) < len(y):  # longer than calibrated: keep the last step's width
        half = np.r_[half, np.full(len(y) - len(half), half[-1] if len(half) else 0.0)]
    lower, upper = y - half, y + half
    if nonnegative:
        lower, upper = np.clip(lower, 0, None), np.clip(upper, 0, None)
    return lower, upper
