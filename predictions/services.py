"""Writes for predictions: train, promote, archive, score; plus what-if and program ROI.

Every entry point (admin "Train now", dashboard button, API, ``manage.py train_models``, the beat
schedule, the assistant) goes through these functions.
"""

from __future__ import annotations

import logging
import struct
import time
import zlib
from datetime import date
from typing import Any

import numpy as np
import pandas as pd
from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.db.models import Max
from django.utils import timezone

from predictions import ebm, features
from predictions.explain import contributions_for, explanation_text, fold
from predictions.models import Algorithm, ModelStatus, ModelType, Prediction, RetentionProgram, TrainedModel
from technicians.visibility import field_visible

log = logging.getLogger(__name__)


class ModelStateError(ValueError):
    """The model cannot make this transition (e.g. promoting a failed run)."""


class WhatIfError(ValueError):
    """A what-if change is not allowed or out of range; ``field`` names the offending key."""

    def __init__(self, field: str, message: str):
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


# ---------------------------------------------------------------------- bands
def band_for(score: float | np.ndarray, model_type: str = ModelType.RETENTION):
    """Retention: high/medium/low risk. Quality of hire: high/medium/low likelihood of staying."""
    if model_type == ModelType.RETENTION:
        hi, med = settings.RISK_BAND_HIGH, settings.RISK_BAND_MEDIUM
    else:
        hi, med = settings.QOH_BAND_HIGH, settings.QOH_BAND_MEDIUM
    s = np.asarray(score, dtype=float)
    bands = np.where(s >= hi, "high", np.where(s >= med, "medium", "low"))
    return str(bands) if bands.ndim == 0 else bands


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
            break
        except IntegrityError:  # two runs created at once: take the next version
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


def model_promote(*, model: TrainedModel, rescore: bool = True) -> TrainedModel:
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


def load_fitted(model: TrainedModel) -> ebm.GlassBoxModel:
    """The artifact, verified against the recorded SHA-256 (raises ebm.ArtifactError if tampered)."""
    if not model.artifact_sha256:
        raise ebm.ArtifactError(f"{model.label} has no artifact (status {model.status})")
    return ebm.load(model.artifact_path or model.artifact_file, model.artifact_sha256)


# ---------------------------------------------------------------------- scoring
def _active(model_type: str) -> TrainedModel | None:
    return TrainedModel.objects.filter(model_type=model_type, status=ModelStatus.ACTIVE).first()


def score_frame(fitted: ebm.GlassBoxModel, X: pd.DataFrame, model_type: str) -> dict[str, Any]:
    """Vectorised scores, bands and exact contributions for a whole frame."""
    exp = fitted.explain(X)
    return {"explanation": exp, "proba": exp.proba, "bands": band_for(exp.proba, model_type)}


def encode_values(fitted: ebm.GlassBoxModel, X: pd.DataFrame) -> np.ndarray:
    """Model inputs as one float64 matrix: numbers as-is, categories as their training level index."""
    Xp = fitted.prepare(X)
    out = np.empty((len(Xp), len(fitted.features)), dtype="<f8")
    for j, f in enumerate(fitted.features):
        if f in fitted.categorical:
            index = {level: i for i, level in enumerate(fitted.levels.get(f, []))}
            out[:, j] = Xp[f].map(index).to_numpy(dtype="f8", na_value=np.nan)
        else:
            out[:, j] = Xp[f].to_numpy(dtype="f8", na_value=np.nan)
    return out


def decode_values(fitted: ebm.GlassBoxModel, values: np.ndarray) -> pd.DataFrame:
    from predictions.models import UNSEEN_LEVEL

    X = pd.DataFrame(values, columns=fitted.features)
    for f in fitted.categorical:
        levels = np.asarray([*fitted.levels.get(f, []), UNSEEN_LEVEL], dtype=object)
        idx = X[f].to_numpy()
        X[f] = levels[np.where(np.isnan(idx), len(levels) - 1, idx).astype(int)]
    return X


_PG_EPOCH = date(2000, 1, 1)


