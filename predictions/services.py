"""Writes for predictions: train, promote, archive (the model lifecycle).

Every entry point (admin "Train now", dashboard button, API, ``manage.py train_models``, the beat
schedule, the assistant) goes through these functions. Scoring lives in predictions.scoring and what-if /
program ROI / comparison in predictions.whatif and predictions.programs; all are re-exported here, the app's one service interface.
"""

from __future__ import annotations

import logging
import time
import zlib
from datetime import timedelta

import numpy as np
import pandas as pd
from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.db.models import Max
from django.utils import timezone

from core.audit import audit_record
from core.heartbeat import heartbeat
from core.models import AuditAction
from core.quotas import AlreadyRunning, violates
from predictions import artifacts, bias, candidate_features, ebm, evaluation, features, monitoring
from predictions.current import after_scores_switched  # noqa: F401 - the hook of the scores switch
from predictions.models import (
    Algorithm,
    ModelStatus,
    ModelType,
    TrainedModel,
)
from predictions.programs import (  # noqa: F401
    ProgramInputError,
    program_effect_text,
    program_roi,
    programs_compare,
)
from predictions.scoring import (  # noqa: F401 - re-exported service interface
    band_for,
    decode_values,
    encode_values,
    load_fitted,
    score_frame,
    score_payload,
)
from predictions.scoring_runs import (  # noqa: F401 - distributed scoring, re-exported service interface
    predictions_prune,
    predictions_score,
    scoring_chunk_run,
    scoring_run_start,
    scoring_run_switch,
    scoring_runs_reap,
)
from predictions.whatif import WhatIfError, suggestions, technician_suggestions, what_if  # noqa: F401

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
    exclude_features: list[str] | None = None,
    derived_from: TrainedModel | None = None,
) -> TrainedModel:
    """Create a queued run and enqueue its Celery task after the transaction commits.

    ``exclude_features`` leaves those features out (a bias mitigation; ``derived_from`` names the
    version it is compared with)."""
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
                    excluded_features=sorted(set(exclude_features or [])),
                    derived_from=derived_from,
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

        def failed(reason: str, pk=model.pk) -> None:
            TrainedModel.objects.filter(pk=pk).update(status=ModelStatus.FAILED, stage="failed", error=reason)

        enqueue_on_commit("predictions.tasks.train_model_task", str(model.id), on_failure=failed)
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


DRIFT_REFERENCE_MIN_ROWS = 30
DRIFT_REFERENCE_APPLICANT_DAYS = 365


def drift_reference(model_type: str, fitted: ebm.GlassBoxModel, X_train: pd.DataFrame) -> dict:
    """The distributions drift is measured against: those of the population the version will score.
    Retention trains on the technicians' monthly snapshots and scores the active technicians — the same
    population. Quality of hire trains on *hires* but scores every *open applicant*, who differ from hires by
    the selection itself (hires come from some sources more than others, with higher assessment scores):
    against the training rows every nightly scoring "drifts". Its reference is the applicants of the last
    ``DRIFT_REFERENCE_APPLICANT_DAYS`` days of applications and those still open, whatever became of them
    (the training rows where there are fewer than ``DRIFT_REFERENCE_MIN_ROWS``). ``reference`` says which."""
    if model_type == ModelType.QUALITY_OF_HIRE:
        from technicians.models import Candidate

        last = Candidate.objects.aggregate(last=Max("applied_date"))["last"]
        if last is not None:
            X = candidate_features.candidate_scoring_frame(
                applied_since=last - timedelta(days=DRIFT_REFERENCE_APPLICANT_DAYS)
            ).X
            if len(X) >= DRIFT_REFERENCE_MIN_ROWS:
                prof = monitoring.profile(X[list(X_train.columns)], fitted.categorical, fitted.predict_proba(X))
                return {**prof, "reference": f"applicants of the {DRIFT_REFERENCE_APPLICANT_DAYS} days to {last}"}
    prof = monitoring.profile(X_train, fitted.categorical, fitted.predict_proba(X_train))
    return {**prof, "reference": "training rows"}


