"""Scoring with the active model: bands, exact contributions, bulk COPY of Prediction rows, ad-hoc payloads.

Explanations are computed vectorised for the whole frame (``GlassBoxModel.explain``) and written with one
binary COPY, so scoring 100k technicians takes seconds, not minutes of per-row Python.
"""

from __future__ import annotations

import logging
import struct
from datetime import date
from typing import Any

import numpy as np
import pandas as pd
from django.conf import settings
from django.db import connection, transaction

from predictions import codebook, current, drift, ebm, features
from predictions.explain import contributions_for, explanation_text, fold
from predictions.models import ModelStatus, ModelType, Prediction, TrainedModel
from technicians.visibility import field_visible

log = logging.getLogger(__name__)


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
    model_id, subjects: np.ndarray, as_of: date, scores, bands, logits, intercept, contrib, values, lead=()
) -> bytes:
    """PostgreSQL binary COPY rows built with numpy (no per-row Python): every field is fixed width
    except the band, so rows are written band by band (subject order is kept within each band), each
    band as one structured array whose fields are filled column by column.
    ``lead``: raw values of constant fields written before the usual nine (the staging run id and chunk)."""

    def i4(v: int) -> bytes:
        return int(v).to_bytes(4, "big", signed=True)

    n_all = len(subjects)
    uuids = np.frombuffer(b"".join(u.bytes for u in subjects), dtype="V16") if n_all else np.zeros(0, "V16")
    date_days = (as_of - _PG_EPOCH).days
    contrib = np.asarray(contrib)
    nt, nv, cw = contrib.shape[1], values.shape[1], contrib.dtype.itemsize  # float64, or 1-2 byte codes
    head = (9 + len(lead)).to_bytes(2, "big") + b"".join(i4(len(v)) + v for v in lead) + i4(16) + model_id.bytes
    parts = [b"PGCOPY\n\xff\r\n\x00" + i4(0) + i4(0)]
    for band in np.unique(bands):
        m = bands == band
        b = str(band).encode()
        consts = {
            "c0": head + i4(16),
            "c1": i4(4) + i4(date_days) + i4(8),
            "c2": i4(len(b)) + b + i4(8),
            "c3": i4(8) + struct.pack(">d", float(intercept)) + i4(nt * cw),
            "c4": i4(nv * 8),
        }
        dt = np.dtype([
            ("c0", f"V{len(consts['c0'])}"), ("subject", "V16"), ("c1", f"V{len(consts['c1'])}"), ("score", ">f8"),
            ("c2", f"V{len(consts['c2'])}"), ("logit", ">f8"), ("c3", f"V{len(consts['c3'])}"),
            ("contrib", contrib.dtype.newbyteorder("<"), (nt,)), ("c4", f"V{len(consts['c4'])}"), ("values", "<f8", (nv,)),
        ])  # fmt: skip
        rows = np.empty(int(m.sum()), dtype=dt)
        for name, raw in consts.items():
            rows[name] = np.void(raw)
        rows["subject"], rows["score"], rows["logit"] = uuids[m], scores[m], logits[m]
        rows["contrib"], rows["values"] = contrib[m], values[m]
        parts.append(rows.tobytes())
    parts.append((-1).to_bytes(2, "big", signed=True))
    return b"".join(parts)


def ensure_codebook(model: TrainedModel, fitted: ebm.GlassBoxModel) -> None:
    """Give an EBM version its contribution codebook (predictions.codebook) if it has none yet — computed
    from the verified artifact, so deterministic; written in its own autocommit statement (call outside
    a chunk's transaction: parallel chunks must not queue on the model row)."""
    from predictions.models import ContributionCodebook

    if fitted.algorithm != "ebm" or ContributionCodebook.objects.filter(model_id=model.pk).exists():
        return
    raw = codebook.build(fitted.estimator)
    if raw is not None:  # parallel chunks may race here: same bytes, the first insert wins
        ContributionCodebook.objects.bulk_create(
            [ContributionCodebook(model_id=model.pk, raw=raw)], ignore_conflicts=True
        )


def stored_contributions(model: TrainedModel, exp: ebm.Explanation) -> np.ndarray:
    """What is stored for the explanation: codes into the model's codebook when every contribution is
    found in it exactly, else the float64 contributions themselves."""
    book = codebook.codebook_of(model)
    codes = book.encode(exp.contributions) if book is not None else None
    return exp.contributions if codes is None else codes


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
        exp.logit, exp.intercept, stored_contributions(model, exp), encode_values(fitted, X),
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


def _ordered(frame: features.Frame) -> tuple[pd.DataFrame, pd.DataFrame]:
    # sorted by subject id, so the (model, as_of, subject) index is appended to, not split at random
    order = np.argsort(frame.keys["subject_id"].astype(str).to_numpy(), kind="stable")
    return frame.X.iloc[order].reset_index(drop=True), frame.keys.iloc[order].reset_index(drop=True)