def _copy_buffer(
    model_id, subjects: np.ndarray, as_of: date, scores, bands, logits, intercept, contrib, values
) -> bytes:
    """PostgreSQL binary COPY rows built with numpy (no per-row Python): every field is fixed width
    except the band, so rows are written band by band (subject order is kept within each band)."""

    def i4(v: int) -> bytes:
        return int(v).to_bytes(4, "big", signed=True)

    def col(a: np.ndarray) -> np.ndarray:
        return np.ascontiguousarray(a).view(np.uint8).reshape(len(a), -1)

    uuid_bytes = np.frombuffer(b"".join(u.bytes for u in subjects), dtype=np.uint8).reshape(len(subjects), 16)
    date_days = (as_of - _PG_EPOCH).days
    c_bytes, v_bytes = contrib.shape[1] * 8, values.shape[1] * 8
    parts = [b"PGCOPY\n\xff\r\n\x00" + i4(0) + i4(0)]
    for band in np.unique(bands):
        m = bands == band
        n = int(m.sum())
        b = str(band).encode()

        def const(raw: bytes, n=n) -> np.ndarray:
            return np.broadcast_to(np.frombuffer(raw, dtype=np.uint8), (n, len(raw)))

        rows = np.concatenate([
            const((9).to_bytes(2, "big") + i4(16) + model_id.bytes + i4(16)), uuid_bytes[m],
            const(i4(4) + i4(date_days) + i4(8)), col(scores[m].astype(">f8")),
            const(i4(len(b)) + b + i4(8)), col(logits[m].astype(">f8")),
            const(i4(8) + struct.pack(">d", float(intercept)) + i4(c_bytes)), col(contrib[m].astype("<f8")),
            const(i4(v_bytes)), col(values[m].astype("<f8")),
        ], axis=1)  # fmt: skip
        parts.append(rows.tobytes())
    parts.append((-1).to_bytes(2, "big", signed=True))
    return b"".join(parts)


def _copy_predictions(
    model: TrainedModel, fitted: ebm.GlassBoxModel, X: pd.DataFrame, keys: pd.DataFrame, scored: dict, subject: str
) -> int:
    """Bulk-write with one binary PostgreSQL COPY."""
    exp = scored["explanation"]
    as_ofs = set(keys["as_of"])
    if len(as_ofs) != 1:
        raise ValueError("one scoring batch has one as-of date")
    buf = _copy_buffer(
        model.pk, keys["subject_id"].to_numpy(), next(iter(as_ofs)), exp.proba, np.asarray(scored["bands"]),
        exp.logit, exp.intercept, exp.contributions, encode_values(fitted, X),
    )  # fmt: skip
    column = "technician_id" if subject == "technician" else "candidate_id"
    with (
        connection.cursor() as cur,
        cur.cursor.copy(
            f"COPY predictions_prediction (model_id, {column}, as_of, score, band, logit, intercept, "  # noqa: S608
            "contributions, feature_values) FROM STDIN (FORMAT BINARY)"
        ) as copy,
    ):
        copy.write(buf)
    return len(X)


def predictions_score(*, model_type: str, as_of: date | None = None) -> int:
    """Score every active technician (retention) or open candidate (quality of hire) with the active model."""
    model = _active(model_type)
    if model is None:
        return 0
    fitted = load_fitted(model)
    if model_type == ModelType.RETENTION:
        frame = features.retention_scoring_frame(as_of=as_of)
        subject = "technician"
    else:
        frame = features.candidate_scoring_frame()
        subject = "candidate"
    if frame.X.empty:
        return 0
    # sorted by subject id, so the (model, as_of, subject) index is appended to, not split at random
    order = np.argsort(frame.keys["subject_id"].astype(str).to_numpy(), kind="stable")
    X, keys = frame.X.iloc[order].reset_index(drop=True), frame.keys.iloc[order].reset_index(drop=True)
    scored = score_frame(fitted, X, model_type)
    with transaction.atomic():
        # re-scoring the same day replaces that day's rows: the nightly task is idempotent
        as_of_values = sorted(set(frame.keys["as_of"]))
        Prediction.objects.filter(model=model, as_of__in=as_of_values).delete()
        return _copy_predictions(model, fitted, X, keys, scored, subject)


