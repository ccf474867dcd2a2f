"""Forecast combination rules compared offline on cached forecasts (docs/forecasts.md, "Session 8").

`python -m bench bench_forecast_rules` (standalone: not part of `make bench`; ~90 s on 2 cores, seconds once
cached). Every window of ``bench_forecast_accuracy`` (same sets, same held-out origins) is backtested once
per method — the product's portfolio plus candidate methods that are *not* in the product (damped trend and
Holt-Winters on the log of positive series, simple exponential smoothing) — with the product's folds,
seasonality gate and non-negativity; the fold and final forecasts are cached under
``var/bench/forecast_rules.pkl``. Each rule then chooses and combines members from the cached folds exactly
as ``forecasts.backtest`` does (mean fold MASE ranking, conformal intervals from the combined folds' scaled
errors), so the product's rule reproduces ``bench_forecast_accuracy``'s figures.

Printed per rule and set: share of series beating seasonal naive (the value), median MASE ÷ default
``Prophet()`` and the 80 % coverage (the note); then the demo sets split by where the planted break falls.
"""

from __future__ import annotations

import os
import pickle
import re
import warnings
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import numpy as np

STANDALONE = True
PRODUCT = ["seasonal_naive", "naive", "drift", "ets", "theta", "holt_winters", "prophet"]
CANDIDATES = ["ets_log", "hw_log", "ses"]


def _candidate(method: str, hist, *, seasonal: bool, horizon: int, frequency: str) -> np.ndarray:
    """yhat of a method that is not in the product's portfolio."""
    from forecasts import statsmodels_adapter as sa

    y = hist["y"].to_numpy(float)
    if method in ("ets_log", "hw_log"):
        if y.min() <= 0 or (method == "hw_log" and (frequency != "monthly" or len(y) < 24)):
            raise ValueError("not applicable")
        logged = hist.assign(y=np.log(y))
        if method == "hw_log":
            res = sa.holt_winters(logged, horizon=horizon, frequency=frequency)
        else:
            res = sa.damped_ets(logged, horizon=horizon, frequency=frequency, seasonal=seasonal)
        return np.exp(res.forecast["yhat"].to_numpy(float))
    if method == "ses":
        _, yy, adj, reseason = sa._setup(hist, frequency, seasonal)
        level = np.full(horizon, adj[-1]) if np.std(adj) == 0 else sa._smoother(adj, trend=False).forecast(horizon)
        return np.asarray(reseason(np.asarray(level), len(yy)), dtype=float)
    raise ValueError(method)


def _forecasts(args):
    """Fold and final forecasts of every method for one window (None where a method does not apply)."""
    train, test, frequency = args
    warnings.simplefilter("ignore")
    from bench.bench_forecast_accuracy import _frame
    from forecasts.backtest import base_forecast, fold_cuts
    from forecasts.prophet import SEASON, default_forecast
    from forecasts.seasonality import has_seasonality

    hist, h = _frame(train, frequency), len(test)
    cuts, mode = fold_cuts(len(hist), horizon=h, frequency=frequency, folds=3)
    floor = 0.0 if train.min() >= 0 else -np.inf
    kw = {"horizon": h, "frequency": frequency}

    def one(method, part):
        seasonal = has_seasonality(part["y"].to_numpy(float), SEASON[frequency])
        if method in PRODUCT:
            if method == "holt_winters" and not (frequency == "monthly" and mode == "cycles" and cuts):
                raise ValueError("not applicable")
            res = base_forecast(method, part, metric="bench", interval_width=0.8, seasonal=seasonal, **kw)
            yhat = res.forecast["yhat"].to_numpy(float)
        else:
            yhat = _candidate(method, part, seasonal=seasonal, **kw)
        return np.clip(yhat, floor, None)

    out = {}
    for method in PRODUCT + CANDIDATES:
        try:
            out[method] = {"folds": [one(method, hist.iloc[:c]) for c in cuts], "final": one(method, hist)}
        except ValueError:
            out[method] = None
    out["prophet_default"] = default_forecast(hist, horizon=h, frequency=frequency)
    return out


def _cache(sets: dict) -> dict:
    path = Path(os.environ.get("VAR_DIR", Path(__file__).resolve().parent.parent / "var")) / "bench"
    path.mkdir(parents=True, exist_ok=True)
    path = path / "forecast_rules.pkl"
    keys = [(s, c[0]) for s, cases in sets.items() for c in cases]
    if path.exists():
        cached = pickle.loads(path.read_bytes())
        if cached.get("keys") == keys and cached.get("methods") == PRODUCT + CANDIDATES:
            return cached["forecasts"]
    jobs = [(c[1], c[2], c[3]) for cases in sets.values() for c in cases]
    with ProcessPoolExecutor(max_workers=int(os.environ.get("BENCH_WORKERS", "2"))) as pool:
        forecasts = dict(zip(keys, pool.map(_forecasts, jobs), strict=True))
    path.write_bytes(pickle.dumps({"keys": keys, "methods": PRODUCT + CANDIDATES, "forecasts": forecasts}))
    return forecasts


