"""The vectorised, chunked feature builder gives the same frames as the per-technician pandas builder it
replaced (kept here, frozen, as the reference), on the demo company — for training and for scoring."""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np
import pandas as pd
import pytest
from django.test import override_settings

from predictions import features
from predictions.features import _district_median_pay, _feature_matrix, _query, _technicians, next_month

AS_OF = date(2026, 6, 30)


# ---------------------------------------------------------------------- the old builder, frozen
def _legacy_snapshots(month_from, month_to, technician_ids=None) -> pd.DataFrame:
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
        ["technician_id", "month", "jobs_completed", "first_time_fix_rate", "callbacks", "csat", "overtime_hours",
         "drive_time_minutes", "utilization", "training_hours", "pay_rate"],
    )  # fmt: skip


def _legacy_rows(snaps, techs):
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


def _tenure(as_of, hire):
    return (pd.to_datetime(as_of) - pd.to_datetime(hire)).dt.days.clip(lower=0) / 365.25


def legacy_training_frame(*, horizon_days, end=None):
    snaps = _legacy_snapshots(None, None)
    data_end = end or min(next_month(max(snaps["month"])), date.today())
    rows = _legacy_rows(snaps, _technicians())
    rows["as_of"] = rows["month"].map(next_month)
    rows = rows[rows["as_of"] + timedelta(days=horizon_days) <= data_end]
    term = pd.to_datetime(rows["termination_date"])
    as_of = pd.to_datetime(rows["as_of"])
    active = rows["termination_date"].isna() | (term > as_of)
    rows = rows[active.to_numpy()].reset_index(drop=True)
    term, as_of = pd.to_datetime(rows["termination_date"]), pd.to_datetime(rows["as_of"])
    left = (rows["termination_type"] == "voluntary") & (term <= as_of + pd.Timedelta(days=horizon_days))
    rows["tenure_years"] = _tenure(rows["as_of"], rows["hire_date"])
    X, cat = _feature_matrix(rows, features.RETENTION_NUMERIC, features.RETENTION_CATEGORICAL)
    keys = pd.DataFrame({"subject_id": rows["technician_id"], "as_of": rows["as_of"]})
    return X, keys, cat, left.fillna(False).to_numpy().astype(int)


def legacy_scoring_frame(*, as_of):
    techs = _technicians(None)
    term, hire, ts = pd.to_datetime(techs["termination_date"]), pd.to_datetime(techs["hire_date"]), pd.Timestamp(as_of)
    techs = techs[((hire <= ts) & (techs["termination_date"].isna() | (term > ts))).to_numpy()]
    first = features.month_start(as_of - timedelta(days=200))
    snaps = _legacy_snapshots(first, features.month_start(as_of), list(techs["technician_id"]))
    rows = _legacy_rows(snaps, techs)
    # the latest complete month before as_of (the month in progress only for someone without one)
    cutoff = pd.Timestamp(features.month_start(as_of))
    complete = pd.to_datetime(rows["month"]) < cutoff
    has_complete = complete.groupby(rows["technician_id"]).transform(lambda c: bool(c.any()))
    rows = rows[complete | ~has_complete.astype(bool)]
    rows = rows.groupby("technician_id", sort=False).tail(1).reset_index(drop=True)
    rows["as_of"] = as_of
    rows["tenure_years"] = _tenure(rows["as_of"], rows["hire_date"])
    X, cat = _feature_matrix(rows, features.RETENTION_NUMERIC, features.RETENTION_CATEGORICAL)
    keys = pd.DataFrame({"subject_id": rows["technician_id"], "as_of": as_of, "district_id": rows["district_id"],
                         "employee_id": rows["employee_id"]})  # fmt: skip
    return X, keys, cat


# ---------------------------------------------------------------------- the comparison
@pytest.fixture
def demo(db):
    from technicians.demo import demo_generate
    from technicians.demo.load import demo_data_load

    demo_data_load(data=demo_generate(technicians=120, months=14, seed=5, as_of=AS_OF))


def _sorted(X, keys, y=None):
    order = np.lexsort((pd.to_datetime(keys["as_of"]).to_numpy(), keys["subject_id"].astype(str).to_numpy()))
    out = [X.iloc[order].reset_index(drop=True), keys.iloc[order].reset_index(drop=True)]
    return [*out, y[order]] if y is not None else out


def _assert_same(new_X, old_X):
    assert list(new_X.columns) == list(old_X.columns)
    # exact: every value, every dtype (floats compared bit for bit, NaN where NaN)
    pd.testing.assert_frame_equal(new_X, old_X, check_exact=True)


@pytest.mark.parametrize("chunk", [7, 100_000])  # many small technician chunks, and one chunk
def test_training_frame_equals_the_per_technician_builder(demo, chunk):
    old_X, old_keys, old_cat, old_y = legacy_training_frame(horizon_days=90, end=date(2026, 7, 1))
    with override_settings(PREDICTIONS_FEATURE_CHUNK_TECHNICIANS=chunk, PREDICTIONS_TRAIN_MAX_ROWS=0):
        new = features.retention_training_frame(horizon_days=90, end=date(2026, 7, 1))
    assert len(old_X) > 500 and old_y.sum() > 5
    assert new.categorical == old_cat
    new_X, new_keys, new_y = _sorted(new.X, new.keys, new.y)
    old_X, old_keys, old_y = _sorted(old_X, old_keys, old_y)
    _assert_same(new_X, old_X)
    pd.testing.assert_frame_equal(new_keys, old_keys, check_exact=True)
    np.testing.assert_array_equal(new_y, old_y)


@pytest.mark.parametrize("chunk", [7, 100_000])
@pytest.mark.parametrize("medians", ["queried", "given by the run", "given in part"])
def test_scoring_frame_equals_the_per_technician_builder(demo, chunk, medians):
    """Also when a distributed run hands its chunks the district medians it computed once
    (``scoring_medians``), whole or lacking a month the chunk then queries itself."""
    as_of = date(2026, 7, 1)
    old_X, old_keys, old_cat = legacy_scoring_frame(as_of=as_of)
    given = None if medians == "queried" else features.scoring_medians(as_of)
    if medians == "given in part":
        assert {m for _, m, _ in given} == {"2026-06-01"}  # July has no snapshot yet: June's are all there is
        given = [row for row in given if row[0] % 2]  # half the districts' medians missing…
        given = [[d, "2026-05-01", v] for d, _, v in given]  # …and for another month: June is queried
    with override_settings(PREDICTIONS_FEATURE_CHUNK_TECHNICIANS=chunk):
        new = features.retention_scoring_frame(as_of=as_of, medians=given)
    assert len(old_X) > 50
    assert new.categorical == old_cat
    new_X, new_keys = _sorted(new.X, new.keys)
    old_X, old_keys = _sorted(old_X, old_keys)
    _assert_same(new_X, old_X)
    pd.testing.assert_frame_equal(new_keys, old_keys, check_exact=True)
