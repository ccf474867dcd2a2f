"""Writes for predictions: train, promote, archive (the model lifecycle).

Every entry point (admin "Train now", dashboard button, API, ``manage.py train_models``, the beat
schedule, the assistant) goes through these functions. Scoring lives in predictions.scoring and what-if /
program ROI in predictions.whatif; both are re-exported here, the app's one service interface.
"""

from __future__ import annotations

import logging
import time
import zlib

import numpy as np
import pandas as pd
from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.db.models import Max
from django.utils import timezone

from core.audit import audit_record
from core.models import AuditAction
from core.quotas import AlreadyRunning, violates
from predictions import ebm, features
from predictions.models import Algorithm, ModelStatus, ModelType, TrainedModel
from predictions.scoring import (  # noqa: F401 - re-exported service interface
    band_for,
    decode_values,
    encode_values,
    load_fitted,
    predictions_score,
    score_frame,
    score_payload,
)
from predictions.whatif import WhatIfError, program_roi, suggestions, what_if  # noqa: F401

log = logging.getLogger(__name__)


class ModelStateError(ValueError):
    """The model cannot make this transition (e.g. promoting a failed run)."""


# ---------------------------------------------------------------------- training
def model_train(
    *,
    model_type: str,
    requested_by=None,
    algorithm: str = Algorithm.EBM,
    params: dict | None = None,
    enqueue: bool = True,
) -> TrainedModel:
    """Create a queued run and enqueue its Celery task after the transaction commits."""
    if model_type not in ModelType.values:
        raise ValueError(f"model_type must be one of {', '.join(ModelType.values)} (got {model_type!r})")
    if algorithm not in Algorithm.values:
        raise ValueError(f"algorithm must be one of {', '.join(Algorithm.values)} (got {algorithm!r})")
    params = dict(params or {})
    allowed = ebm.EBM_PARAM_NAMES if algorithm == Algorithm.EBM else ebm.TREE_PARAM_NAMES
    bad = sorted(set(params) - allowed)
    if bad:
        raise ValueError(f"unknown {algorithm} parameter(s): {', '.join(bad)}")
    requested_by = requested_by if getattr(requested_by, "pk", None) else None
    for _ in range(5):
        try:
            with transaction.atomic():
                version = (TrainedModel.objects.filter(model_type=model_type).aggregate(v=Max("version"))["v"] or 0) + 1
                model = TrainedModel.objects.create(
                    model_type=model_type,
                    algorithm=algorithm,
                    version=version,
                    params=params,
                    requested_by=requested_by,
                )
                audit_record(user=requested_by, action=AuditAction.TRAIN, object_type="model", object_id=model.pk,
                             detail={"model_type": model_type, "version": version, "algorithm": algorithm})  # fmt: skip
            break
        except IntegrityError as exc:  # two runs created at once: take the next version
            if violates(exc, "trainedmodel_one_running_per_type"):
                running = TrainedModel.objects.filter(
                    model_type=model_type, status__in=[ModelStatus.QUEUED, ModelStatus.TRAINING]
                ).first()
                raise AlreadyRunning(f"{model_type} training", running.pk if running else None) from exc
            continue
    else:
        raise RuntimeError("could not allocate a model version")
    if enqueue:
        from core.queueing import enqueue_on_commit
        from predictions.tasks import train_model_task

        def failed(reason: str, pk=model.pk) -> None:
            TrainedModel.objects.filter(pk=pk).update(status=ModelStatus.FAILED, stage="failed", error=reason)

        enqueue_on_commit(train_model_task, str(model.id), on_failure=failed)
    return model


class _Progress:
    """Stage + percent on the row and over Channels, throttled so boosting steps don't flood the DB."""

    def __init__(self, model: TrainedModel):
        self.model = model
        self.last = (None, -1, 0.0)

    def __call__(self, stage: str, pct: float, *, force: bool = False) -> None:
        pct = int(max(0, min(100, pct)))
        last_stage, last_pct, last_t = self.last
        now = time.monotonic()
        if not force and stage == last_stage and (pct - last_pct < 2 or now - last_t < 0.5):
            return
        self.last = (stage, pct, now)
        TrainedModel.objects.filter(pk=self.model.pk).update(stage=stage[:60], progress=pct, updated_at=timezone.now())
        _push(self.model, {"stage": stage, "progress": pct, "status": ModelStatus.TRAINING})


