"""Write the demo company (technicians.demo.DemoData) to the database, and the demo users.

Everything happens in one transaction: a failure leaves nothing half-written. Small tables use
``bulk_create`` in batches; the two large ones (snapshots, weekly demand) use PostgreSQL ``COPY``
through psycopg 3 (``cursor.copy()``), which is ~10× faster than bulk_create at 100k technicians
(see docs/demo-data.md for the measurements).
"""

from __future__ import annotations

import io
import time
from collections.abc import Callable
from decimal import Decimal

import numpy as np
import pandas as pd
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db import connection, models, transaction
from django.utils import timezone

from core.models import ApiKey
from core.roles import API_CONSUMER, HR_ADMIN, RECRUITER
from core.services import api_key_create
from technicians.demo import DemoData
from technicians.models import Candidate, DemandWeek, District, Region, Technician, TechnicianSnapshot

DEMO_PASSWORD = "demo12345"
DEMO_USERS = (
    # username, group, is_staff
    ("hradmin", HR_ADMIN, True),
    ("recruiter", RECRUITER, False),
    ("apiuser", API_CONSUMER, False),
)

# Children first: the order in which a reset deletes the technicians domain.
DOMAIN_MODELS = (DemandWeek, TechnicianSnapshot, Candidate, Technician, District, Region)

SNAPSHOT_COLUMNS = (
    "technician_id",
    "month",
    "jobs_completed",
    "first_time_fix_rate",
    "callbacks",
    "csat",
    "overtime_hours",
    "drive_time_minutes",
    "utilization",
    "training_hours",
    "pay_rate",
)


def demo_data_present() -> bool:
    """The demo marker: any Region means the technicians domain already holds data."""
    return Region.objects.exists()


def demo_domain_counts() -> dict[str, int]:
    return {m._meta.verbose_name_plural: m.objects.count() for m in reversed(DOMAIN_MODELS)}


def demo_data_reset() -> dict[str, int]:
    """Delete every row of the technicians domain (regions … demand) and nothing else.

    Rows of other apps that point at technicians follow their own ``on_delete`` rules.
    """
    deleted: dict[str, int] = {}
    with transaction.atomic():
        for model in DOMAIN_MODELS:
            _, per_model = model.objects.all().delete()
            deleted[model._meta.label] = per_model.get(model._meta.label, 0)
    return deleted


def demo_data_load(
    *,
    data: DemoData,
    batch_size: int = 2000,
    snapshot_method: str = "copy",
    progress: Callable[[str], None] | None = None,
) -> dict[str, int]:
    """Insert the generated frames in one transaction. Returns rows created per table.

    ``snapshot_method`` is "copy" (default, PostgreSQL COPY) or "bulk_create" (kept for the benchmark).
    Raises ``ValueError`` if the domain already holds data (call ``demo_data_reset`` first).
    """
    if snapshot_method not in ("copy", "bulk_create"):
        raise ValueError(f"unknown snapshot_method {snapshot_method!r}")
    say = progress or (lambda _msg: None)
    counts: dict[str, int] = {}
    with transaction.atomic():
        if demo_data_present():
            raise ValueError("technicians domain already has data; reset it first")
        t0 = time.perf_counter()
        regions = Region.objects.bulk_create([Region(code=r.code, name=r.name) for r in data.regions.itertuples()])
        region_by_code = {r.code: r for r in regions}
        districts = District.objects.bulk_create(
            [
                District(code=d.code, name=d.name, region=region_by_code[d.region_code], climate=d.climate)
                for d in data.districts.itertuples()
            ]
        )
        district_id = {d.code: d.pk for d in districts}
        counts["regions"], counts["districts"] = len(regions), len(districts)

        techs = data.technicians
        Technician.objects.bulk_create(_instances(Technician, techs, district_id), batch_size=batch_size)
        counts["technicians"] = len(techs)
        say(f"technicians: {len(techs)} rows in {time.perf_counter() - t0:.1f}s")

        t0 = time.perf_counter()
        snaps = data.snapshots
        if snapshot_method == "copy":
            _copy_frame(TechnicianSnapshot, snaps, SNAPSHOT_COLUMNS)
        else:
            TechnicianSnapshot.objects.bulk_create(_instances(TechnicianSnapshot, snaps), batch_size=batch_size)
        counts["snapshots"] = len(snaps)
        say(f"snapshots: {len(snaps)} rows in {time.perf_counter() - t0:.1f}s ({snapshot_method})")

        t0 = time.perf_counter()
        Candidate.objects.bulk_create(_instances(Candidate, data.candidates, district_id), batch_size=batch_size)
        counts["candidates"] = len(data.candidates)
        say(f"candidates: {len(data.candidates)} rows in {time.perf_counter() - t0:.1f}s")

        t0 = time.perf_counter()
        demand = data.demand.assign(district_id=data.demand["district_code"].map(district_id))
        _copy_frame(DemandWeek, demand, ("district_id", "week_start", "jobs_requested"))
        counts["demand_weeks"] = len(demand)
        say(f"demand weeks: {len(demand)} rows in {time.perf_counter() - t0:.1f}s")
    return counts