def model_run(*, model_id) -> TrainedModel | None:
    """Train one queued run (the Celery task body). Idempotent: finished runs are left alone.

    A PostgreSQL advisory lock on the run id keeps a duplicate delivery from training the same run
    twice at once; it is released automatically when a killed worker's connection drops, so a
    re-delivered task picks the run up again. The row only becomes ``ready`` (with artifact path
    and checksum) in one final transaction — a crash before that leaves no usable half-model.
    """
    model = TrainedModel.objects.filter(pk=model_id).first()
    if model is None or not (model.status in (ModelStatus.QUEUED, ModelStatus.TRAINING) or model.activation_pending):
        return model
    key = _advisory_key(model)
    with connection.cursor() as cur:
        cur.execute("SELECT pg_try_advisory_lock(%s, %s)", [4242, key])
        if not cur.fetchone()[0]:
            log.info("run %s already in progress elsewhere; skipping duplicate delivery", model.run_id)
            return model
    try:
        with heartbeat(TrainedModel, model.pk):
            return _model_run_locked(model)
    finally:
        with connection.cursor() as cur:
            cur.execute("SELECT pg_advisory_unlock(%s, %s)", [4242, key])


def _model_run_locked(model: TrainedModel) -> TrainedModel:
    model.refresh_from_db()
    if model.activation_pending:  # trained already; killed while scoring/activating: resume that
        return _score_and_activate(model)
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
        if model.excluded_features:  # a mitigation run: these features are left out on purpose
            frame.X = frame.X.drop(columns=[c for c in model.excluded_features if c in frame.X.columns])
        progress("splitting train / holdout by time", 15, force=True)
        train_idx, test_idx, window = _time_split(frame)
        X_train, y_train = frame.X.iloc[train_idx], frame.y[train_idx]
        X_test, y_test = frame.X.iloc[test_idx], frame.y[test_idx]
        w = frame.weights  # a sampled frame (above PREDICTIONS_TRAIN_MAX_ROWS): inverse keep rates
        progress("fitting", 20, force=True)
        fitted = ebm.fit(
            X_train,
            y_train,
            categorical=frame.categorical,
            algorithm=model.algorithm,
            params=model.params,
            progress=lambda f: progress("fitting", 20 + 65 * f),
            min_rows=settings.PREDICTIONS_MIN_TRAIN_ROWS,
            sample_weight=None if w is None else w[train_idx],
            # several monthly rows per technician: early stopping must hold out whole people
            groups=_stable_groups(model.model_type, frame.keys["subject_id"].iloc[train_idx]),
        )
        progress("evaluating on holdout", 88, force=True)
        metrics = evaluation.evaluate(
            y_test, fitted.predict_proba(X_test), sample_weight=None if w is None else w[test_idx]
        )
        if w is not None:
            metrics["sampled"] = {"rows": int(len(w)), "represents": float(w.sum()),
                                  "budget": settings.PREDICTIONS_TRAIN_MAX_ROWS}  # fmt: skip
        metrics["train_rows"] = int(len(train_idx))
        metrics["holdout_rows"] = int(len(test_idx))
        metrics["holdout_from"] = window["holdout_from"]
        profile = drift_reference(model.model_type, fitted, X_train)
        progress("bias audit", 91, force=True)
        audit, audited_at = _bias_audit(model, fitted, frame, test_idx, window)
        progress("saving artifact", 95, force=True)
        sha = artifacts.save(fitted, artifact)
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
            bias_audit=audit,
            bias_audited_at=audited_at,
            training_profile=profile,
        )
        # Registration is one statement: the run becomes ``ready`` with its artifact. The first model of
        # a type is then scored into its own rows and only afterwards switched active (model_activate), so
        # no reader ever sees an active model without its scores; later versions wait for HR to promote.
        with transaction.atomic():
            first = not TrainedModel.objects.filter(model_type=model.model_type, status=ModelStatus.ACTIVE).exists()
            fields["stage"] = STAGE_ACTIVATE_FIRST if first else "ready"
            updated = TrainedModel.objects.filter(pk=model.pk, status=ModelStatus.TRAINING).update(
                status=ModelStatus.READY, **fields
            )
    except (ebm.TrainingDataError, ValueError) as exc:
        return _fail(model, str(exc), artifact)
    except Exception as exc:
        _fail(model, f"{type(exc).__name__}: {exc}", artifact)
        raise
    model.refresh_from_db()
    if updated and model.activation_pending:
        return _score_and_activate(model)
    _push(model, {"stage": model.status, "progress": 100, "status": model.status})
    return model


def _bias_audit(model: TrainedModel, fitted, frame: features.Frame, test_idx, window: dict):
    """The version's bias audit (holdout + current population). A failing audit does not fail the run:
    it is recorded, and the promotion gate then asks for a justification (no audit = no clean bill)."""
    holdout = features.Frame(
        frame.X.iloc[test_idx], frame.keys.iloc[test_idx].reset_index(drop=True), frame.categorical, frame.y[test_idx]
    )
    period = f"{window['holdout_from']} to {window['end']:%Y-%m}"
    try:
        return bias.audit_for_fitted(model=model, fitted=fitted, holdout=holdout, period=period), timezone.now()
    except Exception as exc:  # noqa: BLE001 - recorded on the row; the gate treats it as "no audit"
        log.exception("bias audit of %s failed", model.label)
        return {"error": f"{type(exc).__name__}: {exc}"[:500]}, None


