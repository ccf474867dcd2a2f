"""Fit one series, backtest a portfolio of methods on it, combine the best, calibrate intervals (no Django).

The portfolio (``PORTFOLIO``): seasonal naive, naive, drift, damped-trend exponential smoothing, Theta,
Holt-Winters (monthly, two cycles), Prophet, and the ensemble. Every method is scored on the same
rolling-origin folds.

``method="auto"`` forecasts with the **ensemble**: the per-step *median* of the ``ENSEMBLE_SIZE`` (3)
methods with the lowest mean MASE over the folds (ties to the simpler method, in portfolio order). Picking
the single best method on three 12-period windows is mostly noise: on the tuning set of public series
(bench/bench_forecast_accuracy.py) the single best beat seasonal naive less often than the combination
of the three best. The median of three (the middle forecast at each step) replaced their mean once the
seasonality gate stopped missing sharp cycles: a member that misjudges the season or the trend no
longer drags the forecast, and short histories beat seasonal naive on 83 % of tuning series instead of
72 % (mean), long ones on 86 % (same); docs/forecasts.md has the figures for the tuning and the held-out
check series. Where settings.FORECAST_METHODS leaves the ensemble out, ``auto`` takes the single best (``choose``).
A named method forecasts with that method (the seasonal-naive benchmark is always scored next to it).

Folds: with horizon h, fold i (of at most ``folds``) trains on y[: n − i·h] and is scored on the next
h periods. A fold must train on at least two seasonal cycles (104 weeks / 24 months) or it is skipped.
A series too short for even one such fold is backtested in *short-history mode*: folds train on at least
``MIN_HISTORY`` periods (26 weeks / 12 months), no seasonal model can pass the seasonality gate, and
the backtest says ``fold_mode: "short"``.

Seasonality gate: Prophet's yearly seasonality and the deseasonalisation in front of ETS/Theta are
switched on only where the training history covers two cycles and one of the seasonality F-tests
passes (``forecasts.seasonality``), decided afresh for every fold and for the final fit. Holt-Winters fits
its seasonal component whenever it is in the portfolio (monthly, every fold ≥ two cycles); the backtest
judges it.

Intervals: per-horizon-step conformal intervals from the folds' out-of-sample errors, each divided by
the *recent scale* of the fold's own training data (``conformal.recent_scale``) and multiplied back by the
scale of the history the forecast is made from (``forecasts.conformal``). Each fold's reported coverage
uses intervals calibrated on the *other* folds only, so it stays an honest out-of-sample number; the final
forecast's interval uses all folds.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from forecasts import baselines, conformal, metrics, statsmodels_adapter
from forecasts.prophet import MIN_HISTORY, PROFILES, SEASON, YEARLY_ORDER, Profile, SeriesTooShort
from forecasts.prophet import forecast as prophet_forecast
from forecasts.seasonality import MIN_CYCLES, has_seasonality

PORTFOLIO = ("seasonal_naive", "naive", "drift", "ets", "theta", "holt_winters", "prophet")
ENSEMBLE = "ensemble"
ENSEMBLE_SIZE = 3
BENCHMARK = "seasonal_naive"
#: What ``auto`` evaluates (settings.FORECAST_METHODS can narrow it, e.g. to leave Prophet out).
DEFAULT_CANDIDATES = (*PORTFOLIO, ENSEMBLE)


def base_forecast(
    method: str,
    history: pd.DataFrame,
    *,
    metric: str,
    horizon: int,
    frequency: str,
    interval_width: float,
    seasonal: bool,
):
    """One method's Result (forecast + in-sample fitted values)."""
    kw = {"horizon": horizon, "frequency": frequency, "interval_width": interval_width}
    if method == "prophet":
        return prophet_forecast(
            history, profile=PROFILES.get(metric, Profile()), yearly=YEARLY_ORDER[frequency] if seasonal else 0, **kw
        )
    if method == "ets":
        return statsmodels_adapter.damped_ets(history, seasonal=seasonal, **kw)
    if method == "theta":
        return statsmodels_adapter.theta(history, seasonal=seasonal, **kw)
    if method == "holt_winters":
        return statsmodels_adapter.holt_winters(history, seasonal=seasonal, **kw)
    if method in ("seasonal_naive", "naive", "drift"):
        return getattr(baselines, method)(history, **kw)
    raise ValueError(f"unknown method {method!r}; valid: {', '.join(PORTFOLIO)}")


