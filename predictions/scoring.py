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

from predictions import artifacts, candidate_features, codebook, current, drift, ebm, features, partitions
from predictions.explain import contributions_for, explanation_text, fold
from predictions.models import ModelStatus, ModelType, TrainedModel
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
    """The artifact, verified against the recorded SHA-256 (raises artifacts.ArtifactError if tampered)."""
    if not model.artifact_sha256:
        raise artifacts.ArtifactError(f"{model.label} has no artifact (status {model.status})")
    return artifacts.load(model.artifact_path or model.artifact_file, model.artifact_sha256)


# ---------------------------------------------------------------------- scoring
def _active(model_type: str) -> TrainedModel | None:
    return TrainedModel.objects.filter(model_type=model_type, status=ModelStatus.ACTIVE).first()


def score_frame(fitted: ebm.GlassBoxModel, X: pd.DataFrame, model_type: str) -> dict[str, Any]:
    """Vectorised scores, bands and exact contributions for a whole frame."""
    exp = fitted.explain(X)
    return {"explanation": exp, "proba": exp.proba, "bands": band_for(exp.proba, model_type)}


def encode_values(fitted: ebm.GlassBoxModel, X: pd.DataFrame, *, prepared: bool = False) -> np.ndarray:
    """Model inputs as one float64 matrix: numbers as-is, categories as their training level index
    (``prepared``: ``X`` is already ``fitted.prepare(X)``)."""
    Xp = X if prepared else fitted.prepare(X)
    out = np.empty((len(Xp), len(fitted.features)), dtype="<f8")
    for j, f in enumerate(fitted.features):
        if f in fitted.categorical:
            # one hash pass over the column (factorize), then a lookup per distinct value, not per row
            index = {level: i for i, level in enumerate(fitted.levels.get(f, []))}
            codes, uniques = pd.factorize(Xp[f])  # on the column itself: no object array of its strings
            level_of = np.asarray([index.get(u, np.nan) for u in uniques], dtype="f8")
            out[:, j] = level_of[codes] if len(uniques) else np.nan
        else:
            out[:, j] = Xp[f].to_numpy(dtype="f8", na_value=np.nan)
    return out


_CODE_MAPS: dict = {}  # model pk → the codebook's code maps for its estimator (None: not applicable)


def _coder(model: TrainedModel, fitted: ebm.GlassBoxModel):
    """(codebook, its code maps for the estimator) of an EBM version, or (codebook or None, None)."""
    book = model.codebook() if fitted.algorithm == "ebm" else None
    if book is None:
        return None, None
    if model.pk not in _CODE_MAPS:
        if len(_CODE_MAPS) > 32:
            _CODE_MAPS.clear()
        _CODE_MAPS[model.pk] = book.code_maps(fitted.estimator)
    return book, _CODE_MAPS[model.pk]


def explain_stored(model: TrainedModel, fitted: ebm.GlassBoxModel, X: pd.DataFrame, coder=None):
    """What a scoring stores, in one pass over the frame: (explanation, stored contributions — codes into
    the model's codebook, or float64 —, input values); where codes are stored the explanation carries the
    logit only (its ``contributions`` is None: the codes are what is kept). For an EBM with a codebook the codes come from the
    same bin indices as the contributions (``GlassBoxModel.explain_coded``) instead of searching every
    contribution in the codebook afterwards; the frame is prepared once for both. ``coder``: ``_coder``'s
    answer fetched beforehand (no query here then: the connection may be in the middle of a COPY)."""
    Xp = fitted.prepare(X)
    book, maps = coder if coder is not None else _coder(model, fitted)
    out = fitted.explain_coded(Xp, maps, book.row, contributions=False) if maps is not None else None
    if out is not None:
        exp, codes = out
        return exp, codes.view(np.uint8).reshape(len(codes), book.width), encode_values(fitted, Xp, prepared=True)
    exp = fitted.explain(Xp)
    codes = book.encode(exp.contributions) if book is not None else None
    return exp, exp.contributions if codes is None else codes, encode_values(fitted, Xp, prepared=True)


def decode_values(fitted: ebm.GlassBoxModel, values: np.ndarray) -> pd.DataFrame:
    from predictions.models import UNSEEN_LEVEL

    X = pd.DataFrame(values, columns=fitted.features)
    for f in fitted.categorical:
        levels = np.asarray([*fitted.levels.get(f, []), UNSEEN_LEVEL], dtype=object)
        idx = X[f].to_numpy()
        X[f] = levels[np.where(np.isnan(idx), len(levels) - 1, idx).astype(int)]
    return X


_PG_EPOCH = date(2000, 1, 1)


