"""Build complete weekly (W-MON) or monthly series from the database, district → region → company.

Every period between the first period the source has data for and the last *complete* period is
present; a period with no events is a true zero (e.g. no hires that week). Region and company series
are sums of their districts, so the hierarchy is coherent by construction.

* headcount — technicians active at the end of the period (hired on/before, not yet terminated)
* hires, terminations_voluntary, terminations_involuntary — events dated in the period
* demand — DemandWeek.jobs_requested (monthly: summed by the month of ``week_start``)
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np
import pandas as pd
from django.conf import settings
from django.db.models import Max, Min

from forecasts.models import METRICS
from forecasts.prophet import FREQ
from technicians.models import DemandWeek, District, Technician

COMPANY = "company"


@dataclass
class SeriesSpec:
    metric: str
    level: str
    key: str
    name: str
    parent_key: str
    history: pd.DataFrame  # ds, y


def today() -> date:
    """The reference date for "the last complete period" (a seam for tests)."""
    return date.today()


def period_start(d, frequency: str) -> pd.Timestamp:
    ts = pd.Timestamp(d)
    return (
        (ts - pd.Timedelta(days=ts.weekday())).normalize() if frequency == "weekly" else ts.replace(day=1).normalize()
    )


def last_complete_period(as_of: date, frequency: str) -> pd.Timestamp:
    """The start of the last period that ended before ``as_of``."""
    current = period_start(as_of, frequency)
    return current - pd.Timedelta(weeks=1) if frequency == "weekly" else (current - pd.DateOffset(months=1))


def _index(start: pd.Timestamp, end: pd.Timestamp, frequency: str) -> pd.DatetimeIndex:
    if end < start:
        return pd.DatetimeIndex([])
    return pd.date_range(start, end, freq=FREQ[frequency])


def history_cap(frequency: str) -> int:
    """How many periods of its own frequency a series may use (all the history there is, up to this)."""
    return settings.FORECAST_HISTORY_MAX_WEEKS if frequency == "weekly" else settings.FORECAST_HISTORY_MAX_MONTHS


def _window_start(end: pd.Timestamp, frequency: str) -> pd.Timestamp:
    """First period of the window: ``history_cap`` periods ending with ``end`` (counted in weeks or months)."""
    cap = history_cap(frequency)
    if frequency == "weekly":
        return period_start(end - pd.Timedelta(weeks=cap - 1), frequency)
    return period_start(end - pd.DateOffset(months=cap - 1), frequency)


def _period_starts(days: np.ndarray, frequency: str) -> np.ndarray:
    """Start of each date's period (datetime64[D] in, out), vectorised: Monday of its week or 1st of its month."""
    days = np.asarray(days, dtype="datetime64[D]")
    if frequency == "weekly":
        n = days.astype(np.int64)
        return (n - (n + 3) % 7).astype("datetime64[D]")  # 1970-01-01 was a Thursday (weekday 3)
    return days.astype("datetime64[M]").astype("datetime64[D]")


def _rows(qs, *fields) -> tuple[np.ndarray, ...]:
    """Columns of a values_list as numpy arrays (one pass over the cursor, no per-row Python logic)."""
    rows = list(qs.values_list(*fields))
    if not rows:
        return tuple(np.array([], dtype=object) for _ in fields)
    return tuple(np.asarray(col) for col in zip(*rows, strict=True))


def _grid(idx: pd.DatetimeIndex, districts: list[str], codes, days, weights=None) -> pd.DataFrame:
    """Periods × districts: the (weighted) count of rows per (period of ``days``, district code), zeros elsewhere."""
    out = np.zeros((len(idx), len(districts)))
    if len(idx) and len(codes):
        col = pd.Index(districts).get_indexer(codes)
        row = pd.Index(idx.values.astype("datetime64[D]")).get_indexer(days)
        keep = (col >= 0) & (row >= 0)
        w = None if weights is None else np.asarray(weights, dtype=float)[keep]
        flat = np.bincount(row[keep] * len(districts) + col[keep], weights=w, minlength=out.size)
        out = flat.reshape(out.shape).astype(float)
    return pd.DataFrame(out, index=idx, columns=districts)


def _count_events(qs, idx: pd.DatetimeIndex, districts: list[str], frequency: str) -> pd.DataFrame:
    codes, days = _rows(qs, "district__code", "d")
    return _grid(idx, districts, codes, _period_starts(days.astype("datetime64[D]"), frequency) if len(days) else days)