def _as_dict(res, method: str, frequency: str, *, nonnegative: bool) -> dict:
    resid = (res.fitted["y"] - res.fitted["yhat"]).to_numpy(dtype=float)
    if method == "seasonal_naive":
        m = SEASON[frequency] if len(resid) > SEASON[frequency] else 1
        resid = resid[m:]  # the first season has no "previous season": not a residual
    elif method in ("naive", "drift", "ets", "theta", "holt_winters"):
        resid = resid[1:]  # the first fitted value is the first observation (or an initial state)
    f = res.forecast
    yhat = f["yhat"].to_numpy(dtype=float)
    lower, upper = f["yhat_lower"].to_numpy(dtype=float), f["yhat_upper"].to_numpy(dtype=float)
    if nonnegative:
        yhat, lower, upper = (np.clip(a, 0, None) for a in (yhat, lower, upper))
    return {
        "ds": [d.date().isoformat() for d in pd.to_datetime(f["ds"])],
        "yhat": [float(v) for v in yhat],
        "lower": [float(v) for v in lower],
        "upper": [float(v) for v in upper],
        "residuals": [float(v) for v in resid],
        "fitted": [float(v) for v in res.fitted["yhat"]],
    }


def _combine(fcs: list[dict]) -> dict:
    """The ensemble: per-step median of the members' forecasts and fitted values (mean of the residuals)."""
    yhat = np.median([fc["yhat"] for fc in fcs], axis=0)
    fitted = np.median([fc["fitted"] for fc in fcs], axis=0)
    t = min(len(fc["residuals"]) for fc in fcs)
    resid = np.mean([fc["residuals"][-t:] for fc in fcs], axis=0) if t else np.array([])
    return {
        "ds": fcs[0]["ds"],
        "yhat": [float(v) for v in yhat],
        "lower": [float(v) for v in np.min([fc["lower"] for fc in fcs], axis=0)],
        "upper": [float(v) for v in np.max([fc["upper"] for fc in fcs], axis=0)],
        "residuals": [float(v) for v in resid],
        "fitted": [float(v) for v in fitted],
    }


def score(actual, fc: dict, train, *, season: int) -> dict:
    return {
        "mase": metrics.mase(actual, fc["yhat"], train, season=season),
        "smape": metrics.smape(actual, fc["yhat"]),
        "coverage": metrics.coverage(actual, fc["lower"], fc["upper"]),
    }


def summarise(fold_scores: list[dict]) -> dict:
    return {k: metrics.mean_or_none([s[k] for s in fold_scores]) for k in ("mase", "smape", "coverage")}


def fold_cuts(n: int, *, horizon: int, frequency: str, folds: int) -> tuple[list[int], str]:
    """Training lengths of the folds (oldest first) and the mode ("cycles" or "short")."""
    need = MIN_CYCLES * SEASON[frequency]
    cuts = [n - (i + 1) * horizon for i in range(folds)]
    ok = [c for c in cuts if c >= need]
    if ok:
        return sorted(ok), "cycles"
    return sorted(c for c in cuts if c >= MIN_HISTORY[frequency]), "short"


def _criterion(fold_scores: list[dict], maes: list[float]) -> float:
    """Mean MASE over the folds; mean absolute error where a fold has no MASE scale (flat training)."""
    mases = [s["mase"] for s in fold_scores]
    if mases and all(v is not None and np.isfinite(v) for v in mases):
        return float(np.mean(mases))
    return float(np.mean(maes)) if maes else float("inf")


def choose(ranking: dict[str, float], candidates: list[str]) -> str:
    """Lowest criterion wins; ties go to the method listed first (the simpler one)."""
    best = min(candidates, key=lambda m: (ranking.get(m, float("inf")), candidates.index(m)))
    return best


