"""`manage.py seed_demo`: loads the generator's frames, idempotent, all-or-nothing, demo users."""

from datetime import date, timedelta
from decimal import Decimal
from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command

from core.models import ApiKey
from core.roles import user_can_view_sensitive
from technicians.demo import demo_generate
from technicians.demo.load import demo_data_load, demo_data_reset
from technicians.models import Candidate, DemandWeek, District, Region, Technician, TechnicianSnapshot

pytestmark = pytest.mark.django_db

AS_OF = "2026-11-18"
SMALL = ["--technicians", "60", "--months", "6", "--as-of", AS_OF]


def seed(*args) -> str:
    out = StringIO()
    call_command("seed_demo", *args, stdout=out)
    return out.getvalue()


def counts() -> dict[str, int]:
    return {
        m.__name__: m.objects.count() for m in (Region, District, Technician, TechnicianSnapshot, Candidate, DemandWeek)
    }


def test_seed_loads_exactly_what_the_generator_produced():
    seed(*SMALL)
    data = demo_generate(technicians=60, months=6, seed=42, as_of=date.fromisoformat(AS_OF))
    assert counts() == {
        "Region": 4,
        "District": 20,
        "Technician": len(data.technicians),
        "TechnicianSnapshot": len(data.snapshots),
        "Candidate": len(data.candidates),
        "DemandWeek": len(data.demand),
    }
    row = data.technicians.iloc[0]
    tech = Technician.objects.get(employee_id=row["employee_id"])
    assert str(tech.id) == row["id"] and tech.email == row["email"] and tech.hire_date == row["hire_date"]
    assert tech.pay_rate == Decimal(f"{row['pay_rate']:.2f}") and tech.district.code == row["district_code"]
    assert tech.attributes == row["attributes"]
    snap = data.snapshots.iloc[-1]
    db_snap = TechnicianSnapshot.objects.get(technician_id=snap["technician_id"], month=snap["month"])
    assert db_snap.overtime_hours == pytest.approx(snap["overtime_hours"]) and db_snap.csat == pytest.approx(
        snap["csat"]
    )
    hired = Candidate.objects.filter(stage="hired").select_related("hired_technician").first()
    assert hired.hired_technician.email == hired.email


def test_second_run_adds_nothing_and_says_so():
    seed(*SMALL)
    before = counts()
    out = seed(*SMALL)
    assert "nothing added" in out
    assert counts() == before
    assert "API key" not in out


def test_reset_reloads_only_the_technicians_domain():
    seed(*SMALL)
    first_emails = set(Technician.objects.values_list("email", flat=True)[:50])
    users, keys = get_user_model().objects.count(), ApiKey.objects.count()
    out = seed(*SMALL, "--reset", "--seed", "7")
    assert "Deleted" in out
    assert Region.objects.count() == 4
    assert set(Technician.objects.values_list("email", flat=True)[:50]) != first_emails
    assert (get_user_model().objects.count(), ApiKey.objects.count()) == (users, keys)


def test_demo_users_have_their_roles_and_one_api_key():
    out = seed(*SMALL)
    User = get_user_model()
    hr, rec, api = (User.objects.get(username=u) for u in ("hradmin", "recruiter", "apiuser"))
    assert hr.is_staff and user_can_view_sensitive(hr) and hr.check_password("demo12345")
    assert not user_can_view_sensitive(rec) and rec.groups.filter(name="Recruiter").exists()
    assert api.groups.filter(name="API consumer").exists()
    assert ApiKey.objects.filter(user=api).count() == 1
    assert "ta_" in out
    seed(*SMALL)
    assert ApiKey.objects.filter(user=api).count() == 1


def test_a_failing_load_writes_nothing():
    data = demo_generate(technicians=40, months=3, seed=1, as_of=date.fromisoformat(AS_OF))
    # The last table written violates a database constraint (week_start must be a Monday).
    data.demand.loc[len(data.demand) - 1, "week_start"] += timedelta(days=1)
    with pytest.raises(Exception, match="demand_week_starts_monday"):
        demo_data_load(data=data)
    assert sum(counts().values()) == 0


def _table_dump() -> dict[str, list]:
    """Every domain row (without surrogate ids and timestamps), in a stable order."""
    skip = {"id", "created_at", "updated_at", "district_id", "region_id"}
    dump = {}
    for model in (Technician, TechnicianSnapshot, Candidate, DemandWeek):
        names = [f.attname for f in model._meta.concrete_fields if f.attname not in skip]
        if model in (Technician, Candidate):
            names = ["id", *names]
        key = [n for n in ("employee_id", "candidate_id", "technician_id", "month", "week_start") if n in names]
        extra = ["district__code"] if model is not TechnicianSnapshot else []
        dump[model.__name__] = list(model.objects.order_by(*key, *extra).values_list(*names, *extra))
    return dump


def test_copy_and_bulk_create_paths_store_identical_rows():
    data = demo_generate(technicians=40, months=4, seed=5, as_of=date.fromisoformat(AS_OF))
    demo_data_load(data=data, method="bulk_create")
    by_orm = _table_dump()
    demo_data_reset()
    demo_data_load(data=data, method="copy")
    by_copy = _table_dump()
    assert by_orm == by_copy
    assert len(by_copy["TechnicianSnapshot"]) == len(data.snapshots)
    # CSV COPY keeps empty text as '' (not NULL) and missing dates/decimals as NULL.
    assert Technician.objects.filter(termination_type="", termination_date__isnull=True).exists()
    assert Candidate.objects.filter(offered_pay_rate__isnull=True, notes="").exists()


def test_bad_options_are_rejected():
    from django.core.management.base import CommandError

    with pytest.raises(CommandError):
        seed("--technicians", "0")
    with pytest.raises(CommandError):
        seed("--as-of", "yesterday")
    assert Region.objects.count() == 0


def test_the_load_hands_back_deferred_foreign_keys():
    """While it writes, the loader checks the domain tables' FKs per statement (a deferred check per row made
    seeding quadratic: docs/demo-data.md); afterwards they are deferred again, so the caller's transaction
    behaves as usual: a row pointing at nobody passes the statement and would fail only at commit."""
    from django.db import connection, transaction

    data = demo_generate(technicians=20, months=2, seed=3, as_of=date.fromisoformat(AS_OF))
    demo_data_load(data=data)
    sid = transaction.savepoint()
    with connection.cursor() as cur:
        cur.execute(
            "UPDATE technicians_techniciansnapshot SET technician_id = gen_random_uuid()"
            " WHERE ctid = (SELECT ctid FROM technicians_techniciansnapshot LIMIT 1)"
        )
        assert cur.rowcount == 1
    transaction.savepoint_rollback(sid)  # the queued check goes with it; nothing is committed
