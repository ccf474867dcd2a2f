"""CSV import / records_upsert throughput vs a bare ORM bulk insert of the same technicians."""

import os
import time
from datetime import date, timedelta
from decimal import Decimal

N = int(os.environ.get("BENCH_IMPORT_ROWS", "20000"))


def _rows(n: int, codes: list[str]) -> list[dict]:
    return [
        {
            "employee_id": f"B{i:07d}", "first_name": f"F{i}", "last_name": f"L{i % 500}",
            "district": codes[i % len(codes)], "trade": ("hvac", "appliance", "refrigeration")[i % 3],
            "hire_date": (date(2015, 1, 5) + timedelta(days=i % 3000)).isoformat(),
            "pay_rate": f"{24 + i % 15}.50", "commute_miles": str(5 + i % 40), "certifications": str(i % 4),
            "union_member": "true" if i % 2 else "false",
        }
        for i in range(n)
    ]  # fmt: skip


def run():
    from bench.harness import bench_database

    with bench_database("import"):
        from technicians.exports import export_csv_lines
        from technicians.importers import csv_import
        from technicians.models import District, Region, Technician
        from technicians.services import records_upsert

        region = Region.objects.create(code="r", name="R")
        districts = [District.objects.create(code=f"d{i}", name=f"D{i}", region=region) for i in range(20)]
        codes = [d.code for d in districts]
        rows = _rows(N, codes)

        # bare ORM: build model objects from already-typed values and bulk_create them
        ids = {d.code: d.id for d in districts}
        t0 = time.perf_counter()
        Technician.objects.bulk_create(
            [
                Technician(
                    employee_id=r["employee_id"], first_name=r["first_name"], last_name=r["last_name"],
                    district_id=ids[r["district"]], trade=r["trade"], hire_date=date.fromisoformat(r["hire_date"]),
                    pay_rate=Decimal(r["pay_rate"]), commute_miles=Decimal(r["commute_miles"]),
                    certifications=int(r["certifications"]), attributes={"union_member": r["union_member"] == "true"},
                )
                for r in rows
            ],
            batch_size=2000,
        )  # fmt: skip
        bare = time.perf_counter() - t0
        Technician.objects.all().delete()

        t0 = time.perf_counter()
        first = records_upsert(kind="technicians", rows=rows, policy="skip_invalid")
        upsert = time.perf_counter() - t0
        assert first.created == N, first.summary()

        t0 = time.perf_counter()
        again = records_upsert(kind="technicians", rows=rows, policy="skip_invalid")
        nochange = time.perf_counter() - t0
        assert again.unchanged == N

        text = "".join(export_csv_lines([list(rows[0]), *[list(r.values()) for r in rows]])).encode()
        t0 = time.perf_counter()
        csv_res = csv_import(kind="technicians", data=text)
        csv_t = time.perf_counter() - t0
        assert csv_res.unchanged == N

    return [
        ("bare ORM bulk_create rows/s", N / bare, f"{N} technicians"),
        ("records_upsert (validate + upsert) rows/s", N / upsert, "first load, all created"),
        ("records_upsert / bare bulk_create throughput ratio", bare / upsert, "target >= 0.5 (issue 6)"),
        ("no-change re-upsert time / first upsert time", nochange / upsert, "unchanged rows are not written"),
        ("CSV import (parse + validate + compare) rows/s", N / csv_t, "same rows as a CSV file, unchanged"),
    ]
