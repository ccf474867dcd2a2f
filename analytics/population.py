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

    def joins(self, split: str | None = None, t: str = "t") -> str:
        """Only the joins the filters and split need (a district/region join costs as much as the scan)."""
        need_r = bool(self.region) or split == "region"
        need_d = need_r or bool(self.district) or split == "district"
        sql = f" JOIN technicians_district d ON d.id = {t}.district_id" if need_d else ""
        return sql + (" JOIN technicians_region r ON r.id = d.region_id" if need_r else "")

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
    codes: np.ndarray | None = None  # the same keys as integer codes into ``labels`` (fast grouping)
    labels: np.ndarray | None = None

    def __len__(self) -> int:
        return len(self.hire)


def population(*, filters: Filters, split: str | None = None) -> Population:
    """One record per technician matching ``filters`` (ever employed): PostgreSQL packs them into one bytea of
    fixed-width integers that numpy reads in place (no per-row Python objects)."""
    if split is not None and split not in SPLITS:
        raise AnalyticsInputError(f"unknown split {split!r}; valid: {', '.join(SPLITS)}")
    where, params = filters.where()
    keys: list[str] = []
    key_sql = "0"
    if split in _SPLIT_SQL and split != "tenure_band":
        keys = _split_keys(split)
        # the split value as its 1-based position in ``keys`` (0 = not in the list)
        key_sql = f"COALESCE(array_position(%s::text[], ({_SPLIT_SQL[split]})::text), 0)"
        params = [keys, *params]
    join = "LEFT JOIN technicians_candidate c ON c.hired_technician_id = t.id" if split == "source" else ""
    sql = (
        # one row, one bytea of fixed-width big-endian integers per technician: no per-row Python at all
        "SELECT string_agg(int4send((t.hire_date - DATE '1970-01-01')::int4) || "  # noqa: S608
        f"int4send(COALESCE(t.termination_date - DATE '1970-01-01', {_NEVER32})::int4) || "
        "int2send((CASE t.termination_type WHEN 'voluntary' THEN 1 WHEN 'involuntary' THEN 2 ELSE 0 END)::int2) || "
        f"int4send(({key_sql})::int4), ''::bytea) FROM technicians_technician t"
        f"{filters.joins(split)} {join} WHERE {where}"
    )
    with connection.cursor() as cur:
        cur.execute(sql, params)
        raw = cur.fetchone()[0]
    rows = np.frombuffer(bytes(raw or b""), dtype=_ROW)
    ttype = rows["type"].astype(np.int8)
    term = rows["term"].astype(np.int64)
    term[term == _NEVER32] = NEVER
    key = codes = labels = None
    if split is not None and split != "tenure_band":
        labels = np.asarray(["(none)", *keys], dtype=object)
        codes = rows["key"].astype(np.int64)
        key = labels[codes]
    elif split == "tenure_band":
        key = np.zeros(len(rows), dtype=object)
    return Population(
        hire=rows["hire"].astype(np.int64), term=term, voluntary=ttype == 1, involuntary=ttype == 2, key=key,
        codes=codes, labels=labels,
    )  # fmt: skip


_NEVER32 = 2**31 - 1
_ROW = np.dtype([("hire", ">i4"), ("term", ">i4"), ("type", ">i2"), ("key", ">i4")])  # big-endian, as *send() writes


def _split_keys(split: str) -> list[str]:
    from technicians.models import CandidateSource

    if split == "region":
        return list(Region.objects.order_by("code").values_list("code", flat=True))
    if split == "district":
        return list(District.objects.order_by("code").values_list("code", flat=True))
    if split == "trade":
        return list(Trade.values)
    if split == "schedule":
        return list(ScheduleType.values)
    return [*CandidateSource.values, "unknown"]


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
    g_static = None
    if split == "tenure_band":
        keys = [label for _, label in TENURE_BANDS]
    elif pop.codes is not None:
        present = np.unique(pop.codes)
        keys = [str(k) for k in pop.labels[present]]
        g_static = np.searchsorted(present, pop.codes)
    else:
        keys = []
    index = {k: i for i, k in enumerate(keys)}
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