def _push(model: TrainedModel, event: dict) -> None:
    try:
        from asgiref.sync import async_to_sync
        from channels.layers import get_channel_layer

        layer = get_channel_layer()
        if layer is not None:
            async_to_sync(layer.group_send)(model.ws_group, {"type": "progress", "model_id": str(model.id), **event})
    except Exception as exc:  # noqa: BLE001 - live updates are best effort; the row has the truth
        log.warning("progress push failed: %s", exc)


def _advisory_key(model: TrainedModel) -> int:
    return zlib.crc32(model.run_id.bytes) & 0x7FFFFFFF


def model_run(*, model_id) -> TrainedModel | None:
    """Train one queued run (the Celery task body). Idempotent: finished runs are left alone.

    A PostgreSQL advisory lock on the run id keeps a duplicate delivery from training the same run
    twice at once; it is released automatically when a killed worker's connection drops, so a
    re-delivered task picks the run up again. The row only becomes ``ready`` (with artifact path
    and checksum) in one final transaction — a crash before that leaves no usable half-model.
    """
    model = TrainedModel.objects.filter(pk=model_id).first()
    if model is None or model.status not in (ModelStatus.QUEUED, ModelStatus.TRAINING):
        return model
    key = _advisory_key(model)
    with connection.cursor() as cur:
        cur.execute("SELECT pg_try_advisory_lock(%s, %s)", [4242, key])
        if not cur.fetchone()[0]:
            log.info("run %s already in progress elsewhere; skipping duplicate delivery", model.run_id)
            return model
    try:
        return _model_run_locked(model)
    finally:
        with connection.cursor() as cur:
            cur.execute("SELECT pg_advisory_unlock(%s, %s)", [4242, key])


def _model_run_locked(model: TrainedModel) -> TrainedModel:
    model.refresh_from_db()
    if model.status not in (ModelStatus.QUEUED, ModelStatus.TRAINING):
        return model
    TrainedModel.objects.filter(pk=model.pk).update(
        status=ModelStatus.TRAINING, started_at=timezone.now(), error="", stage="starting", progress=1
    )
    model.status = ModelStatus.TRAINING
    progress = _Progress(model)
    artifact = model.artifact_file
    try:
        progress("building features", 5, force=True)
        frame = _training_frame(model.model_type)
        progress("splitting train / holdout by time", 15, force=True)
        train_idx, test_idx, window = _time_split(frame)
        X_train, y_train = frame.X.iloc[train_idx], frame.y[train_idx]
        X_test, y_test = frame.X.iloc[test_idx], frame.y[test_idx]
        progress("fitting", 20, force=True)
        fitted = ebm.fit(
            X_train,
            y_train,
            categorical=frame.categorical,
            algorithm=model.algorithm,
            params=model.params,
            progress=lambda f: progress("fitting", 20 + 65 * f),
            min_rows=settings.PREDICTIONS_MIN_TRAIN_ROWS,
        )
        progress("evaluating on holdout", 88, force=True)
        metrics = ebm.evaluate(y_test, fitted.predict_proba(X_test))
        metrics["train_rows"] = int(len(train_idx))
        metrics["holdout_rows"] = int(len(test_idx))
        metrics["holdout_from"] = window["holdout_from"]
        progress("saving artifact", 95, force=True)
        sha = ebm.save(fitted, artifact)
        fields = dict(
            stage="ready",
            progress=100,
            features=fitted.features,
            terms=fitted.terms,
            params={**fitted.params, "categorical": fitted.categorical, "levels": fitted.levels},
            metrics=metrics,
            importances=fitted.importances(),
            shapes=fitted.shapes,
            window_start=window["start"],
            window_end=window["end"],
            artifact_path=str(artifact),
            artifact_sha256=sha,
            finished_at=timezone.now(),
        )
        # Registration is one statement: the first model of a type becomes active at once (the
        # partial unique index settles a race between two first runs), later ones wait for HR.
        try:
            with transaction.atomic():
                first = not TrainedModel.objects.filter(model_type=model.model_type, status=ModelStatus.ACTIVE).exists()
                status = ModelStatus.ACTIVE if first else ModelStatus.READY
                extra = {"activated_at": timezone.now()} if first else {}
                updated = TrainedModel.objects.filter(pk=model.pk, status=ModelStatus.TRAINING).update(
                    status=status, **fields, **extra
                )
        except IntegrityError:
            with transaction.atomic():
                updated = TrainedModel.objects.filter(pk=model.pk, status=ModelStatus.TRAINING).update(
                    status=ModelStatus.READY, **fields
                )
    except (ebm.TrainingDataError, ValueError) as exc:
        return _fail(model, str(exc), artifact)
    except Exception as exc:
        _fail(model, f"{type(exc).__name__}: {exc}", artifact)
        raise
    model.refresh_from_db()
    if not updated:
        return model
    if model.status == ModelStatus.ACTIVE:
        _push(model, {"stage": "scoring", "progress": 99, "status": ModelStatus.TRAINING})
        try:
            predictions_score(model_type=model.model_type)
        except Exception:  # the model is registered; the nightly scoring run will retry
            log.exception("scoring after training %s failed", model.label)
    _push(model, {"stage": model.status, "progress": 100, "status": model.status})
    return model


