"""Point-in-time feature frames for training and scoring.

Retention rows are (technician, month) pairs. The row for month *m* uses only the snapshots of
month *m* and earlier, and its as-of date is the first day of the following month; it is labelled 1
when the technician left voluntarily within ``horizon_days`` after that date. Rows whose label
window is not fully observed yet are left out. Scoring uses the very same builder on each active
technician's latest snapshot, so training and scoring cannot drift apart.

Technician fields without history (trade, schedule, commute, certifications, attributes) are read
as they are now; ``performance_rating`` is *not* a feature because only its latest value is kept
(using it for past rows would leak the future).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import numpy as np
import pandas as pd
from django.conf import settings
from django.db import connection
from pandas.api.indexers import BaseIndexer

from technicians.visibility import is_protected_name

RETENTION_NUMERIC = [
    "tenure_years", "overtime_hours", "overtime_trend_3m", "drive_time_minutes", "commute_miles", "csat",
    "first_time_fix_rate", "callbacks", "jobs_completed", "utilization", "training_hours", "training_hours_6m",
    "pay_rate", "pay_vs_district_median", "certifications",
]  # fmt: skip
RETENTION_CATEGORICAL = ["trade", "schedule_type"]
CANDIDATE_NUMERIC = [
    "years_experience", "certifications", "assessment_score", "interview_score", "commute_miles",
    "offered_pay_rate", "offered_pay_vs_district_median",
]  # fmt: skip
CANDIDATE_CATEGORICAL = ["source", "trade"]
ATTR_PREFIX = "attr_"
ROLLING_LOOKBACK_MONTHS = 6  # the longest rolling feature (training_hours_6m) looks back this many snapshots
MAX_ATTR_LEVELS = 30

LABELS = {
    "tenure_years": "Tenure",
    "overtime_hours": "Overtime",
    "overtime_trend_3m": "Overtime trend (3 months)",
    "drive_time_minutes": "Drive time",
    "commute_miles": "Commute",
    "csat": "Customer satisfaction (CSAT)",
    "first_time_fix_rate": "First-time fix rate",
    "callbacks": "Callbacks",
    "jobs_completed": "Jobs completed",
    "utilization": "Utilisation",
    "training_hours": "Training this month",
    "training_hours_6m": "Training in last 6 months",
    "pay_rate": "Pay rate",
    "pay_vs_district_median": "Pay vs district median",
    "certifications": "Certifications",
    "trade": "Trade",
    "schedule_type": "Schedule",
    "years_experience": "Experience",
    "assessment_score": "Assessment score",
    "interview_score": "Interview score",
    "offered_pay_rate": "Offered pay",
    "offered_pay_vs_district_median": "Offered pay vs district median",
    "source": "Source",
}


def label_for(term: str) -> str:
    if " & " in term:
        return " × ".join(label_for(t) for t in term.split(" & "))
    if term.startswith(ATTR_PREFIX):
        return term[len(ATTR_PREFIX) :].replace("_", " ").capitalize()
    return LABELS.get(term, term.replace("_", " ").capitalize())


@dataclass
class Frame:
    """Features ``X`` (one row per subject/as-of), labels ``y`` (training only) and row keys."""

    X: pd.DataFrame
    keys: pd.DataFrame  # subject_id, as_of (+ district_id / employee_id for scoring)
    categorical: list[str]
    y: np.ndarray | None = None
    weights: np.ndarray | None = None  # training rows kept by sampling carry 1/keep-rate; None = unweighted


def _query(sql: str, params: list[Any], columns: list[str]) -> pd.DataFrame:
    # callers build SQL only from fixed clauses (the S608 noqa's below); every value is a parameter
    with connection.cursor() as cur:
        cur.execute(sql, params)
        rows = cur.fetchall()
    return pd.DataFrame(rows, columns=columns)


def next_month(d: date) -> date:
    return date(d.year + (d.month == 12), d.month % 12 + 1, 1)


def month_start(d: date) -> date:
    return date(d.year, d.month, 1)


def attribute_frame(attrs: pd.Series) -> tuple[pd.DataFrame, list[str]]:
    """Expand JSON ``attributes`` into ``attr_<key>`` columns: numbers stay numeric, strings/bools categorical."""
    records = [a if isinstance(a, dict) else {} for a in attrs]
    if not any(records):
        return pd.DataFrame(index=attrs.index), []
    raw = pd.DataFrame.from_records(records, index=attrs.index)
    out, categorical = {}, []
    for key in raw.columns:
        col = raw[key]
        present = col.dropna()
        if present.empty or not str(key).replace("_", "").isalnum() or is_protected_name(str(key)):
            continue  # empty, unsafe name, or a protected characteristic (never a feature)
        name = f"{ATTR_PREFIX}{key}"
        is_num = present.map(lambda v: isinstance(v, int | float) and not isinstance(v, bool)).all()
        if is_num:
            out[name] = pd.to_numeric(col, errors="coerce").astype(float)
        elif present.map(lambda v: isinstance(v, str | bool)).all():
            if present.astype(str).nunique() > MAX_ATTR_LEVELS:
                continue  # free text or ids, not a category
            out[name] = col.map(lambda v: None if v is None or (isinstance(v, float) and np.isnan(v)) else str(v))
            categorical.append(name)
    return pd.DataFrame(out, index=attrs.index), categorical


# ---------------------------------------------------------------------- retention
_TECH_COLS = ["technician_id", "employee_id", "district_id", "trade", "hire_date", "termination_date",
              "termination_type", "schedule_type", "commute_miles", "certifications", "attributes"]  # fmt: skip
_SNAP_COLS = ["technician_id", "month", "jobs_completed", "first_time_fix_rate", "callbacks", "csat",
              "overtime_hours", "drive_time_minutes", "utilization", "training_hours", "pay_rate"]  # fmt: skip


def _technicians(technician_ids: list | None = None, *, lo=None, hi=None) -> pd.DataFrame:
    """Technician rows, for the given ids or the id range ``[lo, hi)`` (a chunk), or everyone."""
    conds, params = [], []
    if technician_ids is not None:
        conds.append("id = ANY(%s)")
        params.append(list(technician_ids))
    if lo is not None:
        conds.append("id >= %s")
        params.append(lo)
    if hi is not None:
        conds.append("id < %s")
        params.append(hi)
    where = ("WHERE " + " AND ".join(conds)) if conds else ""
    df = _query(
        "SELECT id, employee_id, district_id, trade, hire_date, termination_date, termination_type, schedule_type, "  # noqa: S608
        f"commute_miles::float8, certifications, attributes FROM technicians_technician {where}",
        params,
        _TECH_COLS,
    )
    df["attributes"] = df["attributes"].map(_as_dict)
    return df


def _as_dict(a) -> dict:
    # Django's psycopg setup returns jsonb as text from a raw cursor
    if isinstance(a, str):
        a = json.loads(a)
    return a if isinstance(a, dict) else {}


def technician_ranges(chunk: int | None = None) -> list[tuple[Any, Any]]:
    """Split all technicians, in id order, into ``[lo, hi)`` ranges of ``chunk`` ids (None = open end).

    The bounds come from one index-only scan; every chunk of the feature builder and of distributed
    scoring is one such range, so memory per chunk is bounded whatever the company's size."""
    chunk = max(int(chunk or settings.PREDICTIONS_FEATURE_CHUNK_TECHNICIANS), 1)
    bounds = _query(
        "SELECT id FROM (SELECT id, row_number() OVER (ORDER BY id) AS rn FROM technicians_technician) s "
        "WHERE (rn - 1) %% %s = 0 ORDER BY id",
        [chunk],
        ["id"],
    )["id"].tolist()
    if not bounds:
        return []
    return [(None if i == 0 else b, bounds[i + 1] if i + 1 < len(bounds) else None) for i, b in enumerate(bounds)]


