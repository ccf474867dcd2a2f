"""Promote → every active technician scored by the new version, as a ratio to a standalone scoring pass.

``model_promote`` queues the activation (score the new version into its own rows, then switch) on the
``interactive`` queue; real workers run, one per queue as ``make run`` starts them, with a training run
busy on the ``heavy`` queue meanwhile. Target ≤ 1.2: a promote costs about one scoring pass, no queue wait.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TECHNICIANS = 2500


def _workers(dbname: str) -> list[subprocess.Popen]:
    env = {**os.environ, "DATABASE_NAME": dbname, "PYTHONPATH": str(ROOT)}
    celery = [sys.executable, "-m", "celery", "-A", "config", "-q", "worker", "-l", "warning"]
    pid = os.getpid()
    return [
        subprocess.Popen([*celery, "-Q", "heavy", "-n", f"bench-heavy-{pid}@%h", "-c", "1"], cwd=ROOT, env=env,
                         start_new_session=True),
        subprocess.Popen([*celery, "-Q", "interactive", "-n", f"bench-interactive-{pid}@%h", "-c", "1"], cwd=ROOT,
                         env=env, start_new_session=True),
    ]  # fmt: skip


def _promote_until_scored(model) -> float:
    from predictions.models import ModelStatus, TrainedModel
    from predictions.services import model_promote

    start = time.perf_counter()
    model_promote(model=model)
    while True:
        m = TrainedModel.objects.get(pk=model.pk)
        if m.status == ModelStatus.ACTIVE:
            return time.perf_counter() - start
        if not m.activation_pending:
            raise RuntimeError(f"promote did not activate: {m.stage} {m.error}")
        if time.perf_counter() - start > 600:
            raise TimeoutError("promote took over 10 minutes")
        time.sleep(0.02)


def run() -> list[tuple[str, float, str]]:
    from bench.harness import bench_database

    with bench_database("promote") as dbname:
        import redis
        from django.conf import settings

        from predictions import features
        from predictions.models import Prediction
        from predictions.services import model_run, model_train, predictions_score
        from technicians.demo import demo_generate
        from technicians.demo.load import demo_data_load

        demo_data_load(data=demo_generate(technicians=TECHNICIANS, months=24, seed=5, as_of=date(2026, 6, 30)))
        fast = {"outer_bags": 2, "interactions": 0, "max_rounds": 400}
        v1 = model_run(model_id=model_train(model_type="retention", params=fast, enqueue=False).id)
        v2 = model_run(model_id=model_train(model_type="retention", params=fast, enqueue=False).id)
        v3 = model_run(model_id=model_train(model_type="retention", params=fast, enqueue=False).id)
        assert v1.status == "active" and v2.status == v3.status == "ready", (v1.status, v2.status, v3.status)
        n = len(features.retention_scoring_frame().X)

        client = redis.Redis.from_url(settings.CELERY_BROKER_URL)
        client.delete("interactive", "heavy")
        procs = _workers(dbname)
        try:
            time.sleep(8)  # workers up
            model_train(model_type="retention", params={**fast, "outer_bags": 8})  # heavy work meanwhile
            cold = _promote_until_scored(v2)  # includes the worker child's first imports
            warm = _promote_until_scored(v3)
            t = time.perf_counter()
            predictions_score(model_type="retention", model=v3)  # standalone, under the same load
            standalone_during = time.perf_counter() - t
        finally:
            for p in procs:
                os.killpg(p.pid, signal.SIGTERM)
            for p in procs:
                try:
                    p.wait(30)
                except subprocess.TimeoutExpired:
                    os.killpg(p.pid, signal.SIGKILL)
            client.delete("interactive", "heavy")
            client.close()
        assert Prediction.objects.filter(model=v3).values("technician").distinct().count() == n

        standalone = standalone_during
        for _ in range(2):
            t = time.perf_counter()
            predictions_score(model_type="retention", model=v3)
            standalone = min(standalone, time.perf_counter() - t)
        return [
            ("promote → all scored, seconds (warm worker)", warm, f"{n} active technicians"),
            ("standalone score_models pass, seconds", standalone, "same model, in-process"),
            ("promote / standalone scoring (warm)", warm / standalone, "target ≤ 1.2"),
            ("promote / standalone scoring (cold worker child)", cold / standalone, "first task imports the stack"),
        ]