# ---------------------------------------------------------------------- activation
STAGE_ACTIVATE_FIRST = "scoring before activation (first model)"
STAGE_ACTIVATE = "scoring before activation (promoted)"


def _score_and_activate(model: TrainedModel) -> TrainedModel:
    """Score every subject with ``model`` into its own rows, then switch it active in one transaction.

    Both steps are idempotent (scoring replaces the day's rows of this model), so a run killed anywhere
    in between is simply done again by the re-delivered or re-queued task.
    """
    replace = model.stage == STAGE_ACTIVATE
    _push(model, {"stage": "scoring", "progress": 99, "status": model.status})
    try:
        predictions_score(model_type=model.model_type, model=model)
    except Exception as exc:
        log.exception("scoring %s before activation failed", model.label)
        TrainedModel.objects.filter(pk=model.pk, stage=model.stage).update(
            stage="ready", error=f"not activated: scoring failed ({type(exc).__name__}: {exc})"[:2000],
            updated_at=timezone.now(),
        )  # fmt: skip
        model.refresh_from_db()
        if not isinstance(exc, artifacts.ArtifactError | ValueError):
            raise
        return model
    model = model_activate(model=model, replace=replace)
    _push(model, {"stage": model.status, "progress": 100, "status": model.status})
    return model


def model_activate(*, model: TrainedModel, replace: bool = True) -> TrainedModel:
    """Switch ``model`` to be the active version of its type, in one transaction (the activation switch).

    Call only once the model's scores are written (``predictions_score(model=…)``): readers follow the
    active model's rows, so they see the old version's complete scores until this commits and the new
    version's complete scores after. ``replace=False`` (the first model of a type) activates only if no
    other version became active meanwhile; otherwise the model just stays ``ready``.
    """
    with transaction.atomic():
        locked = list(TrainedModel.objects.select_for_update().filter(model_type=model.model_type))
        current = next((m for m in locked if m.pk == model.pk), None)
        if current is None:
            raise ModelStateError("model no longer exists")
        if current.status == ModelStatus.ACTIVE:
            return current
        if current.status not in (ModelStatus.READY, ModelStatus.ARCHIVED) or not current.artifact_sha256:
            raise ModelStateError(f"only a ready or archived model can be activated (this one is {current.status})")
        others = [m for m in locked if m.status == ModelStatus.ACTIVE]
        if others and not replace:
            TrainedModel.objects.filter(pk=current.pk).update(stage="ready", updated_at=timezone.now())
            current.refresh_from_db()
            return current
        TrainedModel.objects.filter(pk__in=[m.pk for m in others]).update(
            status=ModelStatus.ARCHIVED, stage="archived", updated_at=timezone.now()
        )
        now = timezone.now()
        TrainedModel.objects.filter(pk=current.pk).update(
            status=ModelStatus.ACTIVE, stage="active", progress=100, activated_at=now, error="", updated_at=now
        )
        after_scores_switched(current)  # the narrow current-score table follows the switch, same transaction
    model.refresh_from_db()
    return model


def _stable_groups(model_type: str, subject_ids: pd.Series) -> np.ndarray:
    """The person of each training row by a business key (employee_id; candidates' ids already are one), so
    the person-level bags — and with them the model — are the same for the same data whatever the random
    primary keys of this database are."""
    ids = subject_ids.astype(str)
    if model_type != ModelType.RETENTION:
        return ids.to_numpy()
    from technicians.selectors import employee_ids_by_pk

    return ids.map(employee_ids_by_pk(ids.unique().tolist())).fillna(ids).to_numpy()


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
    return candidate_features.candidate_training_frame(days=settings.QOH_DAYS)


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