def fit_and_backtest(
    history: pd.DataFrame,
    *,
    metric: str,
    horizon: int,
    frequency: str = "weekly",
    interval_width: float = 0.8,
    method: str = "auto",
    folds: int = 3,
    candidates: tuple[str, ...] | None = None,
    nonnegative: bool = True,
) -> dict:
    """Backtest the portfolio, choose a method, forecast with it; plain JSON-able output.

    Raises SeriesTooShort when the history cannot be fitted at all.
    """
    history = history[["ds", "y"]].reset_index(drop=True)
    n = len(history)
    if n < MIN_HISTORY[frequency]:
        raise SeriesTooShort(f"history has {n} {frequency} points; at least {MIN_HISTORY[frequency]} are needed to fit")
    if method in ("auto", ENSEMBLE):
        methods = [m for m in (candidates or DEFAULT_CANDIDATES) if m in DEFAULT_CANDIDATES]
        if method == ENSEMBLE and ENSEMBLE not in methods:
            methods.append(ENSEMBLE)
    else:
        methods = [BENCHMARK] if method == BENCHMARK else [BENCHMARK, method]
    cuts, mode = fold_cuts(n, horizon=horizon, frequency=frequency, folds=folds)
    if "holt_winters" in methods and not (frequency == "monthly" and mode == "cycles" and cuts):
        methods.remove("holt_winters")  # weekly (52 seasonal states: too slow) or under two cycles in a fold
    if ENSEMBLE in methods and len([m for m in methods if m != ENSEMBLE]) < ENSEMBLE_SIZE:
        methods.remove(ENSEMBLE)
    singles = [m for m in methods if m != ENSEMBLE]
    season = SEASON[frequency]
    y = history["y"].to_numpy(dtype=float)
    kw = {"metric": metric, "horizon": horizon, "frequency": frequency, "interval_width": interval_width}

    fold_list = []
    for cut in cuts:
        train, actual = history.iloc[:cut], y[cut : cut + horizon]
        seasonal = has_seasonality(y[:cut], season)
        fold = {"cut": cut, "seasonal": seasonal, "actual": [float(v) for v in actual]}
        fold["train_tail"] = [float(v) for v in y[:cut]]
        for m in singles:
            res = base_forecast(m, train, seasonal=seasonal, **kw)
            fold[m] = _as_dict(res, m, frequency, nonnegative=nonnegative)
        fold_list.append(fold)

    def fold_scores(m):
        return [score(f["actual"], f[m], f["train_tail"], season=season) for f in fold_list]

    def maes(m):
        return [float(np.mean(np.abs(np.asarray(f["actual"]) - np.asarray(f[m]["yhat"])))) for f in fold_list]

    ranking = {m: _criterion(fold_scores(m), maes(m)) for m in singles} if fold_list else {}
    members: list[str] = []
    if ENSEMBLE in methods and fold_list:
        # the ENSEMBLE_SIZE best by mean fold MASE (ties to the simpler method); seasonal naive may be one
        members = sorted(singles, key=lambda m: (ranking[m], singles.index(m)))[:ENSEMBLE_SIZE]
        for f in fold_list:
            f[ENSEMBLE] = _combine([f[m] for m in members])
        ranking[ENSEMBLE] = _criterion(fold_scores(ENSEMBLE), maes(ENSEMBLE))

    if method != "auto" and (method != ENSEMBLE or members):
        used = method
    elif members:
        used = ENSEMBLE  # auto: a few 12-period windows cannot tell methods apart; combine the best three
    elif fold_list:
        used = choose(ranking, methods)  # the ensemble was left out of the candidates
    else:
        used = "ets" if "ets" in methods else methods[0]  # nothing to choose on: the robust default

    # conformal intervals on scale-free errors: leave-one-fold-out for each fold's reported coverage,
    # all folds for the forecast
    scales = [conformal.recent_scale(y[: f["cut"]], season) for f in fold_list]
    calibration = {}
    for m in methods if fold_list else []:
        errors = [
            (np.asarray(f["actual"]) - np.asarray(f[m]["yhat"][: len(f["actual"])])) / sc
            for f, sc in zip(fold_list, scales, strict=True)
        ]
        for j, f in enumerate(fold_list):
            others = [e for i, e in enumerate(errors) if i != j]
            cal = conformal.calibrate(_pad(others, horizon), width=interval_width) if others else None
            if cal:
                lower, upper = conformal.intervals(f[m]["yhat"], cal, scale=scales[j], nonnegative=nonnegative)
                f[m] = {**f[m], "lower": [float(v) for v in lower], "upper": [float(v) for v in upper]}
        calibration[m] = conformal.calibrate(_pad(errors, horizon), width=interval_width)

    seasonal_now = has_seasonality(y, season)
    final_needed = members if used == ENSEMBLE else [used]
    finals = {
        m: _as_dict(base_forecast(m, history, seasonal=seasonal_now, **kw), m, frequency, nonnegative=nonnegative)
        for m in final_needed
    }
    final = _combine([finals[m] for m in members]) if used == ENSEMBLE else finals[used]
    cal = calibration.get(used)
    if cal:
        cal = {**cal, "scale": conformal.recent_scale(y, season)}
        lower, upper = conformal.intervals(final["yhat"], cal, scale=cal["scale"], nonnegative=nonnegative)
        final = {**final, "lower": [float(v) for v in lower], "upper": [float(v) for v in upper]}
    final["calibration"] = cal or {"note": "no backtest errors to calibrate on: the method's own interval"}

    first_cut = fold_list[0]["cut"] if fold_list else n
    _, scale = metrics.mase_scale(y[:first_cut], season=season)
    bt = {
        "folds": len(fold_list),
        "fold_mode": mode,
        "mase_scale": scale,
        "seasonal": seasonal_now,
        "candidates": methods,
        "ranking": {m: (None if not np.isfinite(v) else round(v, 4)) for m, v in ranking.items()},
        "ensemble_members": members,
        "interval": "conformal" if cal else "model",
    }
    for m in methods:
        bt[m] = summarise(fold_scores(m)) if fold_list else {"mase": None, "smape": None, "coverage": None}
    for f in fold_list:
        for m in methods:
            f[f"{m}_score"] = score(f["actual"], f[m], f["train_tail"], season=season)
    return {"methods": {used: final}, "folds": fold_list, "backtest": bt, "method_used": used}


def _pad(errors: list[np.ndarray], horizon: int) -> np.ndarray:
    """Folds × horizon matrix of errors (NaN where a fold's test window is shorter)."""
    out = np.full((len(errors), horizon), np.nan)
    for i, e in enumerate(errors):
        out[i, : len(e)] = e
    return out


def nonneg(a) -> np.ndarray:
    return np.clip(np.asarray(a, dtype=float), 0, None)