def _copy_out(sql: str, params: list, columns: list[str], dtypes: dict[str, str]) -> pd.DataFrame:
    """Run ``sql`` as ``COPY (…) TO STDOUT`` (CSV) and parse it with pandas' C reader: no Python tuple per row.
    Floats are printed by PostgreSQL in shortest round-trip form and parsed round-trip, so they are exact."""
    import io

    buf = io.BytesIO()
    with connection.cursor() as cur:
        # the statement is ours (fixed clauses); values are bound client-side by psycopg
        stmt = cur.cursor.mogrify(sql, params) if params else sql
        with cur.cursor.copy(f"COPY ({stmt}) TO STDOUT (FORMAT csv)") as copy:
            for block in copy:
                buf.write(block)
    buf.seek(0)
    if not buf.getbuffer().nbytes:
        return pd.DataFrame({c: pd.Series(dtype=dtypes.get(c, "float64")) for c in columns})
    return pd.read_csv(buf, header=None, names=columns, dtype=dtypes, float_precision="round_trip")


_SNAP_DTYPES = {"technician_id": "str", "month": "str", "jobs_completed": "int64", "callbacks": "int64"}


def _snapshot_chunk(month_from: date, month_to: date, lo, hi, technician_ids: list | None) -> pd.DataFrame:
    conds, params = ["month >= %s", "month <= %s"], [month_from, month_to]
    if lo is not None:
        conds.append("technician_id >= %s")
        params.append(lo)
    if hi is not None:
        conds.append("technician_id < %s")
        params.append(hi)
    if technician_ids is not None:
        conds.append("technician_id = ANY(%s)")
        params.append(list(technician_ids))
    s = _copy_out(
        "SELECT technician_id, month, jobs_completed, first_time_fix_rate, callbacks, csat, overtime_hours, "  # noqa: S608
        "drive_time_minutes, utilization, training_hours, pay_rate::float8 FROM technicians_techniciansnapshot "
        f"WHERE {' AND '.join(conds)} ORDER BY technician_id, month",
        params,
        _SNAP_COLS,
        _SNAP_DTYPES,
    )
    s["month"] = pd.to_datetime(s["month"], format="%Y-%m-%d")
    return s


