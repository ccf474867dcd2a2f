"""What a technician-embedding refresh costs at N bare technicians (docs/assistant.md "Similar
technicians"): the first refresh, one with nothing changed, one after half the technicians changed, and one
technician. Its own database bench_embref; statements over 0.5 s are printed. Run:
.venv/bin/python scripts/measure_embedding_refresh.py 100000"""

import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ.setdefault("LOG_LEVEL", "WARNING")


def timed(label, fn):
    t = time.perf_counter()
    fn()
    print(f"{label:<48} {time.perf_counter() - t:7.2f}s", flush=True)


def main(n: int):
    from bench.harness import bench_database

    with bench_database("embref"):
        from django.db import connection
        from django.db.backends import utils

        from assistant.services import technician_embeddings_refresh
        from bench.bench_scoring import _make_technicians
        from technicians.models import District, Region

        execute = utils.CursorWrapper.execute

        def traced(self, sql, params=None):
            t = time.perf_counter()
            out = execute(self, sql, params)
            if (dt := time.perf_counter() - t) > 0.5:
                print(f"    {dt:6.2f}s {sql[:90]!r}", flush=True)
            return out

        utils.CursorWrapper.execute = traced
        district = District.objects.create(code="d", name="d", region=Region.objects.create(code="r", name="r"))
        ids = _make_technicians(n, district.pk)
        timed("first refresh (every row new)", technician_embeddings_refresh)
        timed("again, nothing changed", technician_embeddings_refresh)
        with connection.cursor() as cur:
            cur.execute("UPDATE technicians_technician SET certifications = certifications + 1 WHERE random() < 0.5")
        timed("half the technicians changed", technician_embeddings_refresh)
        assert ids
        timed("one technician", lambda: technician_embeddings_refresh(employee_ids=["B0000007"]))


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 100_000)
