"""Training end to end through a real Celery worker on the real Redis broker, with live progress."""

import time

import pytest
from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer

from predictions.models import ModelStatus, Prediction, TrainedModel
from predictions.services import model_train
from predictions.tasks import train_model_task
from tests.predictions.conftest import FAST_EBM, make_world


def _drain(layer, channel, seconds=1.0):
    events, end = [], time.monotonic() + seconds

    async def receive():
        import asyncio

        while time.monotonic() < end:
            try:
                events.append(await asyncio.wait_for(layer.receive(channel), timeout=0.3))
            except TimeoutError:
                continue

    async_to_sync(receive)()
    return events


@pytest.mark.timeout(300)
def test_training_runs_in_worker_with_progress_and_redelivery_is_idempotent(celery_worker_live, model_store):
    make_world(n=120, months=12)
    layer = get_channel_layer()
    m = model_train(model_type="retention", params=FAST_EBM, enqueue=False)
    channel = async_to_sync(layer.new_channel)()
    async_to_sync(layer.group_add)(m.ws_group, channel)

    result = train_model_task.delay(str(m.id))  # what model_train's on_commit does
    seen = set()
    while not result.ready():
        m.refresh_from_db()
        seen.add((m.stage, m.progress))
        time.sleep(0.1)
    assert result.get(timeout=5) == ModelStatus.ACTIVE
    m.refresh_from_db()
    assert m.status == ModelStatus.ACTIVE, m.error
    assert any(stage == "fitting" and 20 <= pct < 100 for stage, pct in seen), seen  # progress stored on the row
    assert m.progress == 100 and m.artifact_sha256
    events = _drain(layer, channel)
    stages = [e["stage"] for e in events]
    assert "fitting" in stages and stages[-1] in ("active", "ready"), stages
    pcts = [e["progress"] for e in events]
    assert pcts == sorted(pcts) and pcts[-1] == 100
    n_pred = Prediction.objects.count()
    assert n_pred > 0

    # the broker re-delivers the same run: nothing is trained or written twice
    assert train_model_task.delay(str(m.id)).get(timeout=60) == ModelStatus.ACTIVE
    assert TrainedModel.objects.count() == 1 and Prediction.objects.count() == n_pred