def _district_median_pay(months: list[date]) -> pd.DataFrame:
    """Median snapshot pay per (district, month) over *all* technicians, computed by PostgreSQL."""
    if not months:
        return pd.DataFrame(columns=["district_id", "month", "district_median_pay"])
    return _query(
        "SELECT t.district_id, s.month, percentile_cont(0.5) WITHIN GROUP (ORDER BY s.pay_rate::float8) "
        "FROM technicians_techniciansnapshot s JOIN technicians_technician t ON t.id = s.technician_id "
        "WHERE s.month = ANY(%s) AND s.pay_rate IS NOT NULL GROUP BY 1, 2",
        [sorted(set(months))],
        ["district_id", "month", "district_median_pay"],
    )


def _district_medians_between(month_from: date, month_to: date) -> pd.DataFrame:
    """The same medians for every month of a window, keyed by a datetime64 month for merging with chunks."""
    med = _query(
        "SELECT t.district_id, s.month, percentile_cont(0.5) WITHIN GROUP (ORDER BY s.pay_rate::float8) "
        "FROM technicians_techniciansnapshot s JOIN technicians_technician t ON t.id = s.technician_id "
        "WHERE s.month >= %s AND s.month <= %s AND s.pay_rate IS NOT NULL GROUP BY 1, 2",
        [month_from, month_to],
        ["district_id", "month", "district_median_pay"],
    )
    return _merge_ready(med)


def _district_medians_of(months) -> pd.DataFrame:
    """The medians of just these months (scoring: the few months its kept rows come from)."""
    return _merge_ready(_district_median_pay([pd.Timestamp(m).date() for m in months]))


def _merge_ready(med: pd.DataFrame) -> pd.DataFrame:
    med["month"] = pd.to_datetime(med["month"])
    med["district_id"] = med["district_id"].astype("int64")
    return med