def score_payload(*, user, model_type: str, payload: dict[str, Any]) -> dict[str, Any]:
    """Score an ad-hoc feature payload with the active model (unknown keys are rejected)."""
    model = _active(model_type)
    if model is None:
        from predictions.selectors import NoModelError

        raise NoModelError()
    fitted = load_fitted(model)
    unknown = sorted(set(payload) - set(fitted.features))
    if unknown:
        raise WhatIfError(unknown[0], f"not a feature of {model.label} (features: {', '.join(fitted.features)})")
    for k, v in payload.items():
        if k in fitted.categorical:
            if not isinstance(v, str | type(None)):
                raise WhatIfError(k, "must be a string")
        elif v is not None and (isinstance(v, bool) or not isinstance(v, int | float)):
            raise WhatIfError(k, "must be a number")
    X = pd.DataFrame([{f: payload.get(f) for f in fitted.features}])
    scored = score_frame(fitted, X, model_type)
    exp = scored["explanation"]
    contribs = fold(
        user, contributions_for(exp.terms, exp.contributions[0].tolist(), fitted.features, X.iloc[0].tolist())
    )
    return {
        "model_version": model.version,
        "score": float(exp.proba[0]),
        "band": str(scored["bands"][0]),
        "intercept": exp.intercept,
        "logit": float(exp.logit[0]),
        "contributions": contribs,
        "explanation": explanation_text(contribs, model_type=model_type),
    }


# ---------------------------------------------------------------------- what-if
def _validate_changes(user, changes: Any, fitted: ebm.GlassBoxModel) -> dict[str, Any]:
    if not isinstance(changes, dict) or not changes:
        raise WhatIfError("changes", "give at least one feature to change")
    clean: dict[str, Any] = {}
    for feat, val in changes.items():
        if feat not in features.ACTIONABLE:
            raise WhatIfError(feat, f"not an actionable feature (use {', '.join(features.ACTIONABLE)})")
        if not field_visible(user, feat):
            raise WhatIfError(feat, "you are not permitted to change this feature")
        spec = features.ACTIONABLE[feat]
        if feat == "schedule_type":
            if val not in spec:
                raise WhatIfError(feat, f"must be one of {', '.join(spec)}")
            clean[feat] = val
            continue
        if isinstance(val, str):
            try:
                val = float(val.strip())
            except ValueError:
                raise WhatIfError(feat, "must be a number") from None
        if isinstance(val, bool) or not isinstance(val, int | float) or not np.isfinite(val):
            raise WhatIfError(feat, "must be a number")
        lo, hi = spec
        if not lo <= val <= hi:
            raise WhatIfError(feat, f"must be between {lo:g} and {hi:g} (got {val:g})")
        clean[feat] = float(val)
    return clean


def _prediction_frame(fitted: ebm.GlassBoxModel, preds: list[Prediction]) -> pd.DataFrame:
    """The stored model inputs of many predictions as one frame (vectorised decode of the bytes)."""
    raw = b"".join(bytes(p.feature_values) for p in preds)
    values = np.frombuffer(raw, dtype="<f8").reshape(len(preds), len(fitted.features))
    return decode_values(fitted, values)


