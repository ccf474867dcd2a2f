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
from django.db import connection

from technicians.models import OPEN_STAGES
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

# Actionable features for what-if and programs: (min, max) for numbers, or allowed values.
SCHEDULES = ("standard", "4x10", "rotating")
ACTIONABLE: dict[str, tuple] = {
    "overtime_hours": (0.0, 40.0),
    "pay_rate": (5.0, 250.0),
    "schedule_type": SCHEDULES,
    "commute_miles": (0.0, 300.0),
    "drive_time_minutes": (0.0, 600.0),
    "training_hours": (0.0, 200.0),
}
PROGRAM_OPS = ("set", "cap", "floor", "add", "multiply")


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


def _technicians(technician_ids: list | None = None) -> pd.DataFrame:
    where, params = "", []
    if technician_ids is not None:
        where, params = "WHERE id = ANY(%s)", [list(technician_ids)]
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


def _snapshots(month_from: date | None, month_to: date | None, technician_ids: list | None = None) -> pd.DataFrame:
    conds, params = [], []
    if month_from:
        conds.append("month >= %s")
        params.append(month_from)
    if month_to:
        conds.append("month <= %s")
        params.append(month_to)
    if technician_ids is not None:
        conds.append("technician_id = ANY(%s)")
        params.append(list(technician_ids))
    where = ("WHERE " + " AND ".join(conds)) if conds else ""
    return _query(
        "SELECT technician_id, month, jobs_completed, first_time_fix_rate, callbacks, csat, overtime_hours, "  # noqa: S608
        f"drive_time_minutes, utilization, training_hours, pay_rate::float8 FROM technicians_techniciansnapshot {where} "
        "ORDER BY technician_id, month",
        params,
        _SNAP_COLS,
    )


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


def _retention_rows(snaps: pd.DataFrame, techs: pd.DataFrame) -> pd.DataFrame:
    """One feature row per snapshot, using that snapshot and earlier ones of the same technician only."""
    s = snaps.sort_values(["technician_id", "month"]).reset_index(drop=True)
    g = s.groupby("technician_id", sort=False)
    prev_ot = g["overtime_hours"].transform(lambda v: v.shift(1).rolling(2, min_periods=1).mean())
    s["overtime_trend_3m"] = s["overtime_hours"] - prev_ot
    s["training_hours_6m"] = g["training_hours"].transform(lambda v: v.rolling(6, min_periods=1).sum())
    s = s.merge(techs, on="technician_id", how="inner", suffixes=("", "_t"))
    med = _district_median_pay(list(s["month"].unique()))
    s = s.merge(med, on=["district_id", "month"], how="left")
    s["pay_vs_district_median"] = s["pay_rate"] / s["district_median_pay"]
    return s


def _feature_matrix(rows: pd.DataFrame, numeric: list[str], categorical: list[str]) -> tuple[pd.DataFrame, list[str]]:
    """The one place every model's features are assembled. Protected characteristics never pass:
    the declared lists must not name one, and ``attributes`` keys naming one are dropped."""
    bad = [c for c in [*numeric, *categorical] if is_protected_name(c)]
    if bad:
        raise ValueError(f"protected characteristics cannot be model features: {', '.join(bad)}")
    X = rows[numeric].astype(float).copy()
    for c in categorical:
        X[c] = rows[c].astype(object).where(rows[c].notna(), "missing").astype(str)
    attrs, attr_cat = attribute_frame(rows["attributes"])
    X = pd.concat([X, attrs], axis=1)
    return X, categorical + attr_cat


def _tenure_years(as_of: pd.Series, hire: pd.Series) -> pd.Series:
    return (pd.to_datetime(as_of) - pd.to_datetime(hire)).dt.days.clip(lower=0) / 365.25


def retention_training_frame(*, horizon_days: int, end: date | None = None) -> Frame:
    """Labelled (technician, month) rows whose label window ``(as_of, as_of + horizon]`` is fully observed."""
    snaps = _snapshots(None, None)
    if snaps.empty:
        return Frame(pd.DataFrame(), pd.DataFrame(columns=["subject_id", "as_of"]), [], np.array([], dtype=int))
    data_end = end or min(next_month(max(snaps["month"])), date.today())
    rows = _retention_rows(snaps, _technicians())
    rows["as_of"] = rows["month"].map(next_month)
    rows = rows[rows["as_of"] + timedelta(days=horizon_days) <= data_end]
    term = pd.to_datetime(rows["termination_date"])
    as_of = pd.to_datetime(rows["as_of"])
    active = rows["termination_date"].isna() | (term > as_of)
    rows = rows[active.to_numpy()].reset_index(drop=True)
    term, as_of = pd.to_datetime(rows["termination_date"]), pd.to_datetime(rows["as_of"])
    left = (rows["termination_type"] == "voluntary") & (term <= as_of + pd.Timedelta(days=horizon_days))
    rows["tenure_years"] = _tenure_years(rows["as_of"], rows["hire_date"])
    X, cat = _feature_matrix(rows, RETENTION_NUMERIC, RETENTION_CATEGORICAL)
    keys = pd.DataFrame({"subject_id": rows["technician_id"], "as_of": rows["as_of"]})
    return Frame(X, keys, cat, left.fillna(False).to_numpy().astype(int))


