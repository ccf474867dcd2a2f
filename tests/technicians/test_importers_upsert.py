"""records_upsert: bulk upsert by business key, shared by CSV import and the Snowflake sync."""

from datetime import date
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from technicians.models import Candidate, DemandWeek, Technician, TechnicianSnapshot
from technicians.services import records_upsert
from tests.factories import TechnicianFactory


def tech_row(n, **over):
    return {
        "employee_id": f"E{n}", "first_name": f"F{n}", "last_name": "L", "district": "phx", "trade": "hvac",
        "hire_date": "2022-01-03", "pay_rate": "30.00", **over,
    }  # fmt: skip


@pytest.mark.django_db
def test_upsert_creates_then_updates_by_key_without_duplicates(districts):
    rows = [tech_row(i) for i in range(5)]
    first = records_upsert(kind="technicians", rows=rows)
    assert (first.created, first.updated, first.unchanged, first.rejected) == (5, 0, 0, [])
    again = records_upsert(kind="technicians", rows=rows)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 5)
    rows[0]["pay_rate"] = "35.25"
    changed = records_upsert(kind="technicians", rows=rows)
    assert (changed.created, changed.updated, changed.unchanged) == (0, 1, 4)
    assert Technician.objects.count() == 5
    assert Technician.objects.get(employee_id="E0").pay_rate == Decimal("35.25")


@pytest.mark.django_db
def test_all_or_nothing_writes_nothing_when_any_row_is_bad(districts):
    rows = [tech_row(1), tech_row(2, pay_rate="-1"), tech_row(3)]
    res = records_upsert(kind="technicians", rows=rows)
    assert res.created == 0 and not res.ok
    assert [(e.row_number, e.column) for e in res.rejected] == [(3, "pay_rate")]
    assert Technician.objects.count() == 0


@pytest.mark.django_db
def test_skip_invalid_lands_good_rows_and_reports_bad_ones(districts):
    rows = [tech_row(1), tech_row(2, district="nowhere"), tech_row(3)]
    res = records_upsert(kind="technicians", rows=rows, policy="skip_invalid", batch_size=1, start_row=1)
    assert res.created == 2
    assert [(e.row_number, e.reason) for e in res.rejected] == [(2, "unknown district code 'nowhere'")]
    assert set(Technician.objects.values_list("employee_id", flat=True)) == {"E1", "E3"}


@pytest.mark.django_db
def test_dry_run_counts_creates_and_updates_but_writes_nothing(districts):
    TechnicianFactory(employee_id="E1", district=districts["phx"])
    res = records_upsert(kind="technicians", rows=[tech_row(1), tech_row(2)], dry_run=True)
    assert (res.created, res.updated) == (1, 1) and res.dry_run
    assert Technician.objects.count() == 1
    assert "would be created 1" in res.summary()


@pytest.mark.django_db
def test_absent_columns_are_left_untouched_and_attributes_merge(districts):
    records_upsert(kind="technicians", rows=[tech_row(1, union="true", badge="A1")])
    partial = {k: v for k, v in tech_row(1, badge="B2").items() if k != "pay_rate"}
    res = records_upsert(kind="technicians", rows=[partial])
    assert res.updated == 1
    t = Technician.objects.get(employee_id="E1")
    assert t.pay_rate == Decimal("30.00")
    assert t.attributes == {"union": True, "badge": "B2"}


@pytest.mark.django_db
def test_snapshots_and_demand_upsert_on_composite_keys(districts):
    t = TechnicianFactory(employee_id="E7", district=districts["dal"])
    snaps = [{"employee_id": "E7", "month": f"2024-0{m}-01", "jobs_completed": str(70 + m)} for m in (1, 2, 3)]
    assert records_upsert(kind="snapshots", rows=snaps).created == 3
    snaps[1]["jobs_completed"] = "99"
    res = records_upsert(kind="snapshots", rows=snaps)
    assert (res.created, res.updated, res.unchanged) == (0, 1, 2)
    assert TechnicianSnapshot.objects.get(technician=t, month=date(2024, 2, 1)).jobs_completed == 99

    demand = [{"district": "dal", "week_start": "2024-01-01", "jobs_requested": "10"},
              {"district": "phx", "week_start": "2024-01-01", "jobs_requested": "20"}]  # fmt: skip
    assert records_upsert(kind="demand", rows=demand).created == 2
    assert records_upsert(kind="demand", rows=demand).unchanged == 2
    assert DemandWeek.objects.count() == 2


@pytest.mark.django_db
def test_database_rejection_is_reported_per_row(districts):
    TechnicianFactory(employee_id="E5", district=districts["dal"])
    base = {"last_name": "B", "district": "dal", "trade": "hvac", "source": "referral", "applied_date": "2024-01-01"}
    rows = [  # two candidates cannot become the same technician (one-to-one)
        {"candidate_id": "C1", "first_name": "A", "hired_employee_id": "E5", **base},
        {"candidate_id": "C2", "first_name": "B", "hired_employee_id": "E5", **base},
    ]
    res = records_upsert(kind="candidates", rows=rows, policy="skip_invalid")
    assert res.created == 1
    assert len(res.rejected) == 1 and "rejected by the database" in res.rejected[0].reason
    assert res.rejected[0].row_number == 3
    assert Candidate.objects.count() == 1
    res = records_upsert(kind="candidates", rows=[{**r, "candidate_id": r["candidate_id"] + "x"} for r in rows])
    assert not res.ok and res.created == 0 and Candidate.objects.count() == 1


@pytest.mark.django_db
def test_upsert_queries_are_bulk_not_per_row(districts):
    rows = [tech_row(i) for i in range(300)]
    with CaptureQueriesContext(connection) as ctx:
        res = records_upsert(kind="technicians", rows=rows, batch_size=100)
    assert res.created == 300
    # resolver (1) + per batch: existing lookup (1) + insert (1), plus savepoints
    selects_and_inserts = [q for q in ctx.captured_queries if not q["sql"].startswith(("SAVEPOINT", "RELEASE"))]
    assert len(selects_and_inserts) <= 1 + 3 * 2


@pytest.mark.django_db
def test_on_batch_runs_per_committed_batch(districts):
    seen = []
    records_upsert(kind="technicians", rows=[tech_row(i) for i in range(5)], policy="skip_invalid", batch_size=2,
                   on_batch=lambda b: seen.append((b.index, b.created, tuple(b.row_numbers))))  # fmt: skip
    assert seen == [(0, 2, (2, 3)), (1, 2, (4, 5)), (2, 1, (6,))]