def _copy_buffer(model_id, subjects: np.ndarray, as_of: date, scores, bands, logits, intercept, contrib, values,
                 lead=(), *, header: bool = True, trailer: bool = True) -> bytes:  # fmt: skip
    """``_copy_parts`` as one bytes object."""
    return b"".join(_copy_parts(model_id, subjects, as_of, scores, bands, logits, intercept, contrib, values, lead,
                                header=header, trailer=trailer))  # fmt: skip


def _copy_parts(
    model_id,
    subjects: np.ndarray,
    as_of: date,
    scores,
    bands,
    logits,
    intercept,
    contrib,
    values,
    lead=(),
    *,
    header: bool = True,
    trailer: bool = True,
) -> list:
    """PostgreSQL binary COPY rows built with numpy (no per-row Python), as a list of byte buffers to write
    one after the other (no copy to join them): every field is fixed width except the band, so rows are
    written band by band (subject order is kept within each band), each band as one structured array whose
    fields are filled column by column.
    ``lead``: raw values of constant fields written before the usual nine (the staging run id and chunk).
    ``header``/``trailer``: whether this is the first/last part of one COPY (rows can be sent in parts)."""

    def i4(v: int) -> bytes:
        return int(v).to_bytes(4, "big", signed=True)

    n_all = len(subjects)
    uuids = (
        np.frombuffer(b"".join([u.int.to_bytes(16, "big") for u in subjects]), dtype="V16")  # = u.bytes, faster
        if n_all else np.zeros(0, "V16")
    )  # fmt: skip
    date_days = (as_of - _PG_EPOCH).days
    contrib = np.asarray(contrib)
    nt, nv, cw = contrib.shape[1], values.shape[1], contrib.dtype.itemsize  # float64, or 1-2 byte codes
    head = (9 + len(lead)).to_bytes(2, "big") + b"".join(i4(len(v)) + v for v in lead) + i4(16) + model_id.bytes
    parts: list = [b"PGCOPY\n\xff\r\n\x00" + i4(0) + i4(0)] if header else []
    # one stable sort by band instead of a mask per band: each band's rows are one slice of the sorted order
    levels, code = np.unique(np.asarray(bands), return_inverse=True)
    order = np.argsort(code, kind="stable") if len(levels) > 1 else None
    starts = np.searchsorted(code[order] if order is not None else code, np.arange(len(levels) + 1))
    for k, band in enumerate(levels):
        sl = slice(int(starts[k]), int(starts[k + 1]))
        take = order[sl] if order is not None else sl
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
        rows = np.empty(sl.stop - sl.start, dtype=dt)
        for name, raw in consts.items():
            rows[name] = np.void(raw)
        rows["subject"], rows["score"], rows["logit"] = uuids[take], scores[take], logits[take]
        rows["contrib"], rows["values"] = contrib[take], values[take]
        parts.append(memoryview(rows.view(np.uint8)))  # the array's own bytes, not a copy
    if trailer:
        parts.append((-1).to_bytes(2, "big", signed=True))
    return parts


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
    book = model.codebook()
    codes = book.encode(exp.contributions) if book is not None else None
    return exp.contributions if codes is None else codes


def _copy_predictions(
    model: TrainedModel,
    fitted: ebm.GlassBoxModel,
    X: pd.DataFrame,
    keys: pd.DataFrame,
    scored: dict,
    subject: str,
    table: str = "predictions_prediction",
) -> int:
    """Bulk-write with one binary PostgreSQL COPY (into ``table``: a stage, or ``Prediction`` itself)."""
    exp = scored["explanation"]
    as_ofs = set(keys["as_of"])
    if len(as_ofs) != 1:
        raise ValueError("one scoring batch has one as-of date")
    buf = _copy_buffer(
        model.pk, keys["subject_id"].to_numpy(), next(iter(as_ofs)), exp.proba, np.asarray(scored["bands"]),
        exp.logit, exp.intercept, stored_contributions(model, exp), encode_values(fitted, X),
    )  # fmt: skip
    _copy_into(table, "technician_id" if subject == "technician" else "candidate_id", buf)
    return len(X)


def _copy_into(table: str, subject_column: str, buf: bytes) -> None:
    with (
        connection.cursor() as cur,
        cur.cursor.copy(
            f"COPY {table} (model_id, {subject_column}, as_of, score, band, logit, intercept, "  # noqa: S608
            "contributions, feature_values) FROM STDIN (FORMAT BINARY)"
        ) as copy,
    ):
        copy.write(buf)


def _ordered(frame: features.Frame) -> tuple[pd.DataFrame, pd.DataFrame]:
    # sorted by subject id, so the (model, as_of, subject) index is appended to, not split at random
    order = np.argsort(frame.keys["subject_id"].astype(str).to_numpy(), kind="stable")
    return frame.X.iloc[order].reset_index(drop=True), frame.keys.iloc[order].reset_index(drop=True)


