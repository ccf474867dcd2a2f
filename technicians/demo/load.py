"""Write the demo company (technicians.demo.DemoData) to the database, and the demo users.

Everything happens in one transaction: a failure leaves nothing half-written. Small tables use
``bulk_create`` in batches; the two large ones (snapshots, weekly demand) use PostgreSQL ``COPY``
through psycopg 3 (``cursor.copy()``), which is ~10× faster than bulk_create at 100k technicians
(see docs/demo-data.md for the measurements).
"""

from __future__ import annotations

import io
import json
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta
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
from technicians.demo.generator import DemoData
from technicians.models import (
    Candidate,
    DemandTradeWeek,
    DemandWeek,
    District,
    Region,
    Technician,
    TechnicianSnapshot,
)

DEMO_PASSWORD = "demo12345"
DEMO_USERS = (
    # username, group, is_staff
    ("hradmin", HR_ADMIN, True),
    ("recruiter", RECRUITER, False),
    ("apiuser", API_CONSUMER, False),
)

# Children first: the order in which a reset deletes the technicians domain.
DOMAIN_MODELS = (DemandTradeWeek, DemandWeek, TechnicianSnapshot, Candidate, Technician, District, Region)

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

    A table is emptied with one plain ``DELETE`` when no other app's rows point at it (fast at 100k
    technicians); otherwise the ORM delete runs, so other apps' ``on_delete`` rules apply.
    """
    deleted: dict[str, int] = {}
    with transaction.atomic():
        for model in DOMAIN_MODELS:
            external = [r.related_model for r in model._meta.related_objects if r.related_model not in DOMAIN_MODELS]
            if any(m._base_manager.exists() for m in external):
                _, per_model = model.objects.all().delete()
                deleted[model._meta.label] = per_model.get(model._meta.label, 0)
            else:
                with connection.cursor() as cursor:
                    cursor.execute(f'DELETE FROM "{model._meta.db_table}"')  # noqa: S608 - table name from model meta
                    deleted[model._meta.label] = cursor.rowcount
    return deleted


def demo_data_load(
    *,
    data: DemoData,
    batch_size: int = 2000,
    method: str = "copy",
    progress: Callable[[str], None] | None = None,
) -> dict[str, int]:
    """Insert the generated frames in one transaction. Returns rows created per table.

    ``method`` "copy" (default) writes technicians and candidates with CSV ``COPY`` and snapshots and demand
    with binary ``COPY``; "bulk_create" uses ``bulk_create`` in batches for every table (kept to compare).
    Raises ``ValueError`` if the domain already holds data (call ``demo_data_reset`` first).
    """
    if method not in ("copy", "bulk_create"):
        raise ValueError(f"unknown method {method!r}")
    say = progress or (lambda _msg: None)
    counts: dict[str, int] = {}
    with transaction.atomic(), _foreign_keys_checked_per_statement(DOMAIN_MODELS):
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
        if method == "copy":
            _copy_csv(Technician, techs, district_id)
        else:
            Technician.objects.bulk_create(_instances(Technician, techs, district_id), batch_size=batch_size)
        counts["technicians"] = len(techs)
        say(f"technicians: {len(techs)} rows in {time.perf_counter() - t0:.1f}s")

        t0 = time.perf_counter()
        snaps = data.snapshots
        if method == "copy":
            # In (technician, month) order the unique index and FK checks see sequential keys: ~2× faster.
            _copy_binary(TechnicianSnapshot, snaps.sort_values(["technician_id", "month"]), SNAPSHOT_COLUMNS)
        else:
            TechnicianSnapshot.objects.bulk_create(_instances(TechnicianSnapshot, snaps), batch_size=batch_size)
        counts["snapshots"] = len(snaps)
        say(f"snapshots: {len(snaps)} rows in {time.perf_counter() - t0:.1f}s ({method})")

        t0 = time.perf_counter()
        if method == "copy":
            _copy_csv(Candidate, data.candidates, district_id)
        else:
            Candidate.objects.bulk_create(_instances(Candidate, data.candidates, district_id), batch_size=batch_size)
        counts["candidates"] = len(data.candidates)
        say(f"candidates: {len(data.candidates)} rows in {time.perf_counter() - t0:.1f}s")

        t0 = time.perf_counter()
        demand = data.demand.assign(district_id=data.demand["district_code"].map(district_id))
        if method == "copy":
            _copy_binary(DemandWeek, demand, ("district_id", "week_start", "jobs_requested"))
        else:
            DemandWeek.objects.bulk_create(_instances(DemandWeek, demand), batch_size=batch_size)
        counts["demand_weeks"] = len(demand)
        say(f"demand weeks: {len(demand)} rows in {time.perf_counter() - t0:.1f}s")
        if data.trade_demand is not None and len(data.trade_demand):
            t0 = time.perf_counter()
            if method == "copy":
                _copy_csv(DemandTradeWeek, data.trade_demand, district_id)
            else:
                DemandTradeWeek.objects.bulk_create(
                    _instances(DemandTradeWeek, data.trade_demand, district_id), batch_size=batch_size
                )
            counts["trade_demand_weeks"] = len(data.trade_demand)
            say(f"demand by trade: {len(data.trade_demand)} rows in {time.perf_counter() - t0:.1f}s")
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


@contextmanager
def _foreign_keys_checked_per_statement(domain_models) -> Iterator[None]:
    """Check the domain tables' deferred foreign keys at the end of each statement, not at commit.

    Why (issue 15, seeding grew as n^1.5-1.8): Django makes every foreign key DEFERRABLE INITIALLY DEFERRED,
    so each row COPY'd queues an FK-check event in the transaction's deferred-trigger list until commit
    (300k after the snapshots at 12k technicians). The history triggers on technicians and candidates
    (django-pghistory) call ``_pgh_attach_context()``, whose ``BEGIN … EXCEPTION`` block opens a
    subtransaction that aborts when no history context is set, and PostgreSQL's abort of a subtransaction
    (AfterTriggerEndSubXact) walks the whole deferred list: rows × queued events, i.e. quadratic. Checked
    per statement, the list stays empty. Same checks, same rows: every referenced row is written first.
    The constraints are deferred again afterwards, so a caller's transaction keeps its usual behaviour.
    Use it inside the ``atomic`` block it applies to.
    """
    tables = [m._meta.db_table for m in domain_models]
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT quote_ident(conname) FROM pg_constraint WHERE contype = 'f' AND condeferrable AND condeferred"
            " AND conrelid = ANY (SELECT oid FROM pg_class WHERE relname = ANY (%s))",
            [tables],
        )
        names = ", ".join(r[0] for r in cursor.fetchall())
        if names:
            cursor.execute(f"SET CONSTRAINTS {names} IMMEDIATE")  # noqa: S608 - quoted catalog names
    yield  # on an error the enclosing atomic block rolls back, and with it this setting (a savepoint's too)
    if names:
        with connection.cursor() as cursor:
            cursor.execute(f"SET CONSTRAINTS {names} DEFERRED")  # noqa: S608


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


_PG_EPOCH = date(2000, 1, 1)
_PG_EPOCH_UTC = datetime(2000, 1, 1, tzinfo=UTC)


def _binary_column(field, values: pd.Series) -> tuple[str, np.ndarray]:
    """(numpy big-endian dtype, values) of one column in PostgreSQL's binary COPY format (no NULLs)."""
    if values.isna().any():
        raise ValueError(f"binary COPY needs a value in every row of {field.attname}")
    target = field.target_field if field.is_relation else field
    if isinstance(target, models.UUIDField):
        codes, uniques = pd.factorize(values)
        raw = np.frombuffer(b"".join(uuid.UUID(str(u)).bytes for u in uniques), dtype="V16")
        return "V16", raw[codes]
    if isinstance(target, models.DateField) and not isinstance(target, models.DateTimeField):
        codes, uniques = pd.factorize(values)
        days = np.array([(d - _PG_EPOCH).days for d in uniques], dtype=np.int32)
        return ">i4", days[codes]
    if isinstance(target, models.DecimalField):
        # numeric: ndigits, weight, sign, dscale, then base-10000 digits (integer part < 10000, 2 decimals).
        cents = np.round(values.to_numpy(dtype=float) * 100).astype(np.int64)
        if target.decimal_places != 2 or (cents < 0).any() or (cents >= 1_000_000).any():
            raise ValueError(f"binary COPY supports 0 <= {field.attname} < 10000 with 2 decimals")
        out = np.zeros((len(values), 6), dtype=">i2")
        out[:, 0], out[:, 3] = 2, 2
        out[:, 4], out[:, 5] = cents // 100, (cents % 100) * 100
        return "(6,)>i2", out
    if isinstance(target, models.FloatField):
        return ">f8", values.to_numpy(dtype=np.float64)
    if isinstance(target, models.BigIntegerField | models.BigAutoField):
        return ">i8", values.to_numpy(dtype=np.int64)
    if isinstance(target, models.SmallIntegerField | models.PositiveSmallIntegerField):
        return ">i2", values.to_numpy(dtype=np.int16)
    if isinstance(target, models.IntegerField):
        return ">i4", values.to_numpy(dtype=np.int32)
    raise TypeError(f"no binary COPY encoding for {field.attname} ({type(target).__name__})")