def candidates_score(*, model: TrainedModel, fitted: ebm.GlassBoxModel) -> int:
    """Quality of hire: open candidates (a small population) scored and replaced in one transaction."""
    frame = features.candidate_scoring_frame()
    if frame.X.empty:
        return 0
    X, keys = _ordered(frame)
    ensure_codebook(model, fitted)
    scored = score_frame(fitted, X, model.model_type)
    as_of_values = sorted(set(keys["as_of"]))
    with transaction.atomic():
        # re-scoring the same day replaces that day's rows: the nightly task is idempotent
        Prediction.objects.filter(model=model, as_of__in=as_of_values).delete()
        n = _copy_predictions(model, fitted, X, keys, scored, "candidate")
        current.after_scores_switched(model)  # the active model's new rows are current from this commit on
    # drift monitoring: PSI vs the training data, calibration of closed cohorts (never breaks scoring)
    drift.drift_record_safely(model=model, X=X, proba=scored["proba"], as_of=as_of_values[-1])
    return n


def stage_chunk(*, run, chunk, fitted: ebm.GlassBoxModel) -> int:
    """Score one chunk's technicians and COPY them into the staging table, replacing any rows an earlier,
    killed attempt of the same chunk left (call inside the transaction that marks the chunk done)."""
    from predictions.models import PredictionStage

    PredictionStage.objects.filter(run_id=run.pk, chunk=chunk.index).delete()
    frame = features.retention_scoring_frame(as_of=run.as_of, lo=chunk.lo, hi=chunk.hi, chunked=False)
    if frame.X.empty:
        return 0
    X, keys = _ordered(frame)
    exp = score_frame(fitted, X, ModelType.RETENTION)["explanation"]
    buf = _copy_buffer(
        run.model_id, keys["subject_id"].to_numpy(), run.as_of, exp.proba, np.asarray(band_for(exp.proba)),
        exp.logit, exp.intercept, stored_contributions(run.model, exp), encode_values(fitted, X),
        lead=(run.pk.bytes, int(chunk.index).to_bytes(4, "big", signed=True)),
    )  # fmt: skip
    with (
        connection.cursor() as cur,
        cur.cursor.copy(
            "COPY predictions_predictionstage (run_id, chunk, model_id, technician_id, as_of, score, band, logit, "
            "intercept, contributions, feature_values) FROM STDIN (FORMAT BINARY)"
        ) as copy,
    ):
        copy.write(buf)
    return len(X)


_STAGED = "model_id, technician_id, as_of, score, band, logit, intercept, contributions, feature_values"


def stage_publish(*, run) -> int:
    """The switch's data step (inside its transaction): the day's rows of this model are replaced by the
    staged ones in one statement each, then the stage is cleared. Returns the rows published."""
    with connection.cursor() as cur:
        cur.execute(
            "DELETE FROM predictions_prediction WHERE model_id = %s AND as_of = %s AND technician_id IS NOT NULL",
            [run.model_id, run.as_of],
        )
        cur.execute(
            f"INSERT INTO predictions_prediction ({_STAGED}) SELECT {_STAGED} FROM predictions_predictionstage "  # noqa: S608
            "WHERE run_id = %s ORDER BY technician_id",
            [run.pk],
        )
        n = cur.rowcount
        cur.execute("DELETE FROM predictions_predictionstage WHERE run_id = %s", [run.pk])
    return n


def stage_sample(*, run, fitted: ebm.GlassBoxModel, limit: int = 50_000) -> tuple[pd.DataFrame, np.ndarray]:
    """Inputs and scores of up to ``limit`` staged rows (the drift report's sample of the population)."""
    with connection.cursor() as cur:
        cur.execute(
            "SELECT score, feature_values FROM predictions_predictionstage WHERE run_id = %s LIMIT %s", [run.pk, limit]
        )
        rows = cur.fetchall()
    if not rows:
        return pd.DataFrame(), np.zeros(0)
    values = np.frombuffer(b"".join(bytes(v) for _, v in rows), dtype="<f8").reshape(len(rows), len(fitted.features))
    return decode_values(fitted, values), np.asarray([s for s, _ in rows], dtype=float)


def score_payload(*, user, model_type: str, payload: dict[str, Any]) -> dict[str, Any]:
    """Score an ad-hoc feature payload with the active model (unknown keys are rejected).

    HR-only inputs (pay, performance — the visibility rule) are refused for users who may not see them:
    a recruiter must not probe the model's pay effect through ad-hoc scores."""
    restricted = sorted(k for k in payload if not field_visible(user, str(k)))
    if restricted:
        raise WhatIfError(restricted[0], "is an HR-only input (pay/performance); your role cannot score with it")
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
