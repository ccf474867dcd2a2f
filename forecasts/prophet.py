"""Prophet adapter: history frame in, forecast frame out. No Django imports.

``forecast(history, horizon=..., frequency=..., interval_width=...)`` returns a frame with
``ds, yhat, yhat_lower, yhat_upper`` for the ``horizon`` periods after the history. Count series never
go negative: forecasts (intervals included) are clipped at zero, and count profiles fit on log1p(y).

Holidays: US federal holidays, mapped onto the week (or month) that contains them (four regressors:
Thanksgiving, Christmas/New Year, Independence Day, other), because weekly ``ds`` are Mondays.

Fast path (``intervals="analytic"``, the default): the model is fitted with ``uncertainty_samples=0``
and yhat is computed by ``fast_predict`` — the fitted point estimates applied with numpy (trend +
Fourier/holiday features · β), identical to Prophet's ``predict()["yhat"]`` but without its 1000
simulated trend paths (the known cost that dominates predict time) and its per-component pandas
bookkeeping. Intervals are then yhat ± z·σ·sqrt(1 + h/season), σ the in-sample residual standard
deviation on the fitted scale (the backtest later widens them if they prove too narrow, see
backtest.py). ``intervals="sampled"`` uses Prophet's own sampled intervals.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from statistics import NormalDist

import numpy as np
import pandas as pd

logging.getLogger("prophet.plot").setLevel(logging.CRITICAL)  # "Importing plotly failed" at import: not used


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
MAX_ITER = 1000  # cap on the optimiser's iterations (a pathological series must not hold a worker for minutes)


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


HOLIDAY_GROUPS = ("hol_thanksgiving", "hol_christmas_newyear", "hol_independence", "hol_other")


def _holiday_group(name: str) -> str:
    if "Thanksgiving" in name:
        return "hol_thanksgiving"
    if "Christmas" in name or "New Year" in name:
        return "hol_christmas_newyear"
    if "Independence" in name:
        return "hol_independence"
    return "hol_other"


def holiday_frame(start: pd.Timestamp, end: pd.Timestamp, frequency: str) -> pd.DataFrame:
    """US federal holidays, each assigned to the period (week Monday / month start) containing it."""
    import holidays as holidays_lib

    years = range(start.year - 1, end.year + 2)
    rows = []
    for day, name in holidays_lib.US(years=years).items():
        ts = pd.Timestamp(day)
        period_start = ts.to_period("W-SUN").start_time if frequency == "weekly" else ts.to_period("M").start_time
        rows.append({"holiday": name.split(" (")[0], "ds": period_start.normalize(), "group": _holiday_group(name)})
    return pd.DataFrame(rows).drop_duplicates()


def holiday_regressors(ds: pd.Series, frequency: str) -> pd.DataFrame:
    """Per period, how many holidays of each group fall in it (0/1, occasionally 2 in a month).

    Holidays enter Prophet as four extra regressors rather than its ``holidays`` table: on weekly
    data that is the same indicator model, it keeps the fast path's feature matrix simple, and it
    avoids Prophet's slow per-holiday pandas feature building on every predict.
    """
    ds = pd.to_datetime(pd.Series(ds)).reset_index(drop=True)
    hol = holiday_frame(ds.min(), ds.max(), frequency)
    counts = hol.groupby(["group", "ds"]).size()
    out = pd.DataFrame(index=ds.index)
    for g in HOLIDAY_GROUPS:
        per = counts[g] if g in counts.index.get_level_values(0) else pd.Series(dtype=float)
        out[g] = ds.map(lambda d, per=per: float(per.get(d, 0.0))).to_numpy()
    return out


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


#: Fourier order of the yearly seasonality when it is switched on: Prophet's default 10 on weekly data;
#: 5 on monthly data (at most m/2 − 1 harmonics are identifiable from 12 points per cycle, and 10
#: harmonics on 24–48 points is the overfit issue 11 traced the losses to).
YEARLY_ORDER = {"weekly": 10, "monthly": 5}


def yearly_order(n_periods: int, frequency: str, y=None) -> int:
    """Fourier order of the yearly seasonality for a history of ``n_periods`` (0 = off).

    On only when the history covers at least two full years *and*, if the values ``y`` are given,
    the seasonality test finds a yearly cycle (``forecasts.seasonality.has_seasonality``).
    """
    from forecasts.seasonality import MIN_CYCLES, has_seasonality

    season = SEASON[frequency]
    if n_periods < MIN_CYCLES * season:
        return 0
    if y is not None and not has_seasonality(y, season):
        return 0
    return YEARLY_ORDER[frequency]


def use_holidays(frequency: str) -> bool:
    """Holiday regressors only on weekly data: a holiday moves a week's demand by 15–25 %, but in a
    monthly total it is a few percent, always in the same month, and collinear with the yearly
    seasonality (issue 11's ablation: four monthly indicators next to order-10 Fourier terms)."""
    return frequency == "weekly"


def build_model(
    profile: Profile, *, interval_width: float, uncertainty_samples: int, yearly: int = 10, holidays: bool = True
):
    from prophet import Prophet

    _quiet()
    model = Prophet(
        growth=profile.growth,
        changepoint_prior_scale=profile.changepoint_prior_scale,
        seasonality_mode=profile.seasonality_mode,
        yearly_seasonality=yearly if yearly else False,
        weekly_seasonality=False,
        daily_seasonality=False,
        interval_width=interval_width,
        uncertainty_samples=uncertainty_samples,
        **profile.extra,
    )
    if holidays:
        for name in HOLIDAY_GROUPS:
            model.add_regressor(name, standardize=False)
    return model


def with_regressors(frame: pd.DataFrame, frequency: str) -> pd.DataFrame:
    frame = frame.reset_index(drop=True)
    return pd.concat([frame, holiday_regressors(frame["ds"], frequency)], axis=1)


def fast_predict(model, future: pd.DataFrame) -> np.ndarray:
    """yhat from a fitted model's point estimates with numpy: Prophet's own predict minus the
    uncertainty simulation and the per-component pandas bookkeeping (equal to ``predict()["yhat"]``,
    which the tests check)."""
    df = model.setup_dataframe(future.copy())
    trend = np.asarray(model.predict_trend(df), dtype=float)
    blocks, modes = [], []
    for name, props in model.seasonalities.items():
        feats = model.make_seasonality_features(df["ds"], props["period"], props["fourier_order"], name)
        blocks.append(feats.to_numpy(dtype=float))
        modes += [props["mode"]] * feats.shape[1]
    for name, props in model.extra_regressors.items():
        blocks.append(df[[name]].to_numpy(dtype=float))
        modes.append(props["mode"])
    if not blocks:
        # no seasonality and no regressors: Prophet's feature matrix is a single column of zeros,
        # so yhat is the trend alone (np.hstack([]) would raise)
        return trend
    x = np.hstack(blocks)
    beta = np.nanmean(model.params["beta"], axis=0)
    mult = np.array([m == "multiplicative" for m in modes])
    additive = x[:, ~mult] @ beta[~mult] * model.y_scale
    multiplicative = x[:, mult] @ beta[mult]
    return trend * (1 + multiplicative) + additive


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
    yearly: int | None = None,
    holidays: bool | None = None,
) -> Result:
    """Fit Prophet to ``history`` (ds, y) and forecast ``horizon`` periods ahead.

    ``yearly`` (Fourier order, 0 = off) and ``holidays`` default to the gates ``yearly_order`` (two
    cycles and a significant yearly cycle, ``forecasts.seasonality``) and ``use_holidays`` (weekly data only).
    """
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
    sampled = intervals == "sampled"
    model = build_model(
        profile,
        interval_width=interval_width,
        uncertainty_samples=1000 if sampled else 0,
        yearly=yearly_order(len(df), frequency, df["y"].to_numpy()) if yearly is None else yearly,
        holidays=use_holidays(frequency) if holidays is None else holidays,
    )
    model.fit(with_regressors(fit_df, frequency), iter=MAX_ITER)
    future = with_regressors(
        pd.concat(
            [
                df[["ds"]],
                pd.DataFrame({"ds": pd.date_range(df["ds"].iloc[-1], periods=horizon + 1, freq=FREQ[frequency])[1:]}),
            ],
            ignore_index=True,
        ),
        frequency,
    )
    n = len(df)
    if sampled:
        pred = model.predict(future)
        yhat_all = pred["yhat"].to_numpy()
    else:
        yhat_all = fast_predict(model, future)
    fitted_scaled = yhat_all[:n]
    out = pd.DataFrame({"ds": future["ds"].iloc[n:].reset_index(drop=True), "yhat": yhat_all[n:]})
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


