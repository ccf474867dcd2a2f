"""Plantable drift for the demo (``seed_demo --drift-from DATE``; README.md, section 3).

From the first month on or after ``drift_from`` the company runs short-staffed: every technician's
target overtime rises by ``OVERTIME_HOURS`` per week and daily drive time by ``DRIVE_MINUTES`` (a
district depot closed, routes got longer). Both are planted drivers of leaving, so the drift moves the
features *and* the outcome: the monitor sees the PSI of ``overtime_hours`` / ``drive_time_minutes``
and of the retention score jump above 0.2 at the next scoring run, and realised exits rise above the
predicted rate once those cohorts close. Without ``drift_from`` nothing changes.
"""

from __future__ import annotations

from datetime import date

OVERTIME_HOURS = 7.0
DRIVE_MINUTES = 18.0


def drift_active(month_start: date, drift_from: date | None) -> bool:
    return drift_from is not None and month_start >= date(drift_from.year, drift_from.month, 1)
