"""Snowflake sync of 100k technician rows (fakesnow) vs a bare ORM bulk_create of the same rows.

Printed ratios (measured side by side in one run, on a throwaway database):
- sync rows/s ÷ bulk_create rows/s   (target ≥ 0.5): the sync also reads from the warehouse, validates
  every row through the shared row contract, classifies create/update/unchanged, records the run and
  advances the watermark per batch;
- second (no-change) incremental sync time ÷ first sync time (target ≤ 0.1).
"""

from __future__ import annotations

import os
import tempfile
import time
import warnings
from pathlib import Path

ROWS = int(os.environ.get("BENCH_SNOWFLAKE_ROWS", 100_000))
DISTRICTS = 20
DATABASE, SCHEMA = "PRD_AGENTIC_SOLUTIONS", "DATA_SOURCES"
COLUMNS = {
    "EMP_ID": "employee_id",
    "FIRST_NAME": "first_name",
    "LAST_NAME": "last_name",
    "DISTRICT_CODE": "district",
    "TRADE": "trade",
    "HIRED_ON": "hire_date",
    "PAY_RATE": "pay_rate",
}


def _write_key(directory: Path) -> Path:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    path = directory / "bench_key.p8"
    path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.BestAvailableEncryption(b"bench-passphrase"),
        )
    )
    return path


def _fill_warehouse(conn) -> None:
    cur = conn.cursor()
    cur.execute(
        'CREATE TABLE "TECHNICIANS" ("EMP_ID" VARCHAR, "FIRST_NAME" VARCHAR, "LAST_NAME" VARCHAR, '
        '"DISTRICT_CODE" VARCHAR, "TRADE" VARCHAR, "HIRED_ON" DATE, "PAY_RATE" NUMBER(7,2), "UPDATED_AT" TIMESTAMP_NTZ)'
    )
    cur.execute(
        "INSERT INTO \"TECHNICIANS\" SELECT 'E' || LPAD(seq4()::varchar, 7, '0'), 'First' || seq4(), 'Last' || seq4(), "
        f"'d' || (seq4() % {DISTRICTS}), 'hvac', DATEADD(day, seq4() % 3000, '2015-01-05'::date), "
        "20 + (seq4() % 2000) / 100, DATEADD(second, seq4(), '2024-01-01 00:00:00'::timestamp_ntz) "
        f"FROM TABLE(GENERATOR(ROWCOUNT => {ROWS}))"
    )


def run() -> list[tuple[str, float, str]]:
    import django

    django.setup()
    import fakesnow
    import snowflake.connector
    from django.conf import settings
    from django.db import connection

    from bench.harness import bench_database

    warnings.filterwarnings("ignore", message="Arrow output on a DB-API result")
    with tempfile.TemporaryDirectory() as tmp, bench_database("snowflake"), fakesnow.patch():
        from ingest import services
        from ingest.models import SourceMapping
        from technicians.models import District, Region, Technician

        settings.SNOWFLAKE_ACCOUNT, settings.SNOWFLAKE_USER = "bench", "BENCH"
        settings.SNOWFLAKE_DATABASE, settings.SNOWFLAKE_SCHEMA = DATABASE, SCHEMA
        settings.SNOWFLAKE_PRIVATE_KEY_PATH = str(_write_key(Path(tmp)))
        settings.SNOWFLAKE_PRIVATE_KEY_PASSPHRASE = "bench-passphrase"

        region = Region.objects.create(code="bench", name="Bench")
        districts = {
            f"d{i}": District.objects.create(code=f"d{i}", name=f"District {i}", region=region).pk
            for i in range(DISTRICTS)
        }
        wh = snowflake.connector.connect(database=DATABASE, schema=SCHEMA)
        _fill_warehouse(wh)

        # baseline: the same rows (already in Python) straight into the ORM with bulk_create
        cur = wh.cursor()
        cur.execute(f'SELECT {", ".join(COLUMNS)} FROM "TECHNICIANS"')  # noqa: S608 - constant columns
        source = cur.fetchall()

        def bulk_insert() -> float:
            t0 = time.perf_counter()
            Technician.objects.bulk_create(
                [
                    Technician(
                        employee_id=e,
                        first_name=f,
                        last_name=la,
                        district_id=districts[d],
                        trade=tr,
                        hire_date=h,
                        pay_rate=p,
                    )
                    for e, f, la, d, tr, h, p in source
                ],
                batch_size=5000,
            )
            elapsed = time.perf_counter() - t0
            with connection.cursor() as c:
                c.execute("TRUNCATE technicians_technician CASCADE")
            return elapsed

        baselines = [bulk_insert()]

        mapping = SourceMapping.objects.create(
            name="technicians",
            source_table="TECHNICIANS",
            target="technicians",
            column_map=COLUMNS,
            key_columns=["EMP_ID"],
            watermark_column="UPDATED_AT",
            batch_size=5000,
        )
        first = services.sync_now(mapping=mapping)
        assert first.status == "succeeded", first.error
        assert first.rows_created == ROWS, (first.rows_created, first.rows_rejected)
        second = services.sync_now(mapping=mapping)
        assert second.status == "succeeded" and second.rows_read == 0, second.error
        with connection.cursor() as c:
            c.execute("TRUNCATE technicians_technician CASCADE")
        baselines.append(bulk_insert())  # once before and once after the sync; the faster one counts
        wh.close()

    baseline = min(baselines)

    sync_rate = first.rows_read / first.duration_seconds
    base_rate = ROWS / baseline
    return [
        ("bulk_create rows/s (baseline, best of 2)", base_rate, f"{ROWS} rows in {baseline:.2f}s"),
        ("sync rows/s (first, full)", sync_rate, f"{first.rows_read} rows in {first.duration_seconds:.2f}s"),
        ("ratio sync / bulk_create rows/s", sync_rate / base_rate, "target >= 0.5"),
        ("second (no-change) sync seconds", second.duration_seconds, f"read {second.rows_read} rows"),
        ("ratio second sync / first sync time", second.duration_seconds / first.duration_seconds, "target <= 0.1"),
    ]