def _apply(rule: dict, fc: dict, train, test, frequency) -> dict:
    """One window under one rule: the chosen combination's test MASE, seasonal naive's and Prophet()'s, and
    how many actuals its conformal interval covers."""
    from forecasts import conformal, metrics
    from forecasts.backtest import _criterion, _pad, fold_cuts, score
    from forecasts.prophet import SEASON

    season, h = SEASON[frequency], len(test)
    cuts, _ = fold_cuts(len(train), horizon=h, frequency=frequency, folds=3)
    avail = [m for m in rule["portfolio"] if fc.get(m)]

    def criterion(m):  # the product's ranking: mean fold MASE (mean absolute error for a flat training window)
        actual = [train[c : c + h] for c in cuts]
        folds = fc[m]["folds"]
        scores = [score(a, {"yhat": f, "lower": f, "upper": f}, train[:c], season=season)
                  for a, f, c in zip(actual, folds, cuts, strict=True)]  # fmt: skip
        return _criterion(scores, [float(np.mean(np.abs(a - f))) for a, f in zip(actual, folds, strict=True)])

    if rule.get("fixed"):
        members = [m for m in rule["fixed"] if m in avail]
        weights = np.ones(len(members))
    elif cuts:
        ranking = {m: criterion(m) for m in avail}
        members = sorted(avail, key=lambda m: (ranking[m], avail.index(m)))[: rule["k"]]
        weights = np.array([1 / max(ranking[m], 1e-9) ** rule.get("power", 0) for m in members])
    else:
        members, weights = ["ets"], np.ones(1)

    def combine(vectors):
        if rule.get("combine", "median") == "median":
            return np.median(vectors, axis=0)
        return np.average(vectors, axis=0, weights=weights)

    final = combine([fc[m]["final"] for m in members])
    folds = [combine([fc[m]["folds"][i] for m in members]) for i in range(len(cuts))]
    errors = [(train[c : c + h] - folds[i]) / conformal.recent_scale(train[:c], season) for i, c in enumerate(cuts)]
    cal = conformal.calibrate(_pad(errors, h), width=0.8) if errors else None
    inside = 0
    if cal:
        scale = conformal.recent_scale(train, season)
        lower, upper = conformal.intervals(final, cal, scale=scale, nonnegative=bool(train.min() >= 0))
        inside = int(np.sum((test >= lower) & (test <= upper)))
    return {
        "mase": metrics.mase(test, final, train, season=season),
        "mase_snaive": metrics.mase(test, fc["seasonal_naive"]["final"], train, season=season),
        "mase_prophet": metrics.mase(test, fc["prophet_default"], train, season=season),
        "inside": inside,
        "n": h,
    }


RULES = {
    "the product (median of the best 3)": {"portfolio": PRODUCT, "k": 3},
    "+ log damped trend, median of 4": {"portfolio": PRODUCT + ["ets_log"], "k": 4},
    "+ log Holt-Winters, median of 4": {"portfolio": PRODUCT + ["hw_log"], "k": 4},
    "+ both, median of 4": {"portfolio": PRODUCT + ["ets_log", "hw_log"], "k": 4},
    "+ all three, 1/MASE-weighted mean of 5": {
        "portfolio": PRODUCT + CANDIDATES,
        "k": 5,
        "combine": "mean",
        "power": 1,
    },  # fmt: skip
    "fixed: median of s-naive, drift, Theta, HW, Prophet": {
        "portfolio": PRODUCT,
        "fixed": ["seasonal_naive", "drift", "theta", "holt_winters", "prophet"],
    },  # fmt: skip
    "fixed: median of s-naive, naive, ETS, Prophet": {
        "portfolio": PRODUCT,
        "fixed": ["seasonal_naive", "naive", "ets", "prophet"],
    },  # fmt: skip
}


def run() -> list[tuple[str, float, str]]:
    from bench.bench_forecast_accuracy import _cases, summarise

    sets = _cases()
    forecasts = _cache(sets)

    def figures(rule, set_name, cases) -> dict:
        return summarise([{"name": c[0], **_apply(rule, forecasts[(set_name, c[0])], *c[1:])} for c in cases])

    rows = []
    for label, rule in RULES.items():
        for set_name, cases in sets.items():
            f = figures(rule, set_name, cases)
            rows.append((f"{label} | {set_name}", f["beats"],
                         f"MASE ÷ Prophet() {f['ratio']:.3f}, coverage {f['coverage']:.3f}"))  # fmt: skip
        if label.startswith("the product"):
            for set_name in ("demo", "check demo"):  # where the planted break falls (one window per demo series)
                for where, inside in (("break before the origin", False), ("break inside the window", True)):
                    cases = [c for c in sets[set_name] if (int(re.search(r"@([+-]\d+)", c[0]).group(1)) >= 0) == inside]
                    f = figures(rule, set_name, cases)
                    rows.append((f"{label} | {set_name}, {where}", f["beats"],
                                 f"{len(cases)} windows; MASE ÷ Prophet() {f['ratio']:.3f}, coverage {f['coverage']:.3f}"))  # fmt: skip
    return rows