def district_frame(metric: str, *, as_of: date | None = None, frequency: str = "weekly") -> pd.DataFrame:
    """Periods × district codes, complete and zero-filled, for one metric (vectorised: one query per metric,
    then numpy bincounts — no per-row or per-district Python loop, so 500 districts cost what 20 do)."""
    from django.db.models import F

    if metric not in METRICS:
        raise ValueError(f"unknown metric {metric!r}; valid: {', '.join(METRICS)}")
    as_of = as_of or today()
    districts = list(District.objects.order_by("code").values_list("code", flat=True))
    end = last_complete_period(as_of, frequency)
    techs = Technician.objects.filter(hire_date__lte=end + pd.Timedelta(days=40))
    if metric == "demand":
        bounds = DemandWeek.objects.filter(week_start__lte=as_of).aggregate(lo=Min("week_start"), hi=Max("week_start"))
        if bounds["lo"] is None:
            return pd.DataFrame(columns=districts, index=pd.DatetimeIndex([]), dtype=float)
        end = min(end, period_start(bounds["hi"], frequency))
        start = max(period_start(bounds["lo"], frequency), _window_start(end, frequency))
        idx = _index(start, end, frequency)
        qs = DemandWeek.objects.filter(
            week_start__gte=start.date(), week_start__lte=(end + pd.Timedelta(days=40)).date()
        )
        codes, weeks, jobs = _rows(qs, "district__code", "week_start", "jobs_requested")
        if not len(codes):
            return _grid(idx, districts, codes, weeks)
        return _grid(idx, districts, codes, _period_starts(weeks.astype("datetime64[D]"), frequency), jobs)
    first_hire = techs.aggregate(lo=Min("hire_date"))["lo"]
    if first_hire is None:
        return pd.DataFrame(columns=districts, index=pd.DatetimeIndex([]), dtype=float)
    start = max(period_start(first_hire, frequency), _window_start(end, frequency))
    idx = _index(start, end, frequency)
    if metric == "hires":
        return _count_events(techs.annotate(d=F("hire_date")), idx, districts, frequency)
    if metric.startswith("terminations_"):
        ttype = metric.removeprefix("terminations_")
        rows = Technician.objects.filter(termination_date__isnull=False, termination_type=ttype)
        return _count_events(rows.annotate(d=F("termination_date")), idx, districts, frequency)
    # headcount at the end of each period = hired on/before the end − terminated on/before the end
    frame = pd.DataFrame(0.0, index=idx, columns=districts)
    if len(idx) == 0:
        return frame
    period_ends = (
        idx + pd.DateOffset(weeks=1) if frequency == "weekly" else idx + pd.DateOffset(months=1)
    ) - pd.Timedelta(days=1)
    ends = np.array(period_ends.date, dtype="datetime64[D]")
    codes, hired, left = _rows(Technician.objects.all(), "district__code", "hire_date", "termination_date")
    if not len(codes):
        return frame
    col = pd.Index(districts).get_indexer(codes)
    n_p, n_d = len(ends), len(districts)

    def on_or_before_ends(days: np.ndarray, cols: np.ndarray) -> np.ndarray:
        # the first period whose end is on/after the day; cumulated, it counts days <= each period end
        pos = np.searchsorted(ends, days, side="left")
        keep = (pos < n_p) & (cols >= 0)
        counts = np.bincount(pos[keep] * n_d + cols[keep], minlength=n_p * n_d).reshape(n_p, n_d)
        return counts.cumsum(axis=0)

    has_left = np.array([x is not None for x in left], dtype=bool)
    active = on_or_before_ends(hired.astype("datetime64[D]"), col) - on_or_before_ends(
        left[has_left].astype("datetime64[D]"), col[has_left]
    )
    return pd.DataFrame(active.astype(float), index=idx, columns=districts)


def hierarchy(*, level: str = "district") -> list[tuple[str, str, str, str]]:
    """Rows (level, key, name, parent_key) in reconciliation order: company, regions, districts."""
    rows = [("company", COMPANY, "Company", "")]
    districts = list(District.objects.select_related("region").order_by("region__code", "code"))
    regions = {}
    for d in districts:
        regions.setdefault(d.region.code, d.region.name)
    if level in ("district", "region"):
        rows += [("region", code, name, COMPANY) for code, name in sorted(regions.items())]
    if level == "district":
        rows += [("district", d.code, d.name, d.region.code) for d in districts]
    return rows


def build_series(
    metric: str, *, level: str = "district", as_of: date | None = None, frequency: str = "weekly"
) -> list[SeriesSpec]:
    """Every series of one metric, from ``level`` up to the company, each a (ds, y) frame."""
    frame = district_frame(metric, as_of=as_of, frequency=frequency)
    region_of = dict(District.objects.values_list("code", "region__code"))
    by_region = frame.T.groupby(frame.columns.map(region_of)).sum().T  # every region in one pass
    specs = []
    for lvl, key, name, parent in hierarchy(level=level):
        if lvl == "district":
            values = frame[key] if key in frame.columns else pd.Series(0.0, index=frame.index)
        elif lvl == "region":
            values = by_region[key] if key in by_region.columns else pd.Series(0.0, index=frame.index)
        else:
            values = frame.sum(axis=1)
        hist = pd.DataFrame({"ds": frame.index, "y": np.asarray(values, dtype=float)})
        specs.append(SeriesSpec(metric=metric, level=lvl, key=key, name=name, parent_key=parent, history=hist))
    return specs


def weeks_between(a: date, b: date) -> int:
    return (b - a) // timedelta(weeks=1)