def demo_users_ensure() -> tuple[list[str], str | None]:
    """Create the demo users if missing (password demo12345) and one API key for apiuser if it has none.

    Returns (usernames created, full API key or None). Existing users keep their passwords.
    """
    User = get_user_model()
    created: list[str] = []
    full_key = None
    with transaction.atomic():
        for username, group_name, is_staff in DEMO_USERS:
            user, was_created = User.objects.get_or_create(
                username=username, defaults={"is_staff": is_staff, "email": f"{username}@example.com"}
            )
            if was_created:
                user.set_password(DEMO_PASSWORD)
                user.save(update_fields=["password"])
                created.append(username)
            group, _ = Group.objects.get_or_create(name=group_name)
            user.groups.add(group)
        api_user = User.objects.get(username="apiuser")
        if not ApiKey.objects.filter(user=api_user).exists():
            _, full_key = api_key_create(user=api_user, name="demo key")
    return created, full_key


# --------------------------------------------------------------------------- helpers


def _dec(value, places: int) -> Decimal | None:
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return None
    return Decimal(f"{float(value):.{places}f}")


def _records(frame: pd.DataFrame):
    """Rows as dicts with NaN/NaT turned into None (pandas keeps NaN in float columns)."""
    cols = list(frame.columns)
    arrays = [frame[c].to_numpy(dtype=object) for c in cols]
    for values in zip(*arrays, strict=True):
        yield {c: (None if isinstance(v, float) and v != v else v) for c, v in zip(cols, values, strict=True)}


def _instances(model, frame: pd.DataFrame, district_id: dict[str, int] | None = None):
    """Model instances from a frame whose columns are the model's field names (``district_code`` → FK)."""
    fields = {f.attname: f for f in model._meta.concrete_fields}
    decimals = {name: f.decimal_places for name, f in fields.items() if isinstance(f, models.DecimalField)}
    columns = [c for c in frame.columns if c in fields]
    for row in _records(frame):
        values = {c: row[c] for c in columns}
        for name in decimals.keys() & values.keys():
            values[name] = _dec(values[name], decimals[name])
        if district_id is not None:
            values["district_id"] = district_id[row["district_code"]]
        yield model(**values)


def _copy_frame(model, frame: pd.DataFrame, columns, chunk_rows: int = 250_000) -> None:
    """COPY a frame's columns (plus created_at/updated_at = now) into the model's table, in chunks."""
    table = model._meta.db_table
    now = timezone.now().isoformat()
    cols = [*columns, "created_at", "updated_at"]
    sql = f'COPY "{table}" ({", ".join(cols)}) FROM STDIN WITH (FORMAT csv)'
    with connection.cursor() as cursor, cursor.cursor.copy(sql) as copy:
        for start in range(0, len(frame), chunk_rows):
            part = frame.iloc[start : start + chunk_rows][list(columns)].assign(created_at=now, updated_at=now)
            buf = io.StringIO()
            part.to_csv(buf, header=False, index=False)
            copy.write(buf.getvalue().encode())