def candidates_score(*, model: TrainedModel, fitted: ebm.GlassBoxModel) -> int:
    """Quality of hire: open candidates (a small population) scored and published in one transaction, the
    same way as a technicians' run: COPY into a stage of its own, which replaces the day's partition."""
    import uuid

    frame = candidate_features.candidate_scoring_frame()
    if frame.X.empty:
        return 0
    X, keys = _ordered(frame)
    ensure_codebook(model, fitted)
    scored = score_frame(fitted, X, model.model_type)
    as_of_values = sorted(set(keys["as_of"]))
    if len(as_of_values) != 1:
        raise ValueError("one scoring batch has one as-of date")
    stage = partitions.stage_name(uuid.uuid4())
    with transaction.atomic():
        # re-scoring the same day replaces that day's rows: the nightly task is idempotent
        partitions.stage_ensure(model.pk, as_of_values[0], stage)
        n = _copy_predictions(model, fitted, X, keys, scored, "candidate", table=stage)
        partitions.publish(stage, model.pk, as_of_values[0])
        current.after_scores_switched(model)  # the active model's new rows are current from this commit on
    # drift monitoring: PSI vs the training data, calibration of closed cohorts (never breaks scoring)
    drift.drift_record_safely(model=model, X=X, proba=scored["proba"], as_of=as_of_values[-1])
    return n


def stage_chunk(*, run, chunk, fitted: ebm.GlassBoxModel) -> int:
    """Score one chunk's technicians and COPY them into the run's stage (call inside the transaction that
    marks the chunk done: an attempt killed before its commit leaves no row behind, so a re-delivery
    starts from nothing)."""
    stage = partitions.stage_name(run.pk)
    partitions.stage_ensure(run.model_id, run.as_of, stage)
    frame = features.retention_scoring_frame(as_of=run.as_of, lo=chunk.lo, hi=chunk.hi, chunked=False,
                                             medians=run.district_medians)  # fmt: skip
    if frame.X.empty:
        return 0
    X, keys = _ordered(frame)
    return stage_frame(stage, run.model, fitted, X, keys["subject_id"].to_numpy(), run.as_of)


STAGE_BATCH = 25_000


def stage_frame(table: str, model: TrainedModel, fitted: ebm.GlassBoxModel, X: pd.DataFrame, subjects: np.ndarray,
                as_of: date, *, subject_column: str = "technician_id", batch: int = STAGE_BATCH) -> int:  # fmt: skip
    """Score ``X`` and COPY its rows into ``table``, ``batch`` rows at a time through one COPY whose data a
    background thread sends (psycopg's QueuedLibpqWriter): PostgreSQL inserts a batch on the other core
    while the next one is scored here, instead of the two taking turns."""
    from psycopg.copy import QueuedLibpqWriter

    n = len(X)
    if not n:
        return 0
    coder = _coder(model, fitted)  # its queries before the COPY: none may run on the connection during it
    with connection.cursor() as cur:
        sql = (
            f"COPY {table} (model_id, {subject_column}, as_of, score, band, logit, intercept, "  # noqa: S608
            "contributions, feature_values) FROM STDIN (FORMAT BINARY)"
        )
        with cur.cursor.copy(sql, writer=QueuedLibpqWriter(cur.cursor)) as copy:
            for lo in range(0, n, batch):
                exp, stored, values = explain_stored(model, fitted, X.iloc[lo : lo + batch], coder)
                for buf in _copy_parts(
                    model.pk, subjects[lo : lo + batch], as_of, exp.proba,
                    np.asarray(band_for(exp.proba, model.model_type)), exp.logit, exp.intercept, stored, values,
                    header=lo == 0, trailer=lo + batch >= n,
                ):  # fmt: skip
                    copy.write(buf)  # a buffer of rows, not copied: the writer thread sends it as it is
    return n


def stage_publish(*, run, prepared: bool = False, rows: int | None = None) -> int:
    """The switch's data step (inside its transaction): the run's stage becomes the (model, as_of) partition
    of ``Prediction``, replacing that day's rows of the model (``prepared``: ``partitions.stage_prepare`` ran
    already; ``rows``: the rows its chunks wrote, counted here otherwise). Returns the rows published."""
    stage = partitions.stage_name(run.pk)
    n = partitions.stage_rows(stage) if rows is None else rows
    if not prepared:
        partitions.stage_prepare(stage)
    partitions.stage_attach(stage, run.model_id, run.as_of)
    return n


def stage_sample(*, run, fitted: ebm.GlassBoxModel, limit: int = 50_000) -> tuple[pd.DataFrame, np.ndarray]:
    """Inputs and scores of up to ``limit`` staged rows (the drift report's sample of the population)."""
    stage = partitions.stage_name(run.pk)
    with connection.cursor() as cur:
        cur.execute(f"SELECT score, feature_values FROM {stage} LIMIT %s", [limit])  # noqa: S608
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