def _with_pay_ratio(s: pd.DataFrame, medians: pd.DataFrame) -> pd.DataFrame:
    s = s.merge(medians, on=["district_id", "month"], how="left")
    s["pay_vs_district_median"] = s["pay_rate"] / s["district_median_pay"]
    return s


class _GroupWindows(BaseIndexer):
    """The last ``size`` rows of the row's own group, for rows sorted by group: the same start/end bounds
    pandas' grouped rolling builds, computed with numpy in one pass instead of a Python call per group."""

    def __init__(self, group_start: np.ndarray, size: int):
        super().__init__()
        n = len(group_start)
        self.end = np.arange(1, n + 1, dtype=np.int64)
        self.start = np.maximum(group_start, self.end - size).astype(np.int64)

    def get_window_bounds(self, num_values=0, min_periods=None, center=None, closed=None, step=None):
        return self.start, self.end


def _group_starts(keys: np.ndarray) -> np.ndarray:
    """For rows sorted by ``keys``, the index of the first row of each row's group."""
    n = len(keys)
    new = np.ones(n, dtype=bool)
    if n > 1:
        new[1:] = keys[1:] != keys[:-1]
    first = np.flatnonzero(new)
    return np.repeat(first, np.diff(np.append(first, n)))


def _rolling_features(s: pd.DataFrame) -> None:
    """Overtime trend and 6-row training sum per technician, vectorised over the whole chunk.

    ``s`` is sorted by (technician, month). The windows never reach into the previous technician's rows
    (their bounds stop at the group's first row), and pandas' rolling kernels restart their running sums
    where a window starts at or after the previous one's end — so each value is bit-for-bit the one a
    per-technician rolling window gives (tests/predictions/test_features_vectorised.py), without the per-group
    Python of ``groupby(...).rolling`` (two thirds of a scoring chunk's feature build at 100k). The previous
    month is the chunk shifted by one row, masked on each technician's first row (no ``groupby().shift``)."""
    starts = _group_starts(s["technician_id"].to_numpy())
    first = starts == np.arange(len(s))  # a technician's first row has no previous month
    prev = s["overtime_hours"].shift(1).mask(first)
    prev_ot = prev.rolling(_GroupWindows(starts, 2), min_periods=1).mean()
    s["overtime_trend_3m"] = s["overtime_hours"] - prev_ot
    s["training_hours_6m"] = s["training_hours"].rolling(_GroupWindows(starts, 6), min_periods=1).sum()


def _retention_rows(month_from: date, month_to: date, lo=None, hi=None, *, medians: pd.DataFrame | None,
                    technician_ids: list | None = None, active_at: date | None = None) -> pd.DataFrame:  # fmt: skip
    """One feature row per snapshot in ``[month_from, month_to]`` of the technicians in ``[lo, hi)``, each using
    that snapshot and earlier ones (within the window) of the same technician only.

    ``active_at`` keeps only technicians hired on or before it and not terminated by then (scoring).
    ``medians``: the district median pay per month for ``pay_vs_district_median`` (None: not added here)."""
    techs = _technicians(technician_ids, lo=lo, hi=hi)
    if active_at is not None:
        term, hire, ts = (
            pd.to_datetime(techs["termination_date"]),
            pd.to_datetime(techs["hire_date"]),
            pd.Timestamp(active_at),
        )
        techs = techs[((hire <= ts) & (techs["termination_date"].isna() | (term > ts))).to_numpy()]
    if techs.empty:
        return pd.DataFrame()
    s = _snapshot_chunk(month_from, month_to, lo, hi, technician_ids)
    if s.empty:
        return pd.DataFrame()
    _rolling_features(s)
    techs = techs.rename(columns={"technician_id": "subject_id"})
    techs["technician_id"] = techs["subject_id"].astype(str)
    s = s.merge(techs, on="technician_id", how="inner", suffixes=("", "_t"))
    return s if medians is None else _with_pay_ratio(s, medians)