def retention_scoring_frame(*, as_of: date | None = None, technician_ids: list | None = None) -> Frame:
    """Each active technician's features as of ``as_of`` (latest snapshot on or before it).

    Without ``as_of``: today, or the end of the latest snapshot month if the data stop earlier
    (a stale import is scored as of its own last month, not as of a date it knows nothing about).
    """
    if as_of is None:
        latest = _query("SELECT max(month) FROM technicians_techniciansnapshot", [], ["m"])["m"].iloc[0]
        as_of = min(date.today(), next_month(latest)) if latest is not None else date.today()
    techs = _technicians(technician_ids)
    term = pd.to_datetime(techs["termination_date"])
    hire = pd.to_datetime(techs["hire_date"])
    ts = pd.Timestamp(as_of)
    techs = techs[((hire <= ts) & (techs["termination_date"].isna() | (term > ts))).to_numpy()]
    if techs.empty:
        return Frame(pd.DataFrame(), pd.DataFrame(columns=["subject_id", "as_of"]), [])
    first = month_start(as_of - timedelta(days=200))
    snaps = _snapshots(first, month_start(as_of), list(techs["technician_id"]))
    if snaps.empty:
        return Frame(pd.DataFrame(), pd.DataFrame(columns=["subject_id", "as_of"]), [])
    rows = _retention_rows(snaps, techs)
    rows = rows.groupby("technician_id", sort=False).tail(1).reset_index(drop=True)
    rows["as_of"] = as_of
    rows["tenure_years"] = _tenure_years(rows["as_of"], rows["hire_date"])
    X, cat = _feature_matrix(rows, RETENTION_NUMERIC, RETENTION_CATEGORICAL)
    keys = pd.DataFrame(
        {
            "subject_id": rows["technician_id"],
            "as_of": as_of,
            "district_id": rows["district_id"],
            "employee_id": rows["employee_id"],
        }
    )
    return Frame(X, keys, cat)


# ---------------------------------------------------------------------- quality of hire
_CAND_COLS = ["candidate_id", "district_id", "trade", "source", "applied_date", "years_experience", "certifications",
              "assessment_score", "interview_score", "commute_miles", "offered_pay_rate", "stage", "attributes",
              "hire_date", "termination_date"]  # fmt: skip


def _candidates(where: str, params: list) -> pd.DataFrame:
    df = _query(
        "SELECT c.id, c.district_id, c.trade, c.source, c.applied_date, c.years_experience, c.certifications, "  # noqa: S608
        "c.assessment_score, c.interview_score, c.commute_miles::float8, c.offered_pay_rate::float8, c.stage, "
        "c.attributes, t.hire_date, t.termination_date FROM technicians_candidate c "
        f"LEFT JOIN technicians_technician t ON t.id = c.hired_technician_id {where}",
        params,
        _CAND_COLS,
    )
    df["attributes"] = df["attributes"].map(_as_dict)
    df["month"] = df["applied_date"].map(month_start)
    # point in time: the district's median technician pay in the month the candidate applied
    # (falls back to the latest month on record for applications newer than the snapshots)
    med = _district_median_pay(list(df["month"].unique()))
    df = df.merge(med, on=["district_id", "month"], how="left")
    if df["district_median_pay"].isna().any():
        latest = _query(
            "SELECT t.district_id, percentile_cont(0.5) WITHIN GROUP (ORDER BY s.pay_rate::float8) "
            "FROM technicians_techniciansnapshot s JOIN technicians_technician t ON t.id = s.technician_id "
            "WHERE s.month = (SELECT max(month) FROM technicians_techniciansnapshot) AND s.pay_rate IS NOT NULL GROUP BY 1",
            [],
            ["district_id", "latest_median"],
        )
        df = df.merge(latest, on="district_id", how="left")
        df["district_median_pay"] = df["district_median_pay"].fillna(df["latest_median"])
    df["offered_pay_vs_district_median"] = df["offered_pay_rate"] / df["district_median_pay"]
    return df


