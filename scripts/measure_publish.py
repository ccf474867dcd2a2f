# ruff: noqa: S608 - SQL built from constants of this script
"""What publishing 100k scored rows costs, step by step (the layout before migration 0010; docs/operations.md after "Storage per technician"): the switch's
INSERT … SELECT into Prediction with and without its sort and FK triggers, against bulk-built tables (the
partition-attach path: unlogged build, SET LOGGED, index, FK validation) and the CurrentScore refresh.
Synthetic rows of the coded size (250 B); its own database bench_scoringx. Run: .venv/bin/python
scripts/measure_publish.py (a few minutes). Since migration 0010 ``Prediction`` is partitioned and the shared
stage is gone: the script recreates the old stage table itself, and its inserts into ``Prediction`` land in
the default partition; the partitioned path is measured side by side with the old one in
bench/bench_scoring.py."""

import os
import sys
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ.setdefault("LOG_LEVEL", "WARNING")
N = 100_000
NT, NF = 25, 15
COLS = "model_id, technician_id, as_of, score, band, logit, intercept, contributions, feature_values"


def main():
    from bench.bench_scoring import _make_technicians
    from bench.harness import bench_database

    with bench_database("scoringx"):
        from django.db import connection, transaction

        from predictions.current import after_scores_switched
        from predictions.models import ModelStatus, TrainedModel
        from technicians.models import District, Region

        r = Region.objects.create(code="r", name="r")
        d = District.objects.create(code="d", name="d", region=r)
        ids = sorted(_make_technicians(N, d.pk))
        m = TrainedModel.objects.create(model_type="retention", version=1, status=ModelStatus.ACTIVE)
        run = uuid.uuid4()
        cur = connection.cursor()
        cur.execute(
            "CREATE UNLOGGED TABLE predictions_predictionstage (id bigserial PRIMARY KEY, run_id uuid, chunk int, "
            "model_id uuid, technician_id uuid, as_of date, score float8, band varchar(6), logit float8, "
            "intercept float8, contributions bytea, feature_values bytea)"
        )
        cur.execute("CREATE TEMP TABLE ids (i int, t uuid)")
        with cur.cursor.copy("COPY ids FROM STDIN") as c:
            for i, t in enumerate(ids):
                c.write_row((i, t))
        cur.execute(
            """INSERT INTO predictions_predictionstage (run_id, chunk, model_id, technician_id, as_of, score, band,
          logit, intercept, contributions, feature_values)
          SELECT %s, 0, %s, t, '2026-07-02', random(), 'low', random(), 0.1,
          (SELECT string_agg(decode(md5(random()::text),'hex'), '') FROM generate_series(1, 2) WHERE i >= 0),
          (SELECT string_agg(decode(md5(random()::text),'hex'), '') FROM generate_series(1, 8) WHERE i >= 0)
          FROM ids ORDER BY t""",
            [run, m.pk],
        )
        cur.execute("CHECKPOINT")

        def timed(label, steps, setup=(), repeat=3):
            best = 9e9
            for _ in range(repeat):
                with transaction.atomic():
                    for s in setup:
                        cur.execute(s)
                    t = time.perf_counter()
                    for s in steps:
                        s() if callable(s) else cur.execute(s)
                    dt = time.perf_counter() - t
                    transaction.set_rollback(True)
                best = min(best, dt)
            print(f"{label:<62} {best:.3f}s", flush=True)

        ins = f"INSERT INTO predictions_prediction ({COLS}) SELECT {COLS} FROM predictions_predictionstage"
        timed("switch INSERT ORDER BY technician_id (today)", [ins + " ORDER BY technician_id"])
        timed("switch INSERT, no ORDER BY", [ins])
        timed("switch INSERT ORDER BY chunk, id", [ins + " ORDER BY chunk, id"])
        timed("switch INSERT, FK triggers off", [ins], ["ALTER TABLE predictions_prediction DISABLE TRIGGER ALL"])
        timed(
            "unlogged COPY-like CTAS (what a stage costs)",
            [f"CREATE UNLOGGED TABLE x AS SELECT {COLS} FROM predictions_predictionstage"],
        )
        timed(
            "logged CTAS (heap only, bulk WAL)", [f"CREATE TABLE x AS SELECT {COLS} FROM predictions_predictionstage"]
        )
        timed(
            "SET LOGGED + index + FK validate (partition attach path)",
            [
                "ALTER TABLE x SET LOGGED",
                "CREATE INDEX ON x (model_id, as_of, technician_id)",
                "ALTER TABLE x ADD FOREIGN KEY (technician_id) REFERENCES technicians_technician(id)",
                "ALTER TABLE x ADD FOREIGN KEY (model_id) REFERENCES predictions_trainedmodel(id)",
            ],
            [f"CREATE UNLOGGED TABLE x AS SELECT {COLS} FROM predictions_predictionstage"],
        )
        cur.execute(ins + " ORDER BY technician_id")
        timed(
            "after_scores_switched (CurrentScore + ScoreCount, 100k)",
            [lambda: after_scores_switched(m, __import__("datetime").date(2026, 7, 2))],
        )


main()
