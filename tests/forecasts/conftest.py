"""A small hierarchy with synthetic history: 2 regions, 3 districts, ~70 weeks of demand and staff."""

from __future__ import annotations

import math
from datetime import date, timedelta

import pytest

from tests.factories import (
    CandidateFactory,
    DemandWeekFactory,
    DistrictFactory,
    RegionFactory,
    SnapshotFactory,
    TechnicianFactory,
)

AS_OF = date(2025, 6, 4)  # a Wednesday; last complete week starts Monday 2025-05-26
WEEKS = 70


def monday(d: date) -> date:
    return d - timedelta(days=d.weekday())


@pytest.fixture
def small_hierarchy(db, settings):
    settings.FORECAST_BACKTEST_FOLDS = 2
    settings.FORECAST_HISTORY_MAX_WEEKS = WEEKS
    west, east = RegionFactory(code="west", name="West"), RegionFactory(code="east", name="East")
    districts = [
        DistrictFactory(code="dal", name="Dallas", region=west),
        DistrictFactory(code="phx", name="Phoenix", region=west),
        DistrictFactory(code="bos", name="Boston", region=east),
    ]
    first = monday(AS_OF) - timedelta(weeks=WEEKS)
    for i, d in enumerate(districts):
        for w in range(WEEKS):
            week = first + timedelta(weeks=w)
            jobs = 100 + 30 * i + 20 * math.sin(2 * math.pi * w / 52) + (w % 3)
            DemandWeekFactory(district=d, week_start=week, jobs_requested=int(jobs))
        for t in range(6 + i):
            hired = first - timedelta(days=30) + timedelta(weeks=7 * t)
            left = None
            if t % 3 == 0:
                left = hired + timedelta(weeks=20 + t)
            tech = TechnicianFactory(
                district=d,
                hire_date=hired,
                termination_date=left,
                termination_type=("voluntary" if t % 2 == 0 else "involuntary") if left else "",
            )
            SnapshotFactory(technician=tech, month=date(2025, 5, 1), jobs_completed=52)
    CandidateFactory(district=districts[0], stage="accepted", expected_start_date=AS_OF + timedelta(weeks=2))
    return {"districts": districts, "regions": [west, east], "first_week": first}


@pytest.fixture
def as_of(monkeypatch):
    """Freeze "today" for series building at AS_OF."""
    import forecasts.series as series_mod

    monkeypatch.setattr(series_mod, "today", lambda: AS_OF)
    return AS_OF


def make_completed_run(
    *, demand: dict[str, list[tuple[float, float, float]]], horizon: int = 4, start: date | None = None
):
    """A completed demand run with hand-made points per district: {code: [(yhat, lower, upper), ...]}."""
    from forecasts.models import ForecastPoint, ForecastRun, ForecastSeries
    from technicians.models import District

    start = start or monday(AS_OF)
    run = ForecastRun.objects.create(metric="demand", horizon=horizon, status="completed")
    for code, values in demand.items():
        s = ForecastSeries.objects.create(
            run=run,
            metric="demand",
            level="district",
            key=code,
            name=District.objects.filter(code=code).values_list("name", flat=True).first() or code,
            status="done",
            method_used="prophet",
        )
        for i, (y, lo, hi) in enumerate(values):
            ForecastPoint.objects.create(series=s, ds=start + timedelta(weeks=i), yhat=y, yhat_lower=lo, yhat_upper=hi)
    return run