def _feature_matrix(
    rows: pd.DataFrame, numeric: list[str], categorical: list[str], *, per: str | None = None
) -> tuple[pd.DataFrame, list[str]]:
    """The one place every model's features are assembled. Protected characteristics never pass:
    the declared lists must not name one, and ``attributes`` keys naming one are dropped.

    ``per``: a column whose rows share one ``attributes`` object (the technician): the JSON is then expanded
    once per distinct value, in order of first appearance — the same columns and values as row by row."""
    bad = [c for c in [*numeric, *categorical] if is_protected_name(c)]
    if bad:
        raise ValueError(f"protected characteristics cannot be model features: {', '.join(bad)}")
    X = rows[numeric].astype(float).copy()
    for c in categorical:
        X[c] = rows[c].astype(object).where(rows[c].notna(), "missing").astype(str)
    if per is None:
        attrs, attr_cat = attribute_frame(rows["attributes"])
    else:
        codes, uniques = pd.factorize(rows[per], sort=False)
        first = pd.Series(np.arange(len(rows))).groupby(codes, sort=True).first().to_numpy()
        one, attr_cat = attribute_frame(rows["attributes"].iloc[first].reset_index(drop=True))
        attrs = one.iloc[codes].set_axis(rows.index) if len(one.columns) else pd.DataFrame(index=rows.index)
    X = pd.concat([X, attrs], axis=1)
    return X, categorical + attr_cat


