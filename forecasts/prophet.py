"""Prophet adapter: history frame in, forecast frame out. No Django imports.

``forecast(history, horizon=..., frequency=..., interval_width=...)`` returns a frame with
``ds, yhat, yhat_lower, yhat_upper`` for the ``horizon`` periods after the history. Count series never
go negative: forecasts (intervals included) are clipped at zero, and count profiles fit on log1p(y).

Holidays: US federal holidays, mapped onto the week (or month) that contains them, because weekly
``ds`` values are Mondays and Prophet only applies a holiday effect to rows whose ``ds`` equals it.

Fast path (``intervals="analytic"``, the default): ``uncertainty_samples=0`` so predict skips the
1000 simulated trend paths (the known cost that dominates predict time); intervals are then
yhat ± z·σ, σ being the in-sample residual standard deviation (on the fitted scale), widened by
sqrt(1 + h/n_season) for h periods ahead. ``intervals="sampled"`` uses Prophet's own sampling.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from statistics import NormalDist

import numpy as np
import pandas as pd


def _quiet() -> None:
    """cmdstanpy installs its own INFO handler on import; silence it (and prophet's plotting notice)."""
    for name in ("cmdstanpy", "prophet", "prophet.plot"):
        logger = logging.getLogger(name)
        logger.setLevel(logging.CRITICAL)
        logger.propagate = False
        for handler in list(logger.handlers):
            logger.removeHandler(handler)
        logger.addHandler(logging.NullHandler())


FREQ = {"weekly": "W-MON", "monthly": "MS"}
SEASON = {"weekly": 52, "monthly": 12}
MIN_HISTORY = {"weekly": 26, "monthly": 12}


class SeriesTooShort(ValueError):
    """The history is too short to fit (the message says how long it is and what is needed)."""


@dataclass(frozen=True)
class Profile:
    """Growth and transform settings suited to a kind of series."""

    growth: str = "linear"
    changepoint_prior_scale: float = 0.05
    seasonality_mode: str = "additive"
    log1p: bool = False
    extra: dict = field(default_factory=dict)


#: Headcount moves slowly with a trend; demand has a strong yearly shape that scales with volume;
#: hires/terminations are small counts (log1p keeps them ≥ 0 and tames spikes) with a damped trend.
PROFILES = {
    "headcount": Profile(growth="linear", changepoint_prior_scale=0.05),
    "demand": Profile(growth="linear", changepoint_prior_scale=0.05, seasonality_mode="multiplicative"),
    "hires": Profile(growth="linear", changepoint_prior_scale=0.01, log1p=True),
    "terminations_voluntary": Profile(growth="linear", changepoint_prior_scale=0.01, log1p=True),
    "terminations_involuntary": Profile(growth="linear", changepoint_prior_scale=0.005, log1p=True),
}


def holiday_frame(start: pd.Timestamp, end: pd.Timestamp, frequency: str) -> pd.DataFrame:
    """US federal holidays, each assigned to the period (week Monday / month start) containing it."""
    import holidays as holidays_lib

    years = range(start.year - 1, end.year + 2)
    rows = []
    for day, name in holidays_lib.US(years=years).items():
        ts = pd.Timestamp(day)
        period_start = ts.to_period("W-SUN").start_time if frequency == "weekly" else ts.to_period("M").start_time
        rows.append({"holiday": name.split(" (")[0], "ds": period_start.normalize()})
    return pd.DataFrame(rows).drop_duplicates()


def _prepare(history: pd.DataFrame, frequency: str) -> pd.DataFrame:
    if frequency not in FREQ:
        raise ValueError(f"frequency must be one of {sorted(FREQ)} (got {frequency!r})")
    df = history[["ds", "y"]].copy()
    df["ds"] = pd.to_datetime(df["ds"])
    df["y"] = pd.to_numeric(df["y"], errors="raise").astype(float)
    df = df.sort_values("ds").reset_index(drop=True)
    need = MIN_HISTORY[frequency]
    if len(df) < need:
        raise SeriesTooShort(f"history has {len(df)} {frequency} points; at least {need} are needed to fit")
    return df


def build_model(
    profile: Profile, *, frequency: str, interval_width: float, uncertainty_samples: int, hol: pd.DataFrame
):
    from prophet import Prophet

    _quiet()
    return Prophet(
        growth=profile.growth,
        changepoint_prior_scale=profile.changepoint_prior_scale,
        seasonality_mode=profile.seasonality_mode,
        yearly_seasonality=True,
        weekly_seasonality=False,
        daily_seasonality=False,
        holidays=hol,
        interval_width=interval_width,
        uncertainty_samples=uncertainty_samples,
        **profile.extra,
    )


@dataclass
class Result:
    forecast: pd.DataFrame  # ds, yhat, yhat_lower, yhat_upper (horizon rows, original scale, ≥ 0)
    fitted: pd.DataFrame  # ds, y, yhat — in-sample fit on the original scale


def forecast(
    history: pd.DataFrame,
    *,
    horizon: int,
    frequency: str = "weekly",
    interval_width: float = 0.8,
    profile: Profile | None = None,
    intervals: str = "analytic",
    nonnegative: bool = True,
) -> Result:
    """Fit Prophet to ``history`` (ds, y) and forecast ``horizon`` periods ahead."""
    profile = profile or Profile()
    if horizon < 1:
        raise ValueError("horizon must be at least 1")
    df = _prepare(history, frequency)
    fit_df = df.copy()
    if profile.log1p:
        fit_df["y"] = np.log1p(fit_df["y"].clip(lower=0))
    if float(fit_df["y"].std()) == 0.0:
        # A constant series: Prophet's optimiser has nothing to learn; the forecast is the constant.
        return _constant(df, horizon=horizon, frequency=frequency)
    hol = holiday_frame(df["ds"].iloc[0], df["ds"].iloc[-1] + pd.Timedelta(weeks=horizon + 5), frequency)
    sampled = intervals == "sampled"
    model = build_model(
        profile, frequency=frequency, interval_width=interval_width, uncertainty_samples=1000 if sampled else 0, hol=hol
    )
    model.fit(fit_df)
    future = pd.concat(
        [
            df[["ds"]],
            pd.DataFrame({"ds": pd.date_range(df["ds"].iloc[-1], periods=horizon + 1, freq=FREQ[frequency])[1:]}),
        ],
        ignore_index=True,
    )
    pred = model.predict(future)
    n = len(df)
    fitted_scaled = pred["yhat"].to_numpy()[:n]
    out = pred.iloc[n:][["ds", "yhat"]].reset_index(drop=True)
    if sampled:
        lower, upper = pred["yhat_lower"].to_numpy()[n:], pred["yhat_upper"].to_numpy()[n:]
    else:
        sigma = float(np.std(fit_df["y"].to_numpy() - fitted_scaled, ddof=1))
        z = NormalDist().inv_cdf(0.5 + interval_width / 2)
        h = np.arange(1, horizon + 1)
        half = z * sigma * np.sqrt(1 + h / SEASON[frequency])
        lower, upper = out["yhat"].to_numpy() - half, out["yhat"].to_numpy() + half
    yhat = out["yhat"].to_numpy()
    if profile.log1p:
        yhat, lower, upper, fitted_scaled = np.expm1(yhat), np.expm1(lower), np.expm1(upper), np.expm1(fitted_scaled)
    out["yhat"], out["yhat_lower"], out["yhat_upper"] = yhat, lower, upper
    if nonnegative:
        out[["yhat", "yhat_lower", "yhat_upper"]] = out[["yhat", "yhat_lower", "yhat_upper"]].clip(lower=0)
        fitted_scaled = np.clip(fitted_scaled, 0, None)
    fitted = pd.DataFrame({"ds": df["ds"], "y": df["y"], "yhat": fitted_scaled})
    return Result(forecast=out, fitted=fitted)


def _constant(df: pd.DataFrame, *, horizon: int, frequency: str) -> Result:
    value = float(df["y"].iloc[-1])
    ds = pd.date_range(df["ds"].iloc[-1], periods=horizon + 1, freq=FREQ[frequency])[1:]
    out = pd.DataFrame({"ds": ds, "yhat": value, "yhat_lower": value, "yhat_upper": value})
    return Result(forecast=out, fitted=pd.DataFrame({"ds": df["ds"], "y": df["y"], "yhat": df["y"]}))


def time_predict(history: pd.DataFrame, *, horizon: int, uncertainty_samples: int, frequency: str = "weekly") -> float:
    """Seconds spent in ``predict`` for one fitted model (used by the benchmark)."""
    import time

    df = _prepare(history, frequency)
    hol = holiday_frame(df["ds"].iloc[0], df["ds"].iloc[-1] + pd.Timedelta(weeks=horizon + 5), frequency)
    model = build_model(
        Profile(), frequency=frequency, interval_width=0.8, uncertainty_samples=uncertainty_samples, hol=hol
    )
    model.fit(df)
    future = model.make_future_dataframe(periods=horizon, freq=FREQ[frequency])
    start = time.perf_counter()
    model.predict(future)
    return time.perf_counter() - start


def z_value(interval_width: float) -> float:
    return NormalDist().inv_cdf(0.5 + interval_width / 2)


__all__ = ["FREQ", "PROFILES", "Profile", "Result", "SeriesTooShort", "forecast", "holiday_frame"]
