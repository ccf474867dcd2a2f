"""statsmodels adapter: damped-trend exponential smoothing and the Theta method. No Django imports.

Why statsmodels rather than statsforecast (measured on the shared 2-core machine, issue 11):
statsforecast 2.1.1 requires pandas < 3 (this project runs pandas 3.1), pulls in fugue and pyarrow
(559 MB installed) and takes 8–12 s to import; statsmodels 0.15 adds 67 MB, imports in ~3.5 s, and
with the SLSQP optimiser a damped-trend fit takes ~0.08 s (its default L-BFGS-B with a brute-force
start grid: ~0.6 s, same SSE).

Both methods are non-seasonal; when the seasonality gate (``forecasts.seasonality``) says the series
has a cycle they run on the seasonally adjusted series and the cycle is put back on the forecast
(classical decomposition, as the Theta method did in M3/M4).

* ``damped_ets`` — Holt's additive trend with a damping parameter φ (ETS(A,Ad,N)), the method the issue's
  ablation found best in shocked windows (Gardner & McKenzie 1985).
* ``holt_winters`` — damped additive trend with an additive seasonal component estimated jointly
  (ETS(A,Ad,A), Holt-Winters): unlike the decomposition in front of ``damped_ets`` its seasonal shape
  evolves over time. Monthly series only (weekly would mean 52 seasonal states: 1–7 s per fit on the
  shared machine) and only with two full cycles of history; without them it is not in the portfolio.
* ``theta`` — the standard Theta method: simple exponential smoothing plus half the OLS slope as a
  drift (Hyndman & Billah 2003), i.e. statsmodels' ``ThetaModel`` forecast formula with θ = 2, fitted
  with the same fast SES optimiser.

Intervals returned here are rough (σ of the one-step residuals × sqrt(h)); the backtest replaces them
with conformal intervals.
"""

from __future__ import annotations

import warnings
from statistics import NormalDist

import numpy as np
import pandas as pd

from forecasts.prophet import FREQ, SEASON, Result
from forecasts.seasonality import deseasonalise


def _setup(history: pd.DataFrame, frequency: str, seasonal: bool):
    df = history[["ds", "y"]].copy()
    df["ds"] = pd.to_datetime(df["ds"])
    y = df["y"].to_numpy(dtype=float)
    if seasonal:
        adjusted, reseason = deseasonalise(y, SEASON[frequency])
    else:
        adjusted, reseason = y, (lambda v, start: np.asarray(v, dtype=float))
    return df, y, adjusted, reseason


def _result(df, y, yhat_adj, fitted_adj, reseason, horizon, frequency, interval_width) -> Result:
    n = len(y)
    yhat = reseason(yhat_adj, n)
    fitted = reseason(fitted_adj, 0)
    resid = y - fitted
    sigma = float(np.std(resid[1:], ddof=1)) if n > 2 else 0.0
    z = NormalDist().inv_cdf(0.5 + interval_width / 2)
    half = z * sigma * np.sqrt(np.arange(1, horizon + 1))
    ds = pd.date_range(df["ds"].iloc[-1], periods=horizon + 1, freq=FREQ[frequency])[1:]
    out = pd.DataFrame({"ds": ds, "yhat": yhat, "yhat_lower": yhat - half, "yhat_upper": yhat + half})
    return Result(forecast=out, fitted=pd.DataFrame({"ds": df["ds"], "y": y, "yhat": fitted}))


def _smoother(y: np.ndarray, *, trend: bool, season: int = 0):
    from statsmodels.tsa.holtwinters import ExponentialSmoothing

    kwargs = {"trend": "add", "damped_trend": True} if trend else {}
    init, optimiser = "estimated", "SLSQP"
    if season:
        # Holt-Winters: estimating the 12 initial seasonal states with the smoothing parameters took
        # ~0.8 s a fit on 120 months (2.9× the old run time on monthly series); the heuristic start
        # (Hyndman et al. 2008, from the first two cycles) with TNC takes ~0.05 s, SSE within 10 %.
        kwargs.update(seasonal="add", seasonal_periods=season)
        init, optimiser = "heuristic", "TNC"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # ConvergenceWarning / ValueWarning on short or flat series
        model = ExponentialSmoothing(y, initialization_method=init, **kwargs)
        return model.fit(method=optimiser, use_brute=False)


def damped_ets(
    history: pd.DataFrame,
    *,
    horizon: int,
    frequency: str = "weekly",
    seasonal: bool = False,
    interval_width: float = 0.8,
) -> Result:
    return _damped(*_setup(history, frequency, seasonal), 0, horizon, frequency, interval_width)


def _damped(df, y, adj, reseason, season: int, horizon: int, frequency: str, interval_width: float) -> Result:
    """Damped-trend smoothing of ``adj`` (with an additive seasonal component of period ``season`` if > 0)."""
    if np.std(adj) == 0:
        return _result(df, y, np.full(horizon, adj[-1]), adj, reseason, horizon, frequency, interval_width)
    res = _smoother(adj, trend=True, season=season)
    return _result(
        df, y, np.asarray(res.forecast(horizon)), np.asarray(res.fittedvalues), reseason, horizon, frequency,
        interval_width,
    )  # fmt: skip


def theta(
    history: pd.DataFrame,
    *,
    horizon: int,
    frequency: str = "weekly",
    seasonal: bool = False,
    interval_width: float = 0.8,
) -> Result:
    df, y, adj, reseason = _setup(history, frequency, seasonal)
    n = len(adj)
    if np.std(adj) == 0:
        return _result(df, y, np.full(horizon, adj[-1]), adj, reseason, horizon, frequency, interval_width)
    t = np.arange(n, dtype=float)
    b0 = float(np.polyfit(t, adj, 1)[0])  # OLS slope of the (adjusted) series
    res = _smoother(adj, trend=False)
    alpha = float(np.clip(res.params["smoothing_level"], 1e-3, 1.0))
    h = np.arange(1, horizon + 1, dtype=float)
    drift = 0.5 * b0 * (h - 1 + 1 / alpha - (1 - alpha) ** n / alpha)
    yhat = np.asarray(res.forecast(horizon)) + drift
    fitted = np.asarray(res.fittedvalues) + 0.5 * b0 * (1 / alpha - (1 - alpha) ** np.maximum(t, 1) / alpha)
    return _result(df, y, yhat, fitted, reseason, horizon, frequency, interval_width)


def holt_winters(
    history: pd.DataFrame,
    *,
    horizon: int,
    frequency: str = "monthly",
    seasonal: bool = True,
    interval_width: float = 0.8,
) -> Result:
    """ETS(A,Ad,A). ``seasonal`` is accepted for a uniform signature: the seasonal component is always
    fitted (the backtest, not the gate, judges whether it helps); needs two full cycles."""
    df, y, adj, reseason = _setup(history, frequency, False)
    m = SEASON[frequency]
    if len(y) < 2 * m:
        raise ValueError(f"holt_winters needs two cycles ({2 * m} periods); the history has {len(y)}")
    return _damped(df, y, adj, reseason, m, horizon, frequency, interval_width)
