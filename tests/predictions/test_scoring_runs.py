"""Distributed scoring: chunks stage their rows, one atomic switch publishes them; a chunk killed mid-way
leaves nothing behind, is re-queued by the reaper and finishes the run; readers never see a partial set."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
import redis
from django.conf import settings as dj_settings
from django.db import connection
from django.utils import timezone

from core.reaper import Liveness
from predictions import features, partitions, scoring, scoring_runs, services
from predictions.models import Prediction, ScoringChunk, ScoringRun


def _reaper_view(max_requeues: int = 3) -> Liveness:
    # nothing live, everything stale: what the reaper sees after a worker died
    return Liveness(blob="", stale_before=timezone.now() + timedelta(seconds=5), max_requeues=max_requeues)


def _take_queued_chunk(chunk_id: int) -> bool:
    """Remove (and report) the chunk task the reaper published to the real Redis heavy queue."""
    client = redis.Redis.from_url(dj_settings.CELERY_BROKER_URL)
    try:
        for raw in client.lrange("heavy", 0, -1):
            headers = json.loads(raw).get("headers", {})
            if headers.get("task") == "predictions.tasks.score_chunk_task" and headers.get("argsrepr") in (
                f"[{chunk_id}]",
                f"({chunk_id},)",
            ):
                client.lrem("heavy", 1, raw)
                return True
        return False
    finally:
        client.close()


@pytest.fixture
def run(trained, settings):
    settings.PREDICTIONS_SCORING_CHUNK = 45  # 160 technicians -> 4 chunks
    as_of = features.scoring_as_of() + timedelta(days=1)  # a new scoring date next to the trained one
    return services.scoring_run_start(model=trained, as_of=as_of, enqueue=False)


def _stage_exists(run) -> bool:
    return partitions.stage_name(run.pk) in partitions.stages()


def _published(model, as_of) -> int:
    return Prediction.objects.filter(model=model, as_of=as_of).count()


def test_chunk_killed_mid_copy_is_reaped_and_the_switch_publishes_only_the_complete_set(run, trained, monkeypatch):
    old_as_of = features.scoring_as_of()
    before = _published(trained, old_as_of)
    chunks = list(run.chunks.order_by("index"))
    assert len(chunks) == 4
    for c in chunks[:-1]:
        assert services.scoring_chunk_run(chunk_id=c.pk) is False  # staged, not yet switched
        assert _published(trained, run.as_of) == 0  # nothing visible while chunks are outstanding

    real = scoring.stage_chunk

    def killed(**kw):  # the worker dies after its COPY, before the chunk is marked done
        real(**kw)
        raise SystemExit("worker killed")

    monkeypatch.setattr(scoring, "stage_chunk", killed)
    with pytest.raises(SystemExit):
        services.scoring_chunk_run(chunk_id=chunks[-1].pk)
    monkeypatch.setattr(scoring, "stage_chunk", real)
    last = ScoringChunk.objects.get(pk=chunks[-1].pk)
    assert not last.done
    staged = sum(c.rows for c in ScoringChunk.objects.filter(run=run, done=True))
    assert partitions.stage_rows(partitions.stage_name(run.pk)) == staged > 0  # its COPY rolled back with it
    assert _published(trained, run.as_of) == 0 and _published(trained, old_as_of) == before

    switched = []
    monkeypatch.setattr(scoring_runs, "after_scores_switched",
                        lambda model, as_of, **kw: switched.append((model.pk, as_of, connection.in_atomic_block)))  # fmt: skip
    actions = services.scoring_runs_reap(live=_reaper_view())
    assert actions == [f"{run.pk} chunk {last.index} requeued"]
    assert _take_queued_chunk(last.pk)  # really published to the broker
    assert services.scoring_chunk_run(chunk_id=last.pk) is True  # the re-delivery finishes and switches

    expected = len(features.retention_scoring_frame(as_of=run.as_of).X)
    run.refresh_from_db()
    assert run.status == ScoringRun.Status.DONE and run.rows == expected == _published(trained, run.as_of)
    assert switched == [(trained.pk, run.as_of, True)]  # the hook ran inside the switch's transaction
    assert not _stage_exists(run)  # it became the day's partition
    assert _published(trained, old_as_of) == before
    # re-delivery after the switch is a no-op
    assert services.scoring_chunk_run(chunk_id=chunks[0].pk) is False
    assert _published(trained, run.as_of) == expected


def test_a_chunk_lost_too_often_fails_the_run_and_keeps_the_previous_scores(run, trained):
    old_as_of = features.scoring_as_of()
    before = _published(trained, old_as_of)
    first = run.chunks.order_by("index").first()
    services.scoring_chunk_run(chunk_id=first.pk)
    ScoringChunk.objects.filter(run=run, done=False).update(requeues=3)
    assert services.scoring_runs_reap(live=_reaper_view(max_requeues=3)) == [f"{run.pk} failed"]
    run.refresh_from_db()
    assert run.status == ScoringRun.Status.FAILED and "chunk" in run.error
    assert not _stage_exists(run)
    assert _published(trained, run.as_of) == 0 and _published(trained, old_as_of) == before


def test_synchronous_scoring_runs_the_same_chunks_and_is_idempotent(trained, settings):
    settings.PREDICTIONS_SCORING_CHUNK = 50
    as_of = features.scoring_as_of()
    n1 = services.predictions_score(model_type="retention", as_of=as_of)
    n2 = services.predictions_score(model_type="retention", as_of=as_of)
    assert n1 == n2 == _published(trained, as_of) > 50
    assert ScoringRun.objects.filter(model=trained, status="done").count() >= 2
    p = Prediction.objects.filter(model=trained, as_of=as_of).first()
    assert abs(p.intercept + sum(p.contribution_list()) - p.logit) < 1e-9
