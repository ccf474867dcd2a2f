"""Distributed scoring (issue 15): a ScoringRun split into ScoringChunk tasks on the heavy queue, each staged
by COPY, published by one switch; the reaper for lost chunks; pruning of old scores. Re-exported by
predictions.services, the app's one service interface.
"""

import logging
import zlib

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.db.models import Sum
from django.utils import timezone

from core.heartbeat import heartbeat
from predictions import drift, features, partitions, scoring
from predictions.current import after_scores_switched
from predictions.models import (
    ModelType,
    ScoringChunk,
    ScoringRun,
    TrainedModel,
)
from predictions.scoring import (
    load_fitted,
)

log = logging.getLogger(__name__)


# ---------------------------------------------------------------------- scoring (distributed, issue 15)
def predictions_score(*, model_type: str, as_of=None, model: TrainedModel | None = None) -> int:
    """Score every active technician (retention) or open candidate (quality of hire) with the active model
    (or with ``model``: a version about to be activated is scored into its own rows first), here and now.

    Retention runs the same chunks as the nightly distributed scoring, one after the other in this process,
    and ends with the same switch; returns the rows published."""
    model = model or scoring._active(model_type)
    if model is None:
        return 0
    if model_type != ModelType.RETENTION:
        return scoring.candidates_score(model=model, fitted=load_fitted(model))
    run = scoring_run_start(model=model, as_of=as_of, enqueue=False)
    for chunk in run.chunks.order_by("index"):
        scoring_chunk_run(chunk_id=chunk.pk)
    run.refresh_from_db()
    if run.status != ScoringRun.Status.DONE:
        raise RuntimeError(f"scoring run {run.pk} ended {run.status}: {run.error}")
    return run.rows


def scoring_run_start(*, model: TrainedModel, as_of=None, enqueue: bool = True) -> ScoringRun:
    """Plan a scoring run: the technicians split into id ranges of ``PREDICTIONS_SCORING_CHUNK``, one
    ``ScoringChunk`` each, enqueued (``enqueue``) as heavy-queue tasks once this transaction commits.
    A run already going for the same model and date is returned instead (the nightly task is idempotent)."""
    as_of = as_of or features.scoring_as_of()
    ranges = features.technician_ranges(settings.PREDICTIONS_SCORING_CHUNK) or [(None, None)]
    try:
        with transaction.atomic():
            run = ScoringRun.objects.create(model=model, as_of=as_of, chunks_total=len(ranges),
                                            district_medians=features.scoring_medians(as_of))  # fmt: skip
            ScoringChunk.objects.bulk_create(
                [ScoringChunk(run=run, index=i, lo=lo, hi=hi) for i, (lo, hi) in enumerate(ranges)]
            )
            partitions.stage_ensure(model.pk, as_of, partitions.stage_name(run.pk))  # the chunks COPY into it
            if enqueue:
                from core.queueing import enqueue_on_commit

                for chunk in run.chunks.all():
                    enqueue_on_commit("predictions.tasks.score_chunk_task", chunk.pk, on_failure=lambda _r: None)
    except IntegrityError:  # one is running for this model and date: that one finishes the job
        return ScoringRun.objects.get(model=model, as_of=as_of, status=ScoringRun.Status.RUNNING)
    return run


def scoring_chunk_run(*, chunk_id: int) -> bool:
    """One chunk (the Celery task body): score its technicians into the stage and mark it done in one
    transaction, then switch if it was the last. Idempotent: a done chunk is skipped, a re-delivered one
    (its worker killed mid-way) replaces whatever its earlier attempt staged — nothing, as that attempt's
    transaction never committed. Returns whether this call published the run."""
    chunk = ScoringChunk.objects.select_related("run", "run__model").filter(pk=chunk_id).first()
    if chunk is None or chunk.run.status != ScoringRun.Status.RUNNING:
        return False
    key = zlib.crc32(f"scoring-chunk-{chunk.pk}".encode()) & 0x7FFFFFFF
    with connection.cursor() as cur:
        cur.execute("SELECT pg_try_advisory_lock(%s, %s)", [4243, key])
        if not cur.fetchone()[0]:
            return False  # a duplicate delivery is working on it
    try:
        with heartbeat(ScoringChunk, chunk.pk):
            chunk.refresh_from_db()
            if not chunk.done:
                fitted = load_fitted(chunk.run.model)
                scoring.ensure_codebook(chunk.run.model, fitted)  # before the transaction: no queue on the row
                with transaction.atomic():
                    n = scoring.stage_chunk(run=chunk.run, chunk=chunk, fitted=fitted)
                    ScoringChunk.objects.filter(pk=chunk.pk).update(done=True, rows=n, updated_at=timezone.now())
    finally:
        with connection.cursor() as cur:
            cur.execute("SELECT pg_advisory_unlock(%s, %s)", [4243, key])
    return scoring_run_switch(run_id=chunk.run_id)