def _fail(model: TrainedModel, reason: str, artifact) -> TrainedModel:
    try:
        artifact.unlink(missing_ok=True)
    except OSError:
        pass
    TrainedModel.objects.filter(pk=model.pk).update(
        status=ModelStatus.FAILED, stage="failed", error=reason[:2000], finished_at=timezone.now()
    )
    _push(model, {"stage": "failed", "progress": 100, "status": ModelStatus.FAILED, "error": reason[:500]})
    model.refresh_from_db()
    return model


def _training_frame(model_type: str) -> features.Frame:
    if model_type == ModelType.RETENTION:
        return features.retention_training_frame(horizon_days=settings.RETENTION_HORIZON_DAYS)
    return features.candidate_training_frame(days=settings.QOH_DAYS)


def _time_split(frame: features.Frame) -> tuple[np.ndarray, np.ndarray, dict]:
    """Hold out the most recent ~20% of as-of dates (at least one month); never a random split."""
    if frame.X.empty:
        raise ebm.TrainingDataError("no labelled rows: import technicians with monthly snapshots first")
    as_of = pd.to_datetime(frame.keys["as_of"]).dt.to_period("M")
    months = np.sort(as_of.unique())
    n_hold = max(1, int(round(len(months) * settings.PREDICTIONS_HOLDOUT_FRACTION)))
    if len(months) < 2:
        raise ebm.TrainingDataError(f"too few distinct months for a time-based holdout ({len(months)})")
    n_hold = min(n_hold, len(months) - 1)
    cut = months[-n_hold]
    test = (as_of >= cut).to_numpy()
    window = {
        "start": pd.Period(months[0]).start_time.date(),
        "end": pd.Period(months[-1]).end_time.date(),
        "holdout_from": str(pd.Period(cut)),
    }
    return np.where(~test)[0], np.where(test)[0], window


def model_promote(*, model: TrainedModel, rescore: bool = True, promoted_by=None) -> TrainedModel:
    """Make ``model`` the active version of its type (archiving the previous one) and rescore."""
    with transaction.atomic():
        locked = list(TrainedModel.objects.select_for_update().filter(model_type=model.model_type))
        current = next((m for m in locked if m.pk == model.pk), None)
        if current is None:
            raise ModelStateError("model no longer exists")
        if current.status == ModelStatus.ACTIVE:
            return current
        if current.status not in (ModelStatus.READY, ModelStatus.ARCHIVED) or not current.artifact_sha256:
            raise ModelStateError(f"only a ready or archived model can be promoted (this one is {current.status})")
        TrainedModel.objects.filter(model_type=model.model_type, status=ModelStatus.ACTIVE).update(
            status=ModelStatus.ARCHIVED
        )
        current.status = ModelStatus.ACTIVE
        current.activated_at = timezone.now()
        current.save(update_fields=["status", "activated_at", "updated_at"])
        audit_record(user=promoted_by, action=AuditAction.PROMOTE, object_type="model", object_id=current.pk,
                     detail={"model_type": current.model_type, "version": current.version})  # fmt: skip
        if rescore:
            from core.queueing import enqueue_on_commit
            from predictions.tasks import score_model_type_task

            enqueue_on_commit(score_model_type_task, model.model_type)
    model.refresh_from_db()
    return model


def model_archive(*, model: TrainedModel) -> TrainedModel:
    """Retire a version. Archiving the active version leaves the type without an active model."""
    if model.status in (ModelStatus.QUEUED, ModelStatus.TRAINING):
        raise ModelStateError("a running training cannot be archived; wait for it to finish")
    TrainedModel.objects.filter(pk=model.pk).update(status=ModelStatus.ARCHIVED)
    model.refresh_from_db()
    return model
