"""Training rows use only data up to their as-of date; labels look only at the following horizon."""

from datetime import date, timedelta

import pandas as pd

from predictions.features import retention_training_frame
from technicians.models import TechnicianSnapshot
from tests.factories import SnapshotFactory, TechnicianFactory


def _row(frame, tech, as_of):
    mask = (frame.keys["subject_id"] == tech.id) & (pd.to_datetime(frame.keys["as_of"]) == pd.Timestamp(as_of))
    assert mask.sum() == 1
    return frame.X[mask.to_numpy()].iloc[0], frame.y[mask.to_numpy()][0]


def _tech_with_months(n_months=8, **kw):
    tech = TechnicianFactory(hire_date=date(2022, 1, 1), **kw)
    for k in range(n_months):
        SnapshotFactory(technician=tech, month=date(2024, 1 + k, 1), overtime_hours=4.0 + k, training_hours=1.0)
    return tech


def test_feature_changed_after_as_of_does_not_change_training_row(db):
    tech = _tech_with_months()
    TechnicianFactory.create_batch(2, district=tech.district)  # others in the district, no snapshots
    before = retention_training_frame(horizon_days=90, end=date(2024, 12, 31))
    row_before, _ = _row(before, tech, date(2024, 3, 1))  # row for the February snapshot
    # rewrite history *after* the as-of date: March..August snapshots
    TechnicianSnapshot.objects.filter(technician=tech, month__gte=date(2024, 3, 1)).update(
        overtime_hours=40.0, training_hours=50.0, pay_rate=99
    )
    after = retention_training_frame(horizon_days=90, end=date(2024, 12, 31))
    row_after, _ = _row(after, tech, date(2024, 3, 1))
    pd.testing.assert_series_equal(row_before, row_after)
    # while the row whose as-of date is after the change does see it
    later, _ = _row(after, tech, date(2024, 5, 1))
    assert later["overtime_hours"] == 40.0


def test_label_is_voluntary_departure_within_horizon_only(db):
    tech = _tech_with_months(termination_date=date(2024, 7, 15), termination_type="voluntary")
    invol = _tech_with_months(termination_date=date(2024, 7, 15), termination_type="involuntary")
    frame = retention_training_frame(horizon_days=90, end=date(2024, 12, 31))
    assert _row(frame, tech, date(2024, 5, 1))[1] == 1  # leaves 75 days later
    assert _row(frame, tech, date(2024, 3, 1))[1] == 0  # 136 days later: outside the horizon
    assert _row(frame, invol, date(2024, 5, 1))[1] == 0  # involuntary is not a voluntary departure
    # no rows as of dates after they left
    assert not (
        (frame.keys["subject_id"] == tech.id) & (pd.to_datetime(frame.keys["as_of"]) > pd.Timestamp(2024, 7, 15))
    ).any()


def test_rows_with_unobserved_label_window_are_left_out(db):
    tech = _tech_with_months()
    frame = retention_training_frame(horizon_days=90, end=date(2024, 9, 1))
    as_ofs = pd.to_datetime(frame.keys["as_of"][frame.keys["subject_id"] == tech.id])
    assert (as_ofs + timedelta(days=90) <= pd.Timestamp(2024, 9, 1)).all()
    assert len(as_ofs) == 5  # Feb..Jun as-of dates only (Jun 1 + 90 days = Aug 30)


def test_attributes_become_features(db):
    tech = _tech_with_months(attributes={"union_member": "yes", "certs_renewed": 2})
    frame = retention_training_frame(horizon_days=90, end=date(2024, 12, 31))
    assert "attr_union_member" in frame.categorical
    row, _ = _row(frame, tech, date(2024, 3, 1))
    assert row["attr_certs_renewed"] == 2.0 and row["attr_union_member"] == "yes"
