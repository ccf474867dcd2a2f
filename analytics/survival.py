"""Kaplan–Meier retention curves and the log-rank test — a pure adapter over SciPy's survival analysis
(``scipy.stats.ecdf`` on right-censored data, Greenwood confidence intervals, ``scipy.stats.logrank``).

lifelines was the first choice but pins ``pandas<3`` (this project runs pandas 3), so SciPy — already a
dependency, well kept, same estimator — does the work. Takes and returns plain numpy/Python; no Django.
"""

from __future__ import annotations

import math
import warnings

import numpy as np
from scipy import stats


def _data(durations: np.ndarray, events: np.ndarray) -> stats.CensoredData:
    d = np.asarray(durations, dtype=float)
    e = np.asarray(events, dtype=bool)
    # a zero duration is not allowed by scipy's right-censoring helper; half a day keeps the order
    d = np.where(d <= 0, 0.5, d)
    return stats.CensoredData.right_censored(d, ~e)


def kaplan_meier(durations, events, *, grid: np.ndarray, confidence: float = 0.95) -> dict:
    """Survival (retention) on ``grid`` days with a pointwise confidence band, the median and 12-month retention.

    ``events`` is True where the technician left (the event), False where still employed (censored).
    """
    n = int(len(durations))
    if n == 0:
        return {"n": 0, "events": 0, "grid": grid.tolist(), "survival": [], "low": [], "high": [],
                "median_days": None, "retention_12m": None}  # fmt: skip
    res = stats.ecdf(_data(durations, events))
    sf = res.sf
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ci = sf.confidence_interval(confidence_level=confidence, method="log-log")
    surv = sf.evaluate(grid)
    low, high = ci.low.evaluate(grid), ci.high.evaluate(grid)
    max_t = float(np.max(durations))
    beyond = grid > max_t  # no information past the longest observation
    surv, low, high = (np.where(beyond, np.nan, a) for a in (surv, low, high))
    median = _median(sf.quantiles, sf.probabilities)
    r12 = float(sf.evaluate(365.0)) if max_t >= 365 else None
    return {
        "n": n,
        "events": int(np.sum(events)),
        "grid": grid.tolist(),
        "survival": _clean(surv),
        "low": _clean(low),
        "high": _clean(high),
        "median_days": median,
        "retention_12m": r12,
    }


def _median(times: np.ndarray, survival: np.ndarray) -> float | None:
    below = np.nonzero(survival <= 0.5)[0]
    return float(times[below[0]]) if len(below) else None


def _clean(a: np.ndarray) -> list[float | None]:
    return [None if (x is None or math.isnan(x)) else round(float(x), 4) for x in a]


def logrank(d1, e1, d2, e2) -> dict:
    """Two-sided log-rank test of equal retention curves."""
    if len(d1) == 0 or len(d2) == 0 or (np.sum(e1) + np.sum(e2)) == 0:
        return {"statistic": None, "p_value": None}
    r = stats.logrank(_data(d1, e1), _data(d2, e2), alternative="two-sided")
    stat = float(r.statistic) ** 2  # scipy reports the standardised (z) statistic; chi-square = z²
    return {"statistic": round(stat, 4), "p_value": float(r.pvalue)}