def _copy_binary(model, frame: pd.DataFrame, columns, chunk_rows: int = 500_000) -> None:
    """COPY fixed-width columns (plus created_at/updated_at = now) in PostgreSQL's binary format.

    Every row is a fixed-size numpy record, so millions of rows are encoded without a Python loop.
    """
    fields = {f.attname: f for f in model._meta.concrete_fields}
    now_us = int((timezone.now() - _PG_EPOCH_UTC) / timedelta(microseconds=1))
    table = model._meta.db_table
    cols = [*columns, "created_at", "updated_at"]
    sql = f'COPY "{table}" ({", ".join(cols)}) FROM STDIN WITH (FORMAT binary)'
    with connection.cursor() as cursor, cursor.cursor.copy(sql) as copy:
        copy.write(b"PGCOPY\n\xff\r\n\x00" + (0).to_bytes(4, "big") + (0).to_bytes(4, "big"))
        for start in range(0, len(frame), chunk_rows):
            part = frame.iloc[start : start + chunk_rows]
            encoded = [_binary_column(fields[c], part[c]) for c in columns]
            encoded += [(">i8", np.full(len(part), now_us, dtype=np.int64))] * 2
            layout = [("nfields", ">i2")]
            for i, (dtype, _) in enumerate(encoded):
                layout += [(f"len{i}", ">i4"), (f"val{i}", dtype)]
            rows = np.zeros(len(part), dtype=layout)
            rows["nfields"] = len(cols)
            for i, (_, values) in enumerate(encoded):
                rows[f"len{i}"] = np.dtype(layout[2 + 2 * i][1]).itemsize
                rows[f"val{i}"] = values
            copy.write(rows.tobytes())
        copy.write((-1).to_bytes(2, "big", signed=True))


