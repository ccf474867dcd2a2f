"""Point-in-time feature frames of candidates, for the quality-of-hire model.

A candidate's row is as of the day they applied: the application's fields and the district's median
technician pay in the month of application (``offered_pay_vs_district_median``). Training rows are hired
candidates whose first ``days`` are observed, labelled 1 when still employed ``days`` after hire; scoring
rows are the open applications (plus, for the drift reference, everyone who applied since a date). The
retention frames and the shared helpers are in ``predictions.features``.
"""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np
import pandas as pd

from predictions.features import (
    CANDIDATE_CATEGORICAL,
    CANDIDATE_NUMERIC,
    Frame,
    _as_dict,
    _district_median_pay,
    _feature_matrix,
    _query,
    month_start,
)
from technicians.models import OPEN_STAGES

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


def candidate_scoring_frame(*, candidate_ids: list | None = None, applied_since: date | None = None) -> Frame:
    """Open candidates, plus everyone who applied on or after ``applied_since``; or exactly ``candidate_ids``."""
    where, params = "WHERE c.stage = ANY(%s)", [list(OPEN_STAGES)]
    if applied_since is not None:
        where, params = f"{where} OR c.applied_date >= %s", [*params, applied_since]
    if candidate_ids is not None:
        where, params = "WHERE c.id = ANY(%s)", [list(candidate_ids)]
    df = _candidates(where, params)
    if df.empty:
        return Frame(pd.DataFrame(), pd.DataFrame(columns=["subject_id", "as_of"]), [])
    X, cat = _feature_matrix(df, CANDIDATE_NUMERIC, CANDIDATE_CATEGORICAL)
    keys = pd.DataFrame({"subject_id": df["candidate_id"], "as_of": date.today(), "district_id": df["district_id"]})
    return Frame(X, keys, cat)
