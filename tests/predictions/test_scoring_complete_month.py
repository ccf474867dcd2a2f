"""Scoring reads the latest *complete* month, as training does for the same as-of date.

The snapshot of the month in progress is month-to-date: on the 1st it holds one day's jobs. Scoring from
it read every technician as having almost stopped working (a drift alert of PSI 8 on the first scoring
after `make run` on a 1st of the month) and skewed every score.
"""

from datetime import date

import pytest

from predictions import features
from tests.factories import DistrictFactory, SnapshotFactory, TechnicianFactory


@pytest.fixture
def techs(db):
    d = DistrictFactory(code="oak")
    veteran = TechnicianFactory(district=d, hire_date=date(2022, 3, 7))
    for month, jobs in ((date(2026, 9, 1), 81), (date(2026, 10, 1), 80), (date(2026, 11, 1), 78)):
        SnapshotFactory(technician=veteran, month=month, jobs_completed=jobs, callbacks=4)
    SnapshotFactory(technician=veteran, month=date(2026, 12, 1), jobs_completed=3, callbacks=0)  # December so far
    newcomer = TechnicianFactory(district=d, hire_date=date(2026, 12, 1))
    SnapshotFactory(technician=newcomer, month=date(2026, 12, 1), jobs_completed=2, callbacks=0)
    return veteran, newcomer


@pytest.mark.parametrize("as_of", [date(2026, 12, 1), date(2026, 12, 17)])
def test_scoring_uses_the_last_complete_month(techs, as_of):
    veteran, newcomer = techs
    frame = features.retention_scoring_frame(as_of=as_of)
    by_id = dict(zip(frame.keys["subject_id"].astype(str), frame.X["jobs_completed"], strict=True))
    assert by_id[str(veteran.pk)] == 78  # November, not December's 3 jobs so far
    assert by_id[str(newcomer.pk)] == 2  # no complete month yet: still scored, from what there is


def test_a_complete_december_is_used_once_january_starts(techs):
    veteran, _ = techs
    frame = features.retention_scoring_frame(as_of=date(2027, 1, 1))
    by_id = dict(zip(frame.keys["subject_id"].astype(str), frame.X["jobs_completed"], strict=True))
    assert by_id[str(veteran.pk)] == 3  # December is complete on 1 January (the factory's value stands for it)