def time_predict(history: pd.DataFrame, *, horizon: int, frequency: str = "weekly", repeats: int = 5) -> dict:
    """Median seconds to predict history + horizon with one fitted model (for the benchmark):
    Prophet's default predict (1000 uncertainty samples), Prophet's predict with sampling switched off,
    and this adapter's fast path. Also the largest |difference| between fast path and Prophet's yhat."""
    import statistics
    import time

    df = _prepare(history, frequency)
    model = build_model(Profile(), interval_width=0.8, uncertainty_samples=1000)
    model.fit(with_regressors(df, frequency))
    future = with_regressors(model.make_future_dataframe(periods=horizon, freq=FREQ[frequency]), frequency)

    def timed(fn):
        runs = []
        for _ in range(repeats):
            start = time.perf_counter()
            fn()
            runs.append(time.perf_counter() - start)
        return statistics.median(runs)

    default = timed(lambda: model.predict(future))
    reference = model.predict(future)["yhat"].to_numpy()
    model.uncertainty_samples = 0
    no_sampling = timed(lambda: model.predict(future))
    fast = timed(lambda: fast_predict(model, future))
    return {
        "default": default,
        "no_sampling": no_sampling,
        "fast": fast,
        "max_abs_diff": float(np.max(np.abs(fast_predict(model, future) - reference))),
    }


def z_value(interval_width: float) -> float:
    return NormalDist().inv_cdf(0.5 + interval_width / 2)


def default_forecast(history: pd.DataFrame, *, horizon: int, frequency: str = "monthly") -> np.ndarray:
    """yhat of a default ``Prophet()`` (the benchmark's reference point), fitted on ``history``."""
    from prophet import Prophet

    _quiet()
    df = _prepare(history, frequency)
    model = Prophet(uncertainty_samples=0)
    model.fit(df[["ds", "y"]])
    future = model.make_future_dataframe(periods=horizon, freq=FREQ[frequency], include_history=False)
    return model.predict(future)["yhat"].to_numpy()


__all__ = ["FREQ", "PROFILES", "Profile", "Result", "SeriesTooShort", "fast_predict", "forecast", "holiday_frame"]
