"""Workforce over time: one SQL read of (hire, termination, type, split key) per technician, then monthly
headcount, hires and departures computed with numpy (a handful of vector operations per month), so the
overview and trends stay fast at 100k technicians.

Definitions (the same everywhere: pages, API, assistant):
- *active on day d*: hired on or before d and not terminated on or before d;
- *headcount* of a month: active on its last day;
- *departures* of a month: termination date inside the month (voluntary / involuntary / first-year =
  left less than 365 days after hire);
- *monthly turnover rate*: departures ÷ average of the headcount at the start and at the end of the month;
- *trailing-12-month (T12M) rate*: departures in the 12 months ÷ average month-end headcount over them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np
from django.db import connection

from technicians.models import District, Region, ScheduleType, Trade

EPOCH = date(1970, 1, 1)
NEVER = np.iinfo(np.int64).max // 2
SPLITS = ("region", "district", "trade", "source", "schedule", "tenure_band")
TENURE_BANDS = ((0, "< 1 year"), (365, "1–2 years"), (730, "2–5 years"), (1826, "5+ years"))
_SPLIT_SQL = {
    "region": "r.code",
    "district": "d.code",
    "trade": "t.trade",
    "schedule": "t.schedule_type",
    "source": "COALESCE(c.source, 'unknown')",
}


class AnalyticsInputError(ValueError):
    """A filter, split or period that does not exist (the message names the valid choices)."""


@dataclass(frozen=True)
class Filters:
    region: str | None = None
    district: str | None = None
    trade: str | None = None
    schedule: str | None = None

    def validate(self) -> Filters:
        for name, value in self.__dict__.items():
            if value and ("\x00" in value or len(value) > 60):
                raise AnalyticsInputError(f"{name}: not a valid code")
        if self.region and not Region.objects.filter(code=self.region).exists():
            raise AnalyticsInputError(f"unknown region {self.region!r}")
        if self.district and not District.objects.filter(code=self.district).exists():
            raise AnalyticsInputError(f"unknown district {self.district!r}")
        if self.trade and self.trade not in Trade.values:
            raise AnalyticsInputError(f"unknown trade {self.trade!r}; valid: {', '.join(Trade.values)}")
        if self.schedule and self.schedule not in ScheduleType.values:
            raise AnalyticsInputError(f"unknown schedule {self.schedule!r}; valid: {', '.join(ScheduleType.values)}")
        return self

    def where(self, t: str = "t", d: str = "d", r: str = "r") -> tuple[str, list]:
        parts, params = [], []
        for value, column in (
            (self.region, f"{r}.code"),
            (self.district, f"{d}.code"),
            (self.trade, f"{t}.trade"),
            (self.schedule, f"{t}.schedule_type"),
        ):
            if value:
                parts.append(f"{column} = %s")
                params.append(value)
        return (" AND ".join(parts) or "TRUE"), params

    def as_dict(self) -> dict:
        return {k: v for k, v in self.__dict__.items() if v}


def days(d: date) -> int:
    return (d - EPOCH).days


def month_start(d: date) -> date:
    return d.replace(day=1)


def add_months(d: date, n: int) -> date:
    y, m = divmod(d.year * 12 + d.month - 1 + n, 12)
    return date(y, m + 1, 1)


def month_range(*, end: date, months: int) -> list[date]:
    """The ``months`` complete months before the month that contains ``end`` (oldest first)."""
    last = month_start(end)
    return [add_months(last, -k) for k in range(months, 0, -1)]


@dataclass
class Population:
    hire: np.ndarray  # int64 days since 1970-01-01
    term: np.ndarray  # int64 days, NEVER when still employed
    voluntary: np.ndarray  # bool
    involuntary: np.ndarray  # bool
    key: np.ndarray | None  # object array of split keys (None without a split)

    def __len__(self) -> int:
        return len(self.hire)


def population(*, filters: Filters, split: str | None = None) -> Population:
    """One row per technician matching ``filters`` (ever employed), read with one SQL query."""
    if split is not None and split not in SPLITS:
        raise AnalyticsInputError(f"unknown split {split!r}; valid: {', '.join(SPLITS)}")
    where, params = filters.where()
    key_sql = _SPLIT_SQL.get(split or "", "NULL")
    join = "LEFT JOIN technicians_candidate c ON c.hired_technician_id = t.id" if split == "source" else ""
    sql = (
        "SELECT t.hire_date - DATE '1970-01-01', COALESCE(t.termination_date - DATE '1970-01-01', %s), "  # noqa: S608
        f"t.termination_type, {key_sql} FROM technicians_technician t "
        "JOIN technicians_district d ON d.id = t.district_id JOIN technicians_region r ON r.id = d.region_id "
        f"{join} WHERE {where}"
    )
    with connection.cursor() as cur:
        cur.execute(sql, [int(NEVER), *params])
        rows = cur.fetchall()
    if not rows:
        empty = np.zeros(0, dtype=np.int64)
        return Population(empty, empty, empty.astype(bool), empty.astype(bool), None if split is None else empty)
    cols = list(zip(*rows, strict=True))
    ttype = np.asarray(cols[2], dtype=object)
    return Population(
        hire=np.asarray(cols[0], dtype=np.int64),
        term=np.asarray(cols[1], dtype=np.int64),
        voluntary=ttype == "voluntary",
        involuntary=ttype == "involuntary",
        key=None if split is None else np.asarray(cols[3], dtype=object),
    )


_BAND_EDGES = np.asarray([b for b, _ in TENURE_BANDS[1:]], dtype=np.int64)


def tenure_band(tenure_days: np.ndarray) -> np.ndarray:
    labels = np.asarray([label for _, label in TENURE_BANDS], dtype=object)
    return labels[np.searchsorted(_BAND_EDGES, tenure_days, side="right")]


def monthly(pop: Population, *, months: list[date], split: str | None = None) -> dict:
    """Monthly headcount, hires and departures (counts and rates) per split key plus the total.

    Returns ``{"months": [...], "groups": {key: series}, "total": series}``; each series holds lists
    aligned with ``months``: headcount, hires, voluntary, involuntary, first_year, and the rates in percent.
    """
    n_m = len(months)
    starts = np.asarray([days(m) for m in months], dtype=np.int64)
    ends = np.asarray([days(add_months(m, 1)) - 1 for m in months], dtype=np.int64)  # last day of each month
    if split == "tenure_band":
        keys = [label for _, label in TENURE_BANDS]
    elif pop.key is not None:
        keys = sorted({str(k) for k in pop.key})
    else:
        keys = []
    index = {k: i for i, k in enumerate(keys)}
    g_static = (
        np.asarray([index[str(k)] for k in pop.key], dtype=np.int64)
        if pop.key is not None and split != "tenure_band"
        else None
    )
    n_g = max(len(keys), 1)
    names = (
        "headcount",
        "headcount_start",
        "hires",
        "voluntary",
        "involuntary",
        "first_year",
        "fy_headcount",
        "fy_headcount_start",
    )
    out = {k: np.zeros((n_g, n_m), dtype=np.int64) for k in names}

    def groups(mask: np.ndarray, at: np.ndarray | None) -> np.ndarray:
        if split == "tenure_band":
            g = np.searchsorted(_BAND_EDGES, at[mask] - pop.hire[mask], side="right")
        elif g_static is not None:
            g = g_static[mask]
        else:
            return np.asarray([int(mask.sum())])
        return np.bincount(g, minlength=n_g)

    hire, term = pop.hire, pop.term
    for j in range(n_m):
        s, e = starts[j], ends[j]
        before = s - 1
        for name, day in (("headcount", e), ("headcount_start", before)):
            active = (hire <= day) & (term > day)
            out[name][:, j] = groups(active, np.full(len(hire), day))
            fy = active & (day - hire < 365)
            out["fy_" + name][:, j] = groups(fy, np.full(len(hire), day))
        out["hires"][:, j] = groups((hire >= s) & (hire <= e), hire)
        left = (term >= s) & (term <= e)
        out["voluntary"][:, j] = groups(left & pop.voluntary, term)
        out["involuntary"][:, j] = groups(left & pop.involuntary, term)
        out["first_year"][:, j] = groups(left & (term - hire < 365), term)

    def series(i: int | None) -> dict:
        pick = (lambda a: a.sum(axis=0)) if i is None else (lambda a: a[i])
        c = {k: pick(v) for k, v in out.items()}
        avg = (c["headcount"] + c["headcount_start"]) / 2
        fy_avg = (c["fy_headcount"] + c["fy_headcount_start"]) / 2
        res = {k: c[k].tolist() for k in ("headcount", "hires", "voluntary", "involuntary", "first_year")}
        for k in ("voluntary", "involuntary"):
            res[f"{k}_rate"] = _pct(c[k], avg)
        res["first_year_rate"] = _pct(c["first_year"], fy_avg)
        return res

    return {
        "months": [m.isoformat()[:7] for m in months],
        "groups": {k: series(i) for k, i in index.items()} if keys else {},
        "total": series(None),
    }


def _pct(num: np.ndarray, den: np.ndarray) -> list[float | None]:
    with np.errstate(divide="ignore", invalid="ignore"):
        r = np.where(den > 0, num / np.where(den > 0, den, 1) * 100, np.nan)
    return [None if np.isnan(x) else round(float(x), 2) for x in r]


def trailing_rate(series: dict, name: str, *, window: int = 12) -> list[float | None]:
    """Rolling T12M rate (percent) of departures ``name`` per month: sum over the window ÷ mean headcount."""
    num = np.asarray(series[name], dtype=float)
    hc = np.asarray(series["headcount"], dtype=float)
    out: list[float | None] = []
    for j in range(len(num)):
        if j + 1 < window:
            out.append(None)
            continue
        den = hc[j + 1 - window : j + 1].mean()
        out.append(round(float(num[j + 1 - window : j + 1].sum() / den * 100), 2) if den > 0 else None)
    return out


def active_count(*, filters: Filters, on: date) -> int:
    where, params = filters.where()
    sql = (
        "SELECT count(*) FROM technicians_technician t JOIN technicians_district d ON d.id = t.district_id "  # noqa: S608
        "JOIN technicians_region r ON r.id = d.region_id "
        f"WHERE t.hire_date <= %s AND (t.termination_date IS NULL OR t.termination_date > %s) AND {where}"
    )
    with connection.cursor() as cur:
        cur.execute(sql, [on, on, *params])
        return int(cur.fetchone()[0])


def yesterday(d: date) -> date:
    return d - timedelta(days=1)