def _month_add(d: date, months: int) -> date:
    k = d.year * 12 + d.month - 1 + months
    return date(k // 12, k % 12 + 1, 1)


def _as_dates(ts: pd.Series) -> pd.Series:
    """datetime64 → ``date`` objects (what keys and callers have always held), converted once per distinct value."""
    uniq = pd.unique(ts)
    return ts.map(pd.Series([pd.Timestamp(t).date() for t in uniq], index=uniq, dtype=object)).astype(object)


def _tenure_years(as_of: pd.Series, hire: pd.Series) -> pd.Series:
    return (pd.to_datetime(as_of) - pd.to_datetime(hire)).dt.days.clip(lower=0) / 365.25


def _unit_hash(technician_id: pd.Series, month: pd.Series) -> np.ndarray:
    """A uniform [0, 1) number per (technician, month), the same on every run and in every chunk."""
    h = pd.util.hash_pandas_object(technician_id, index=False).to_numpy()
    m = month.to_numpy().astype("datetime64[D]").astype(np.int64).astype(np.uint64)
    with np.errstate(over="ignore"):  # splitmix64 finaliser over id hash ^ month
        x = h ^ (m * np.uint64(0x9E3779B97F4A7C15))
        x = (x ^ (x >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
        x = (x ^ (x >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
        x = x ^ (x >> np.uint64(31))
    return (x >> np.uint64(11)).astype(np.float64) / float(1 << 53)


def _sampling_rates(month_from: date, month_to: date, budget: int) -> dict[pd.Timestamp, float] | None:
    """Time-stratified keep rate of label-0 rows per month so about ``budget`` rows are kept, spread evenly
    over the months (None: the data fit the budget, keep everything)."""
    counts = _query(
        "SELECT month, count(*) FROM technicians_techniciansnapshot WHERE month >= %s AND month <= %s GROUP BY 1",
        [month_from, month_to],
        ["month", "n"],
    )
    total = int(counts["n"].sum()) if len(counts) else 0
    if budget <= 0 or total <= budget:
        return None
    per_month = budget / len(counts)
    return {pd.Timestamp(m): min(1.0, per_month / int(n)) for m, n in zip(counts["month"], counts["n"], strict=True)}


_TRAIN_KEEP = [c for c in RETENTION_NUMERIC if c != "tenure_years"] + RETENTION_CATEGORICAL + [
    "attributes", "technician_id", "subject_id", "as_of_ts", "hire_date", "label"]  # fmt: skip


def retention_training_frame(*, horizon_days: int, end: date | None = None) -> Frame:
    """Labelled (technician, month) rows whose label window ``(as_of, as_of + horizon]`` is fully observed.

    Built chunk by chunk (``PREDICTIONS_FEATURE_CHUNK_TECHNICIANS`` technicians at a time) over the last
    ``PREDICTIONS_TRAIN_MONTHS`` months. Above ``PREDICTIONS_TRAIN_MAX_ROWS`` rows, label-0 rows are kept
    with a per-month rate (time-stratified, deterministic) and weighted by its inverse, label-1 rows all
    with weight 1: the weighted label rate and calibration are those of the full data, and the frame —
    the peak memory of training — stays about the size of the budget (``Frame.weights``)."""
    empty = Frame(pd.DataFrame(), pd.DataFrame(columns=["subject_id", "as_of"]), [], np.array([], dtype=int))
    latest = _query("SELECT max(month) FROM technicians_techniciansnapshot", [], ["m"])["m"].iloc[0]
    if latest is None:
        return empty
    data_end = end or min(next_month(latest), date.today())
    # last row whose label window is observed: as_of = month + 1 month, as_of + horizon <= data_end
    month_to = _month_add(month_start(data_end - timedelta(days=horizon_days)), -1)
    month_from = _month_add(month_to, -(settings.PREDICTIONS_TRAIN_MONTHS - 1))
    fetch_from = _month_add(month_from, -(ROLLING_LOOKBACK_MONTHS - 1))
    medians = _district_medians_between(fetch_from, month_to)
    rates = _sampling_rates(month_from, month_to, settings.PREDICTIONS_TRAIN_MAX_ROWS)
    parts, weights = [], []
    horizon = pd.Timedelta(days=horizon_days)
    for lo, hi in technician_ranges():
        rows = _retention_rows(fetch_from, month_to, lo, hi, medians=medians)
        if rows.empty:
            continue
        rows = rows[(rows["month"] >= pd.Timestamp(month_from)).to_numpy()]
        as_of = rows["month"] + pd.DateOffset(months=1)
        term = pd.to_datetime(rows["termination_date"])
        keep = (as_of + horizon <= pd.Timestamp(data_end)) & (rows["termination_date"].isna() | (term > as_of))
        rows = rows[keep.to_numpy()].reset_index(drop=True)
        rows["as_of_ts"] = rows["month"] + pd.DateOffset(months=1)
        term = pd.to_datetime(rows["termination_date"])
        left = ((rows["termination_type"] == "voluntary") & (term <= rows["as_of_ts"] + horizon)).fillna(False)
        rows["label"] = left.to_numpy().astype(int)
        w = np.ones(len(rows))
        if rates is not None:
            rate = rows["month"].map(rates).fillna(1.0).to_numpy()
            kept = (rows["label"].to_numpy() == 1) | (_unit_hash(rows["technician_id"], rows["month"]) < rate)
            w = np.where(rows["label"].to_numpy() == 1, 1.0, 1.0 / rate)[kept]
            rows = rows[kept].reset_index(drop=True)
        parts.append(rows[_TRAIN_KEEP])  # only what the matrix needs: the kept frame is the memory peak
        weights.append(w)
    if not parts:
        return empty
    rows = pd.concat(parts, ignore_index=True)
    rows["as_of"] = _as_dates(rows["as_of_ts"])
    rows["tenure_years"] = _tenure_years(rows["as_of_ts"], rows["hire_date"])
    X, cat = _feature_matrix(rows, RETENTION_NUMERIC, RETENTION_CATEGORICAL, per="technician_id")
    keys = pd.DataFrame({"subject_id": rows["subject_id"], "as_of": rows["as_of"]})
    return Frame(X, keys, cat, rows["label"].to_numpy(), weights=np.concatenate(weights) if rates else None)


def scoring_medians(as_of: date) -> list[list]:
    """The district median pay of the months a scoring as of ``as_of`` reads (the month before it, the last
    complete one, and the month in progress), as JSON-ready ``[district_id, "YYYY-MM-DD", median]`` rows: a
    distributed run computes them once and hands them to every chunk (``retention_scoring_frame(medians=…)``)."""
    this = month_start(as_of)
    med = _district_median_pay([_month_add(this, -1), this])
    return [[int(d), m.isoformat(), float(v)] for d, m, v in med.itertuples(index=False, name=None)]


def _medians_frame(records: list[list]) -> pd.DataFrame:
    return _merge_ready(pd.DataFrame(records, columns=["district_id", "month", "district_median_pay"]))


def retention_scoring_frame(
    *,
    as_of: date | None = None,
    technician_ids: list | None = None,
    lo=None,
    hi=None,
    chunked: bool = True,
    medians: list[list] | None = None,
) -> Frame:
    """Each active technician's features as of ``as_of`` (latest snapshot on or before it), by the same row
    builder as training. ``lo``/``hi`` restrict it to one id range (a distributed scoring chunk); otherwise
    it is built chunk by chunk over all technicians.

    Without ``as_of``: today, or the end of the latest snapshot month if the data stop earlier
    (a stale import is scored as of its own last month, not as of a date it knows nothing about).
    ``medians``: ``scoring_medians(as_of)``, computed once for all chunks; a month the kept rows need and
    it lacks is queried here.
    """
    if as_of is None:
        as_of = scoring_as_of()
    first = month_start(as_of - timedelta(days=200))
    ranges = [(lo, hi)] if (lo is not None or hi is not None or not chunked) else technician_ranges()
    parts = []
    for a, b in ranges:
        rows = _retention_rows(first, month_start(as_of), a, b, medians=None, technician_ids=technician_ids,
                               active_at=as_of)  # fmt: skip
        if not rows.empty:
            parts.append(_latest_complete(rows, as_of))
    if not parts:
        return Frame(pd.DataFrame(), pd.DataFrame(columns=["subject_id", "as_of"]), [])
    rows = pd.concat(parts, ignore_index=True)
    # the medians of the months the kept rows come from only (one or two, not the window's seven): the same
    # per-(district, month) values training merges, at a seventh of the scan in every chunk
    given = _medians_frame(medians or [])
    missing = sorted(set(rows["month"].unique()) - set(given["month"].unique()))
    if missing:
        more = _district_medians_of(missing)
        given = pd.concat([given, more], ignore_index=True) if len(given) else more
    rows = _with_pay_ratio(rows, given)
    rows["as_of"] = as_of
    rows["tenure_years"] = _tenure_years(rows["as_of"], rows["hire_date"])
    X, cat = _feature_matrix(rows, RETENTION_NUMERIC, RETENTION_CATEGORICAL, per="technician_id")
    keys = pd.DataFrame(
        {
            "subject_id": rows["subject_id"],
            "as_of": as_of,
            "district_id": rows["district_id"],
            "employee_id": rows["employee_id"],
        }
    )
    return Frame(X, keys, cat)


def _latest_complete(rows: pd.DataFrame, as_of: date) -> pd.DataFrame:
    """Each technician's row of the latest *complete* month before ``as_of`` — the row training would give
    this as-of date (month *m* → as of the 1st of *m* + 1). The snapshot of the month ``as_of`` falls in is
    month-to-date (one day's jobs on the 1st) and would read as a collapse in work; it is used only for a
    technician who has no complete month yet (a new hire, whose first training rows are partial months too).
    ``rows`` is sorted by (technician, month)."""
    complete = (rows["month"] < pd.Timestamp(month_start(as_of))).to_numpy()
    has_complete = pd.Series(complete).groupby(rows["technician_id"].to_numpy(), sort=False).transform("any")
    keep = complete | ~has_complete.to_numpy()
    return rows[keep].groupby("technician_id", sort=False).tail(1)


def scoring_as_of() -> date:
    """Today, or the first day after the latest snapshot month if the data stop earlier."""
    latest = _query("SELECT max(month) FROM technicians_techniciansnapshot", [], ["m"])["m"].iloc[0]
    return min(date.today(), next_month(latest)) if latest is not None else date.today()
