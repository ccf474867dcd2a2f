"""Is there a seasonal cycle worth modelling, and what does it look like? (numpy only, no Django)

``has_seasonality`` is the gate every seasonal method goes through: the history must cover at least
``MIN_CYCLES`` full cycles *and* one of two F-tests on the first differences must find a yearly cycle
(see the function). Learning a yearly shape from less than two years, or from a series without one, is
how a flexible seasonal model ends up fitting noise (issue 11: Prophet with Fourier order 10 on 24
points).

The first test (two smooth harmonics, α = 5 %) finds smooth cycles; on its own it missed cycles that are
sharp (a December spike: souvenirs, a10, café turnover) or multiplicative on a trend (Australian
departures, Canadian gas, wine sales, electrical equipment): 49 of the 112 short-history windows of the
bench's public tuning series that are plainly seasonal passed it, 95 pass now. So the second test fits every harmonic of the cycle (the
seasonal-dummy F-test) on log differences for positive series, at α = 1 % because its many terms reject
a little more often on pure noise. On the bench's tuning windows the second test made the portfolio beat
seasonal naive on 72 % of short series instead of 55 % and cut its median MASE against default
``Prophet()`` from 0.87× to 0.76× (docs/forecasts.md). False alarms measured on simulated series (200
each, 24–120 months, either test): white noise 3–5 %, random walks 4–8 %, linear trends 3–5 %, level
shifts 2–3 %, AR(1) with φ = 0.7 5–6 %.

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
#: Significance of the all-harmonics (seasonal-dummy) test: it has m − 1 terms, so a stricter level.
ALPHA_ALL_HARMONICS = 0.01
WEEKLY_HARMONICS = 6


def has_seasonality(y, m: int) -> bool:
    """True when ``y`` covers ≥ 2 cycles of length ``m`` and a yearly cycle is statistically significant.

    Two F-tests on the first differences (differencing removes level, trend and level shifts, which
    otherwise masquerade as seasonality), either suffices:

    * ``HARMONICS`` pairs of sine/cosine terms of period m against a constant (α = ``ALPHA``): smooth cycles;
    * every harmonic of period m (equivalent to one dummy per position in the cycle) on the log
      differences of a positive series (α = ``ALPHA_ALL_HARMONICS``): sharp or multiplicative cycles.

    Weekly series are tested on 4-week totals (period 13): a weekly cycle's differences are tiny next to
    the week-to-week noise.
    """
    y = np.asarray(y, dtype=float)
    if m <= 1 or len(y) < MIN_CYCLES * m or np.std(y) == 0:
        return False
    if m > 24:
        k = m // 13
        usable = (len(y) // k) * k
        y = y[len(y) - usable :].reshape(-1, k).sum(axis=1)
        m = 13
    if _harmonics_significant(np.diff(y), m, HARMONICS, ALPHA):
        return True
    logged = np.log(y) if np.all(y > 0) else y
    return _harmonics_significant(np.diff(logged), m, m // 2, ALPHA_ALL_HARMONICS)


def _harmonics_significant(d: np.ndarray, m: int, harmonics: int, alpha: float) -> bool:
    """F-test of ``harmonics`` sine/cosine pairs of period m (the sine at the Nyquist frequency, which is
    identically zero, left out) against a constant, for the differenced series ``d``."""
    from scipy import stats

    t = np.arange(1, len(d) + 1)
    cols = [np.ones(len(d))]
    for k in range(1, harmonics + 1):
        cols.append(np.cos(2 * np.pi * k * t / m))
        if 2 * k != m:
            cols.append(np.sin(2 * np.pi * k * t / m))
    x = np.column_stack(cols)
    q, dof = x.shape[1] - 1, len(d) - x.shape[1]
    if dof < 3 or np.std(d) == 0:
        return False
    beta = np.linalg.lstsq(x, d, rcond=None)[0]
    rss1 = float(np.sum((d - x @ beta) ** 2))
    rss0 = float(np.sum((d - d.mean()) ** 2))
    if rss1 <= 0:
        return rss0 > 0
    f = ((rss0 - rss1) / q) / (rss1 / dof)
    return bool(stats.f.sf(f, q, dof) < alpha)


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