def model_promote(*, model: TrainedModel, enqueue: bool = True, promoted_by=None) -> TrainedModel:
    """Make ``model`` the active version of its type: score it first, then switch (``model_activate``).

    ``enqueue=True`` (pages, API, admin) queues the scoring + switch on the ``interactive`` queue and
    returns at once with the model ``ready`` and stage "scoring before activation"; the previous version
    stays active, with its complete scores, until the switch. ``enqueue=False`` does both here.
    """
    with transaction.atomic():
        current = TrainedModel.objects.select_for_update().filter(pk=model.pk).first()
        if current is None:
            raise ModelStateError("model no longer exists")
        if current.status == ModelStatus.ACTIVE:
            return current
        if current.status not in (ModelStatus.READY, ModelStatus.ARCHIVED) or not current.artifact_sha256:
            raise ModelStateError(f"only a ready or archived model can be promoted (this one is {current.status})")
        audit_record(user=promoted_by, action=AuditAction.PROMOTE, object_type="model", object_id=current.pk,
                     detail={"model_type": current.model_type, "version": current.version})  # fmt: skip
        previous_stage = current.stage
        TrainedModel.objects.filter(pk=current.pk).update(stage=STAGE_ACTIVATE, error="", updated_at=timezone.now())
        if enqueue:
            from core.queueing import enqueue_on_commit

            def failed(reason: str, pk=current.pk) -> None:
                TrainedModel.objects.filter(pk=pk, stage=STAGE_ACTIVATE).update(
                    stage=previous_stage, error=reason, updated_at=timezone.now()
                )

            enqueue_on_commit("predictions.tasks.activate_model_task", str(current.pk), on_failure=failed)
    model.refresh_from_db()
    if not enqueue:
        return model_activation_run(model_id=model.pk)
    return model


def model_activation_run(*, model_id) -> TrainedModel | None:
    """The activation task body: score a promoted model into its own rows, then switch it active."""
    model = TrainedModel.objects.filter(pk=model_id).first()
    if model is None or not model.activation_pending:
        return model
    key = _advisory_key(model)
    with connection.cursor() as cur:
        cur.execute("SELECT pg_try_advisory_lock(%s, %s)", [4242, key])
        if not cur.fetchone()[0]:
            return model
    try:
        with heartbeat(TrainedModel, model.pk):
            model.refresh_from_db()
            return _score_and_activate(model) if model.activation_pending else model
    finally:
        with connection.cursor() as cur:
            cur.execute("SELECT pg_advisory_unlock(%s, %s)", [4242, key])


def model_archive(*, model: TrainedModel) -> TrainedModel:
    """Retire a version. Archiving the active version leaves the type without an active model."""
    if model.status in (ModelStatus.QUEUED, ModelStatus.TRAINING):
        raise ModelStateError("a running training cannot be archived; wait for it to finish")
    TrainedModel.objects.filter(pk=model.pk).update(status=ModelStatus.ARCHIVED)
    model.refresh_from_db()
    return model


# ---------------------------------------------------------------------- reaper
def models_reap(*, live) -> list[str]:
    """Re-queue (or fail, after RUN_MAX_REQUEUES) training and activation runs no live task is working on.

    ``live`` is a core.reaper.Liveness. Training resumes from the start (a half-fitted model is never
    stored); an activation resumes by scoring again and switching.
    """
    from django.db.models import Q

    from core.queueing import BrokerUnavailable, send
    from core.reaper import gave_up_reason, waiting_note

    actions = []
    candidates = TrainedModel.objects.filter(
        Q(status__in=[ModelStatus.QUEUED, ModelStatus.TRAINING])
        | Q(status__in=[ModelStatus.READY, ModelStatus.ARCHIVED], stage__startswith="scoring before activation"),
        updated_at__lt=live.stale_before,
    )
    for model in candidates:
        if live.is_live(model.pk):
            continue
        promoted = model.activation_pending and model.stage == STAGE_ACTIVATE
        if model.requeues >= live.max_requeues:
            reason = gave_up_reason(model.requeues)
            if model.activation_pending:
                TrainedModel.objects.filter(pk=model.pk, stage=model.stage).update(
                    stage="ready", error=f"Not activated. {reason}", updated_at=timezone.now()
                )
            else:
                TrainedModel.objects.filter(pk=model.pk, status=model.status).update(
                    status=ModelStatus.FAILED, stage="failed", error=reason, finished_at=timezone.now()
                )
            actions.append(f"{model.pk} failed")
            continue
        fields = {"requeues": model.requeues + 1, "updated_at": timezone.now()}
        if not model.activation_pending:
            fields["stage"] = waiting_note(model.requeues)[:60]
        if not TrainedModel.objects.filter(pk=model.pk, status=model.status, updated_at=model.updated_at).update(
            **fields
        ):
            continue  # it moved meanwhile: alive after all
        task = "predictions.tasks.activate_model_task" if promoted else "predictions.tasks.train_model_task"
        try:
            send(task, str(model.pk))
        except BrokerUnavailable:
            continue  # the next pass retries
        actions.append(f"{model.pk} requeued")
    return actions
