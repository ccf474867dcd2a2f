"""Every run ends in a final state after a crash: a real prefork Celery worker (real Redis, real
PostgreSQL) whose pool process is SIGKILLed at each stage, and whose master is SIGKILLed mid-run.

After each crash: exactly one active model per type with complete scores, no duplicated versions, every
run final, forecast points for exactly one completed run — with nobody touching anything.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.forecasts.conftest import AS_OF, small_hierarchy  # noqa: F401 - fixture
from tests.predictions.conftest import FAST_EBM, make_world

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.timeout(300)


def _purge_broker():
    import redis
    from django.conf import settings

    client = redis.Redis.from_url(settings.CELERY_BROKER_URL)
    client.delete("interactive", "heavy", "celery", "unacked", "unacked_index")
    client.close()


class Worker:
    """``celery worker`` in a subprocess (prefork, one child) running tests.core.crash_worker."""

    def __init__(self, crash_dir: Path, model_store: Path, db_name: str):
        self.crash_dir, self.model_store, self.db_name = crash_dir, model_store, db_name
        self.proc: subprocess.Popen | None = None
        self.node = f"crash-{os.getpid()}@{socket.gethostname()}"

    def wait_idle(self, timeout: float = 90) -> None:
        """Until nothing is queued and the worker runs nothing (follow-up tasks such as the embedding
        refresh after scoring must not overlap the next test's table flush)."""
        import redis
        from django.conf import settings

        from config.celery import app

        client = redis.Redis.from_url(settings.CELERY_BROKER_URL)

        def idle() -> bool:
            if self.proc.poll() is not None:
                return True
            if client.llen("interactive") or client.llen("heavy"):
                return False
            replies = app.control.inspect(destination=[self.node], timeout=1).active() or {}
            return bool(replies) and not any(replies.values())

        try:
            _wait(idle, timeout=timeout, what="the worker to become idle")
        finally:
            client.close()

    def start(self) -> None:
        env = {
            **os.environ,
            "TESTING": "1",
            "PYTHONPATH": str(ROOT),
            "CRASH_DB_NAME": self.db_name,
            "CRASH_DIR": str(self.crash_dir),
            "CRASH_TODAY": AS_OF.isoformat(),
            "MODEL_STORE": str(self.model_store),
            "RUN_STALE_SECONDS": "3",
            "RUN_HEARTBEAT_SECONDS": "1",
            "FORECAST_BACKTEST_FOLDS": "2",
            "FORECAST_HISTORY_WEEKS": "70",
            "FORECAST_CHUNK_SIZE": "2",
        }
        cmd = [sys.executable, "-m", "celery", "-A", "tests.core.crash_worker", "worker", "-P", "prefork", "-c", "1",
               "-Q", "interactive,heavy", "-n", self.node, "-l", "warning", "--without-gossip",
               "--without-mingle", "--without-heartbeat"]  # fmt: skip
        self.proc = subprocess.Popen(cmd, cwd=ROOT, env=env, start_new_session=True)
        self._wait_ready()

    def _wait_ready(self, timeout: float = 90) -> None:
        """Until the worker answers a ping; a worker that exits at start (an import error in the kill points)
        fails here with its exit code instead of as a 150 s wait for a kill point it never reaches."""
        from config.celery import app

        end = time.monotonic() + timeout
        while time.monotonic() < end:
            if self.proc.poll() is not None:
                raise AssertionError(f"the crash worker exited at start with code {self.proc.returncode}")
            if app.control.ping(destination=[self.node], timeout=0.5):
                return
        raise AssertionError(f"the crash worker did not answer a ping within {timeout:.0f} s")

    def kill_master(self) -> None:
        os.killpg(self.proc.pid, signal.SIGKILL)  # the master and its pool child, as a machine crash would
        self.proc.wait(10)

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(20)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(10)


@pytest.fixture(scope="module")
def crash_env(django_db_setup, django_db_blocker, tmp_path_factory):
    from django.db import connection

    crash_dir = tmp_path_factory.mktemp("crash")
    model_store = tmp_path_factory.mktemp("models")
    with django_db_blocker.unblock():
        _purge_broker()
        worker = Worker(crash_dir, model_store, connection.settings_dict["NAME"])
    worker.start()
    yield worker
    worker.stop()


@pytest.fixture
def worker(crash_env, transactional_db, settings):
    settings.MODEL_STORE = crash_env.model_store
    for marker in crash_env.crash_dir.iterdir():
        marker.unlink()
    if crash_env.proc.poll() is not None:  # a previous test killed it
        crash_env.start()
    yield crash_env
    crash_env.wait_idle()


def _crash_at(worker: Worker, point: str) -> Path:
    marker = worker.crash_dir / point
    marker.touch()
    return marker


def _wait(predicate, timeout=150, what="condition"):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if predicate():
            return
        time.sleep(0.3)
    raise AssertionError(f"timed out waiting for {what}")


FINAL_MODEL = {"active", "ready", "failed", "archived"}


def _models_settled() -> bool:
    from predictions.models import TrainedModel

    return all(m.status in FINAL_MODEL and not m.activation_pending for m in TrainedModel.objects.all())


def _assert_models_consistent(expect_active_version: int) -> None:
    from predictions import features
    from predictions.models import Prediction, TrainedModel

    models = list(TrainedModel.objects.filter(model_type="retention"))
    assert all(m.status in FINAL_MODEL and not m.activation_pending for m in models), [
        (m.status, m.stage) for m in models
    ]
    assert len({m.version for m in models}) == len(models)  # no duplicated versions
    active = [m for m in models if m.status == "active"]
    assert [m.version for m in active] == [expect_active_version], [(m.version, m.status, m.error) for m in models]
    expected = set(features.retention_scoring_frame().keys["subject_id"])
    scored = list(Prediction.objects.filter(model=active[0]).values_list("technician_id", "as_of"))
    assert {t for t, _ in scored} == expected and len(scored) == len(expected)  # complete, no duplicates
    assert not Prediction.objects.exclude(model=active[0]).exists() or all(
        m.status != "active" for m in models if m.pk != active[0].pk
    )


def _train(version_expected: int):
    from predictions.services import model_train

    m = model_train(model_type="retention", params=FAST_EBM)
    assert m.version == version_expected
    return m


@pytest.mark.parametrize(
    "point",
    [
        "features",
        pytest.param("fit", marks=pytest.mark.slow),
        pytest.param("artifact", marks=pytest.mark.slow),
        "scoring",
        "activation",
    ],
)
def test_first_model_killed_at_each_stage_ends_active_with_complete_scores(worker, point):
    make_world(n=100, months=12)
    marker = _crash_at(worker, point)
    _train(1)
    _wait(lambda: not marker.exists(), what=f"the worker to reach {point}")
    _wait(_models_settled, what="the run to finish")
    _assert_models_consistent(1)


@pytest.mark.slow
def test_promote_killed_while_scoring_the_new_version_switches_only_with_complete_scores(worker):
    from predictions.models import TrainedModel
    from predictions.services import model_promote

    make_world(n=100, months=12)
    _train(1)
    _wait(lambda: TrainedModel.objects.filter(status="active").exists(), what="v1 active")
    v2 = _train(2)
    _wait(lambda: TrainedModel.objects.get(pk=v2.pk).status == "ready", what="v2 ready")
    marker = _crash_at(worker, "scoring")
    model_promote(model=v2)
    _wait(lambda: not marker.exists(), what="the promote's scoring")
    _wait(lambda: TrainedModel.objects.get(pk=v2.pk).status == "active", what="v2 active")
    _assert_models_consistent(2)
    assert TrainedModel.objects.get(version=1).status == "archived"


def _forecasts_settled(run_id) -> bool:
    from forecasts.models import ForecastRun

    return ForecastRun.objects.get(pk=run_id).is_finished


def _assert_one_completed_run_with_points(run_id) -> None:
    from forecasts.models import ForecastPoint, ForecastRun, ForecastSeries

    run = ForecastRun.objects.get(pk=run_id)
    assert run.status == "completed", (run.status, run.error)
    assert set(ForecastPoint.objects.values_list("series__run_id", flat=True)) == {run.pk}
    done = ForecastSeries.objects.filter(run=run, status="done").count()
    assert done == run.series_total == run.series_done
    assert ForecastPoint.objects.count() == done * run.horizon  # each point once


@pytest.mark.parametrize("point", ["chunk", "finalise"])
def test_forecast_run_killed_in_a_chunk_or_while_finalising_completes_once(worker, small_hierarchy, point):  # noqa: F811
    from forecasts.services import forecast_run_start

    marker = _crash_at(worker, point)
    run = forecast_run_start(metric="demand", method="seasonal_naive", horizon=4)
    _wait(lambda: not marker.exists(), what=f"the worker to reach {point}")
    _wait(lambda: _forecasts_settled(run.pk), what="the forecast run to finish")
    _assert_one_completed_run_with_points(run.pk)


@pytest.mark.slow
def test_worker_master_killed_mid_training_the_reaper_requeues_the_run_at_next_start(worker):
    from predictions.models import TrainedModel

    make_world(n=100, months=12)
    m = _train(1)
    _wait(lambda: TrainedModel.objects.get(pk=m.pk).status == "training", what="training to start")
    worker.kill_master()  # message stays 'unacked' in Redis for visibility_timeout (hours)
    assert TrainedModel.objects.get(pk=m.pk).status == "training"
    worker.start()  # worker_ready → reaper: no live task, heartbeat stale → re-queued
    _wait(_models_settled, what="the re-queued run to finish")
    m.refresh_from_db()
    assert m.requeues == 1
    _assert_models_consistent(1)
