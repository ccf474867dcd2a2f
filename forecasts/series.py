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


def _count_events(rows, idx: pd.DatetimeIndex, districts: list[str], frequency: str) -> pd.DataFrame:
    frame = pd.DataFrame(0.0, index=idx, columns=districts)
    if len(idx) == 0:
        return frame
    counts: dict[tuple, int] = {}
    for code, d in rows:
        p = period_start(d, frequency)
        if idx[0] <= p <= idx[-1]:
            counts[(p, code)] = counts.get((p, code), 0) + 1
    for (p, code), n in counts.items():
        if code in frame.columns:
            frame.at[p, code] = n
    return frame


def district_frame(metric: str, *, as_of: date | None = None, frequency: str = "weekly") -> pd.DataFrame:
    """Periods × district codes, complete and zero-filled, for one metric."""
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
        frame = pd.DataFrame(0.0, index=idx, columns=districts)
        qs = DemandWeek.objects.filter(
            week_start__gte=start.date(), week_start__lte=(end + pd.Timedelta(days=40)).date()
        )
        for code, ws, jobs in qs.values_list("district__code", "week_start", "jobs_requested"):
            p = period_start(ws, frequency)
            if p in frame.index:
                frame.at[p, code] += float(jobs)
        return frame
    first_hire = techs.aggregate(lo=Min("hire_date"))["lo"]
    if first_hire is None:
        return pd.DataFrame(columns=districts, index=pd.DatetimeIndex([]), dtype=float)
    start = max(period_start(first_hire, frequency), _window_start(end, frequency))
    idx = _index(start, end, frequency)
    if metric == "hires":
        return _count_events(techs.values_list("district__code", "hire_date"), idx, districts, frequency)
    if metric.startswith("terminations_"):
        ttype = metric.removeprefix("terminations_")
        rows = Technician.objects.filter(termination_date__isnull=False, termination_type=ttype)
        return _count_events(rows.values_list("district__code", "termination_date"), idx, districts, frequency)
    # headcount at the end of each period = hired on/before the end − terminated on/before the end
    frame = pd.DataFrame(0.0, index=idx, columns=districts)
    if len(idx) == 0:
        return frame
    period_ends = (
        idx + pd.DateOffset(weeks=1) if frequency == "weekly" else idx + pd.DateOffset(months=1)
    ) - pd.Timedelta(days=1)
    ends = np.array(period_ends.date, dtype="datetime64[D]")
    by_district: dict[str, tuple[list, list]] = {c: ([], []) for c in districts}
    for code, hired, left in Technician.objects.values_list("district__code", "hire_date", "termination_date"):
        by_district[code][0].append(hired)
        if left is not None:
            by_district[code][1].append(left)
    for code, (hires, leaves) in by_district.items():
        h = np.sort(np.array(hires, dtype="datetime64[D]"))
        lv = np.sort(np.array(leaves, dtype="datetime64[D]"))
        # active on day d: hire_date <= d and termination_date > d
        frame[code] = (np.searchsorted(h, ends, side="right") - np.searchsorted(lv, ends, side="right")).astype(float)
    return frame


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
    specs = []
    for lvl, key, name, parent in hierarchy(level=level):
        if lvl == "district":
            values = frame[key] if key in frame.columns else pd.Series(0.0, index=frame.index)
        elif lvl == "region":
            cols = [c for c in frame.columns if region_of.get(c) == key]
            values = frame[cols].sum(axis=1)
        else:
            values = frame.sum(axis=1)
        hist = pd.DataFrame({"ds": frame.index, "y": np.asarray(values, dtype=float)})
        specs.append(SeriesSpec(metric=metric, level=lvl, key=key, name=name, parent_key=parent, history=hist))
    return specs


def weeks_between(a: date, b: date) -> int:
    return (b - a) // timedelta(weeks=1)