def scoring_run_switch(*, run_id) -> bool:
    """Publish a run whose chunks are all staged, in one transaction (the switch): replace the day's rows
    of the model by the staged ones, mark the run done, refresh derived read models. Readers never see a
    partial set: before the commit they read the previous scores, after it all of the new ones."""
    fitted = None
    with transaction.atomic():
        run = ScoringRun.objects.select_for_update().select_related("model").filter(pk=run_id).first()
        if run is None or run.status != ScoringRun.Status.RUNNING or run.chunks.filter(done=False).exists():
            return False
        fitted = load_fitted(run.model)
        X, proba = scoring.stage_sample(run=run, fitted=fitted)
        # the stage's indexes and the new ranking first, from the stage (no reader waits for these), then
        # the short part that locks the readers' tables: the ranking's partition swap, the day's attach
        stage = partitions.stage_name(run.pk)
        partitions.stage_prepare(stage)
        after_scores_switched(run.model, run.as_of, source=stage)
        n = scoring.stage_publish(run=run, prepared=True, rows=run.chunks.aggregate(n=Sum("rows"))["n"] or 0)
        ScoringRun.objects.filter(pk=run.pk).update(
            status=ScoringRun.Status.DONE, rows=n, finished_at=timezone.now(), updated_at=timezone.now()
        )
    if len(X):
        drift.drift_record_safely(model=run.model, X=X, proba=proba, as_of=run.as_of)
    return True


def scoring_runs_reap(*, live) -> list[str]:
    """Re-queue chunks of running scoring runs that no live task works on and whose row has not moved
    (heartbeat) for RUN_STALE_SECONDS; after RUN_MAX_REQUEUES the run fails and its stage is cleared
    (the previous scores stay published). A run whose chunks are all done but not switched is switched."""
    from core.queueing import BrokerUnavailable, send
    from core.reaper import gave_up_reason

    actions = []
    for run in ScoringRun.objects.filter(status=ScoringRun.Status.RUNNING):
        pending = list(run.chunks.filter(done=False, updated_at__lt=live.stale_before))
        if not run.chunks.filter(done=False).exists() and run.updated_at < live.stale_before:
            if scoring_run_switch(run_id=run.pk):
                actions.append(f"{run.pk} switched")
            continue
        for chunk in pending:
            if _chunk_live(live, chunk):
                continue
            if chunk.requeues >= live.max_requeues:
                with transaction.atomic():
                    ScoringRun.objects.filter(pk=run.pk, status=ScoringRun.Status.RUNNING).update(
                        status=ScoringRun.Status.FAILED, error=f"chunk {chunk.index}: {gave_up_reason(chunk.requeues)}",
                        finished_at=timezone.now(), updated_at=timezone.now(),
                    )  # fmt: skip
                    partitions.stage_drop(partitions.stage_name(run.pk))
                actions.append(f"{run.pk} failed")
                break
            if not ScoringChunk.objects.filter(pk=chunk.pk, done=False, updated_at=chunk.updated_at).update(
                requeues=chunk.requeues + 1, updated_at=timezone.now()
            ):
                continue  # it moved meanwhile: alive after all
            try:
                send("predictions.tasks.score_chunk_task", chunk.pk)
            except BrokerUnavailable:
                continue  # the next pass retries
            actions.append(f"{run.pk} chunk {chunk.index} requeued")
    return actions


def _chunk_live(live, chunk: ScoringChunk) -> bool:
    # the live blob holds task ids and argument reprs: a chunk task's args are ``(<chunk id>,)``
    return f"[{chunk.pk}]" in live.blob or f"({chunk.pk},)" in live.blob


# ---------------------------------------------------------------------- storage
def predictions_prune(*, today=None) -> int:
    """Bounded storage: keep every scoring of the last ``PREDICTIONS_KEEP_DAILY_DAYS`` days; before that only
    the last scoring of each month (what the trend pages and risk history plot), and nothing older than
    ``PREDICTIONS_KEEP_MONTHLY_MONTHS`` months. Runs per model and date, so each delete is an index range."""
    from datetime import timedelta

    today = today or timezone.localdate()
    daily_from = today - timedelta(days=settings.PREDICTIONS_KEEP_DAILY_DAYS)
    months = settings.PREDICTIONS_KEEP_MONTHLY_MONTHS
    k = today.year * 12 + today.month - 1 - months
    monthly_from = today.replace(year=k // 12, month=k % 12 + 1, day=1)
    deleted = 0
    pairs = partitions.days(before=daily_from)  # a partition per scoring (and the default partition's days)
    keep_month_end: dict = {}
    for model_id, as_of in pairs:
        key = (model_id, as_of.year, as_of.month)
        keep_month_end[key] = max(keep_month_end.get(key, as_of), as_of)
    for model_id, as_of in pairs:
        if as_of >= monthly_from and keep_month_end[(model_id, as_of.year, as_of.month)] == as_of:
            continue
        with transaction.atomic():
            deleted += partitions.drop_day(model_id, as_of)  # DROP of its partition, not a row-by-row delete
    # stages of runs that ended without publishing (failed) or were abandoned long ago; listed before the
    # running runs, so a run started in between keeps its stage
    stages = partitions.stages()
    running = {
        partitions.stage_name(pk)
        for pk in ScoringRun.objects.filter(status=ScoringRun.Status.RUNNING).values_list("pk", flat=True)
    }
    for stage in stages:
        if stage not in running:
            partitions.stage_drop(stage)
    return deleted