def candidate_training_frame(*, days: int = 90, end: date | None = None) -> Frame:
    """Hired candidates whose first ``days`` are observed; label 1 = still employed ``days`` after hire."""
    end = end or date.today()
    df = _candidates("WHERE c.hired_technician_id IS NOT NULL AND t.hire_date <= %s", [end - timedelta(days=days)])
    if df.empty:
        return Frame(pd.DataFrame(), pd.DataFrame(columns=["subject_id", "as_of"]), [], np.array([], dtype=int))
    df = df.sort_values("applied_date").reset_index(drop=True)
    cutoff = pd.to_datetime(df["hire_date"]) + pd.Timedelta(days=days)
    stayed = df["termination_date"].isna() | (pd.to_datetime(df["termination_date"]) > cutoff)
    X, cat = _feature_matrix(df, CANDIDATE_NUMERIC, CANDIDATE_CATEGORICAL)
    keys = pd.DataFrame({"subject_id": df["candidate_id"], "as_of": df["applied_date"]})
    return Frame(X, keys, cat, stayed.to_numpy().astype(int))


def candidate_scoring_frame(*, candidate_ids: list | None = None) -> Frame:
    where, params = "WHERE c.stage = ANY(%s)", [list(OPEN_STAGES)]
    if candidate_ids is not None:
        where, params = "WHERE c.id = ANY(%s)", [list(candidate_ids)]
    df = _candidates(where, params)
    if df.empty:
        return Frame(pd.DataFrame(), pd.DataFrame(columns=["subject_id", "as_of"]), [])
    X, cat = _feature_matrix(df, CANDIDATE_NUMERIC, CANDIDATE_CATEGORICAL)
    keys = pd.DataFrame({"subject_id": df["candidate_id"], "as_of": date.today(), "district_id": df["district_id"]})
    return Frame(X, keys, cat)


# ---------------------------------------------------------------------- changes (what-if, programs)
def validate_program_change(change: Any) -> None:
    """A program's change: {feature: {op: value}} with an actionable feature and a known operation."""
    if not isinstance(change, dict) or not change:
        raise ValueError('change must be an object like {"overtime_hours": {"cap": 8}}')
    for feat, spec in change.items():
        if feat not in ACTIONABLE:
            raise ValueError(f"{feat}: not an actionable feature (use one of {', '.join(ACTIONABLE)})")
        if not isinstance(spec, dict) or len(spec) != 1:
            raise ValueError(f"{feat}: give exactly one operation of {', '.join(PROGRAM_OPS)}")
        op, val = next(iter(spec.items()))
        if op not in PROGRAM_OPS:
            raise ValueError(f"{feat}: unknown operation {op!r} (use {', '.join(PROGRAM_OPS)})")
        if feat == "schedule_type":
            if op != "set" or val not in SCHEDULES:
                raise ValueError(f"schedule_type: only 'set' to one of {', '.join(SCHEDULES)}")
        elif isinstance(val, bool) or not isinstance(val, int | float):
            raise ValueError(f"{feat}: {op} needs a number")


def apply_changes(X: pd.DataFrame, changes: dict[str, Any]) -> pd.DataFrame:
    """Apply feature changes to a frame, keeping derived features consistent.

    ``changes`` values are either a plain new value (what-if) or ``{op: value}`` (programs).
    Overtime moves its 3-month trend by the same amount; training hours move the 6-month sum;
    pay moves pay-vs-district-median proportionally (the district median itself is unchanged).
    """
    X = X.copy()
    for feat, spec in changes.items():
        if feat not in X.columns:
            continue
        old = X[feat]
        if isinstance(spec, dict):
            op, val = next(iter(spec.items()))
            if op == "set":
                new = pd.Series(val, index=X.index)
            elif op == "cap":
                new = old.clip(upper=val)
            elif op == "floor":
                new = old.clip(lower=val)
            elif op == "add":
                new = old + val
            else:  # multiply
                new = old * val
        else:
            new = pd.Series(spec, index=X.index)
        if feat == "schedule_type":
            X[feat] = new.astype(str)
            continue
        new = new.astype(float)
        lo, hi = ACTIONABLE.get(feat, (None, None))
        if lo is not None:
            new = new.clip(lower=lo, upper=hi)
        delta = new - old.astype(float)
        X[feat] = new
        if feat == "overtime_hours" and "overtime_trend_3m" in X.columns:
            X["overtime_trend_3m"] = X["overtime_trend_3m"] + delta.fillna(0)
        if feat == "training_hours" and "training_hours_6m" in X.columns:
            X["training_hours_6m"] = X["training_hours_6m"].fillna(0) + delta.fillna(0)
        if feat == "pay_rate" and "pay_vs_district_median" in X.columns:
            ratio = (new / old.astype(float)).replace([np.inf, -np.inf], np.nan)
            X["pay_vs_district_median"] = X["pay_vs_district_median"] * ratio
    return X
