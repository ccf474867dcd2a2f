"""Is there a seasonal cycle worth modelling, and what does it look like? (numpy only, no Django)

``has_seasonality`` is the gate every seasonal method goes through: the history must cover at least
``MIN_CYCLES`` full cycles *and* an F-test must find the yearly harmonics in the first differences
(see the function). Learning a yearly shape from less than two years, or from a series without one, is
how a flexible seasonal model ends up fitting noise (issue 11: Prophet with Fourier order 10 on 24
points). Measured on simulated series (200 each, α = 5 %): clear seasonality detected 145/200 at 24
months and 199–200/200 from 36 months or 104 weeks; white noise, linear trends and level shifts
0–4 %; random walks 3–15 %.

``seasonal_indices`` is classical decomposition (centred moving average, then the average detrended
value per position in the cycle), multiplicative when the series is strictly positive, additive
otherwise. Weekly indices (52 of them from two or three cycles) are noisy, so they are smoothed by
projecting onto the first few Fourier harmonics.
"""

from __future__ import annotations

import numpy as np

MIN_CYCLES = 2
HARMONICS = 2
ALPHA = 0.05
WEEKLY_HARMONICS = 6


def has_seasonality(y, m: int) -> bool:
    """True when ``y`` covers ≥ 2 cycles of length ``m`` and a yearly cycle is statistically significant.

    Test: regress the first differences on ``HARMONICS`` pairs of sine/cosine terms of period m and
    F-test them against a constant (α = ``ALPHA``). Differencing removes level, trend and level
    shifts, which otherwise masquerade as seasonality. Weekly series are tested on 4-week totals
    (period 13): a weekly cycle's differences are tiny next to the week-to-week noise.
    """
    from scipy import stats

    y = np.asarray(y, dtype=float)
    if m <= 1 or len(y) < MIN_CYCLES * m or np.std(y) == 0:
        return False
    if m > 24:
        k = m // 13
        usable = (len(y) // k) * k
        y = y[len(y) - usable :].reshape(-1, k).sum(axis=1)
        m = 13
    d = np.diff(y)
    t = np.arange(1, len(y))
    cols = [np.ones(len(d))]
    for k in range(1, HARMONICS + 1):
        cols += [np.sin(2 * np.pi * k * t / m), np.cos(2 * np.pi * k * t / m)]
    x = np.column_stack(cols)
    q, dof = 2 * HARMONICS, len(d) - 2 * HARMONICS - 1
    if dof < 3:
        return False
    beta = np.linalg.lstsq(x, d, rcond=None)[0]
    rss1 = float(np.sum((d - x @ beta) ** 2))
    rss0 = float(np.sum((d - d.mean()) ** 2))
    if rss1 <= 0:
        return rss0 > 0
    f = ((rss0 - rss1) / q) / (rss1 / dof)
    return bool(stats.f.sf(f, q, dof) < ALPHA)


def _centred_ma(y: np.ndarray, m: int) -> np.ndarray:
    """2×m moving average for even m (m-MA for odd m); NaN where the window does not fit."""
    n = len(y)
    out = np.full(n, np.nan)
    if m % 2 == 0:
        w = np.r_[0.5, np.ones(m - 1), 0.5] / m
    else:
        w = np.ones(m) / m
    k = len(w) // 2
    if n >= len(w):
        out[k : n - k] = np.convolve(y, w, mode="valid")
    return out


def seasonal_indices(y, m: int) -> tuple[np.ndarray, bool]:
    """(index per position 0..m−1 of the cycle, multiplicative?). Position p is that of y[p]."""
    y = np.asarray(y, dtype=float)
    multiplicative = bool(np.all(y > 0))
    trend = _centred_ma(y, m)
    detr = y / trend if multiplicative else y - trend
    idx = np.array([np.nanmean(detr[p::m]) if np.any(np.isfinite(detr[p::m])) else np.nan for p in range(m)])
    idx = np.where(np.isfinite(idx), idx, 1.0 if multiplicative else 0.0)
    if m > 24:  # weekly: smooth onto a few harmonics
        t = np.arange(m)
        cols = [np.ones(m)]
        for k in range(1, WEEKLY_HARMONICS + 1):
            cols += [np.sin(2 * np.pi * k * t / m), np.cos(2 * np.pi * k * t / m)]
        x = np.column_stack(cols)
        idx = x @ np.linalg.lstsq(x, idx, rcond=None)[0]
    if multiplicative:
        idx = np.clip(idx, 1e-3, None)
        idx = idx / idx.mean()
    else:
        idx = idx - idx.mean()
    return idx, multiplicative


def deseasonalise(y, m: int) -> tuple[np.ndarray, callable]:
    """Seasonally adjusted ``y`` and a function ``reseason(values, start)`` that puts the cycle back on
    values whose first element sits at position ``start`` of the series."""
    y = np.asarray(y, dtype=float)
    idx, mult = seasonal_indices(y, m)
    pos = np.arange(len(y)) % m
    adjusted = y / idx[pos] if mult else y - idx[pos]

    def reseason(values, start: int):
        values = np.asarray(values, dtype=float)
        p = (start + np.arange(len(values))) % m
        return values * idx[p] if mult else values + idx[p]

    return adjusted, reseason