def _copy_csv(model, frame: pd.DataFrame, district_id: dict[str, int] | None = None, chunk_rows: int = 50_000) -> None:
    """COPY a frame whose columns are the model's field names in CSV format (text, JSON, NULLs allowed).

    Empty unquoted CSV values are NULL, so NOT NULL text columns are listed in FORCE_NOT_NULL to keep
    them as empty strings; JSON is serialised, decimals are rounded to their field's places.
    """
    fields = {f.attname: f for f in model._meta.concrete_fields}
    columns = [c for c in frame.columns if c in fields]
    if district_id is not None:
        columns.append("district_id")
    text_not_null = [
        c for c in columns if isinstance(fields[c], models.CharField | models.TextField) and not fields[c].null
    ]
    now = timezone.now().isoformat()
    cols = [*columns, "created_at", "updated_at"]
    options = "FORMAT csv" + (f", FORCE_NOT_NULL ({', '.join(text_not_null)})" if text_not_null else "")
    sql = f'COPY "{model._meta.db_table}" ({", ".join(cols)}) FROM STDIN WITH ({options})'
    with connection.cursor() as cursor, cursor.cursor.copy(sql) as copy:
        for start in range(0, len(frame), chunk_rows):
            part = frame.iloc[start : start + chunk_rows].copy()
            if district_id is not None:
                part["district_id"] = part["district_code"].map(district_id)
            for c in columns:
                field = fields[c]
                if isinstance(field, models.JSONField):
                    part[c] = [json.dumps(v) for v in part[c]]
                elif isinstance(field, models.DecimalField):
                    part[c] = [None if v is None or v != v else f"{v:.{field.decimal_places}f}" for v in part[c]]
            buf = io.StringIO()
            part[columns].assign(created_at=now, updated_at=now).to_csv(buf, header=False, index=False)
            copy.write(buf.getvalue().encode())