def what_if(*, user, employee_id: str, changes: dict[str, Any]) -> dict[str, Any]:
    """Rescore one technician with changed actionable features; suggest smallest single changes."""
    from predictions.selectors import latest_prediction_for_technician

    model, pred = latest_prediction_for_technician(user=user, employee_id=employee_id)
    fitted = load_fitted(model)
    clean = _validate_changes(user, changes, fitted)
    X = _prediction_frame(fitted, [pred])
    X_after = features.apply_changes(X, clean)
    exp = fitted.explain(X_after)
    after = float(exp.proba[0])
    contribs = fold(
        user,
        contributions_for(
            exp.terms, exp.contributions[0].tolist(), fitted.features, fitted.prepare(X_after).iloc[0].tolist()
        ),
    )
    return {
        "employee_id": employee_id,
        "changes": clean,
        "before": {"score": pred.score, "band": pred.band},
        "after": {"score": after, "band": str(band_for(after)), "contributions": contribs,
                  "explanation": explanation_text(contribs)},
        "delta": after - pred.score,
        "suggestions": suggestions(user=user, fitted=fitted, X=X_after),
    }  # fmt: skip


def suggestions(*, user, fitted: ebm.GlassBoxModel, X: pd.DataFrame) -> list[dict[str, Any]]:
    """Smallest single-feature change (per actionable feature) that brings the score below the high band.

    All candidate values for all features are scored in one vectorised call.
    """
    threshold = settings.RISK_BAND_HIGH
    base = float(fitted.predict_proba(X)[0])
    if base < threshold:
        return []
    row = X.iloc[0]
    candidates, meta = [], []
    for feat, spec in features.ACTIONABLE.items():
        if feat not in fitted.features or not field_visible(user, feat):
            continue
        current = row[feat]
        if feat == "schedule_type":
            grid = [s for s in spec if s != current]
        else:
            lo, hi = spec
            cur = float(current) if pd.notna(current) else (lo + hi) / 2
            steps = np.linspace(0, hi - lo, 41)[1:]
            grid = sorted(
                {round(v, 2) for v in np.concatenate([cur - steps, cur + steps]) if lo <= v <= hi},
                key=lambda v: abs(v - cur),
            )
        for v in grid:
            candidates.append(features.apply_changes(X, {feat: v}))
            meta.append((feat, current, v))
    if not candidates:
        return []
    scores = fitted.predict_proba(pd.concat(candidates, ignore_index=True))
    best: dict[str, dict] = {}
    for (feat, current, v), s in zip(meta, scores, strict=True):
        if s < threshold and feat not in best:  # grid is ordered by distance from the current value
            best[feat] = {"feature": feat, "label": features.label_for(feat), "from": None if pd.isna(current) else current,
                          "to": v, "score": float(s), "band": str(band_for(s))}  # fmt: skip
    return sorted(best.values(), key=lambda d: d["score"])


# ---------------------------------------------------------------------- programs & ROI
def program_roi(
    *,
    user,
    program_id,
    region: str | None = None,
    district: str | None = None,
    trade: str | None = None,
    band: str | None = None,
) -> dict[str, Any]:
    """Expected departures avoided by a program for a cohort, × replacement cost, minus program cost."""
    from predictions.selectors import NoModelError, cohort_predictions, program_get

    program: RetentionProgram = program_get(program_id=program_id)
    model = _active(ModelType.RETENTION)
    if model is None:
        raise NoModelError()
    fitted = load_fitted(model)
    preds = cohort_predictions(model=model, region=region, district=district, trade=trade, band=band)
    n = len(preds)
    before = float(sum(p.score for p in preds))
    after = before
    if n:
        X = _prediction_frame(fitted, preds)
        after = float(fitted.predict_proba(features.apply_changes(X, program.change)).sum())
    avoided = before - after
    cost_each = settings.REPLACEMENT_COST
    savings = avoided * cost_each
    program_cost = float(program.cost_per_technician) * n
    net = savings - program_cost
    return {
        "program": {"id": program.pk, "name": program.name, "description": program.description,
                    "cost_per_technician": float(program.cost_per_technician), "change": program.change},
        "cohort": {"region": region, "district": district, "trade": trade, "band": band},
        "cohort_size": n,
        "model_version": model.version,
        "expected_departures_before": before,
        "expected_departures_after": after,
        "departures_avoided": avoided,
        "replacement_cost_per_departure": cost_each,
        "savings": savings,
        "program_cost": program_cost,
        "net_benefit": net,
        "roi": (net / program_cost) if program_cost else None,
    }  # fmt: skip
