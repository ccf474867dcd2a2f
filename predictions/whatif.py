"""What-if re-scoring of one technician, smallest single-feature changes below the high band.

Program ROI and the comparison of programs live in predictions.programs."""

from __future__ import annotations

import logging
from typing import Any

import numpy as np
import pandas as pd
from django.conf import settings

from predictions import ebm, features
from predictions.changes import ACTIONABLE, apply_changes
from predictions.explain import contributions_for, explanation_text, fold, with_points
from predictions.models import Prediction
from predictions.scoring import WhatIfError, band_for, decode_values, load_fitted
from technicians.visibility import field_visible

log = logging.getLogger(__name__)


# ---------------------------------------------------------------------- what-if
def _validate_changes(user, changes: Any, fitted: ebm.GlassBoxModel) -> dict[str, Any]:
    if not isinstance(changes, dict) or not changes:
        raise WhatIfError("changes", "give at least one feature to change")
    clean: dict[str, Any] = {}
    for feat, val in changes.items():
        if feat not in ACTIONABLE:
            raise WhatIfError(feat, f"not an actionable feature (use {', '.join(ACTIONABLE)})")
        if not field_visible(user, feat):
            raise WhatIfError(feat, "you are not permitted to change this feature")
        spec = ACTIONABLE[feat]
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
    from predictions.selectors import latest_prediction_for_technician, mean_contributions

    model, pred = latest_prediction_for_technician(user=user, employee_id=employee_id)
    fitted = load_fitted(model)
    clean = _validate_changes(user, changes, fitted)
    X = _prediction_frame(fitted, [pred])
    X_after = apply_changes(X, clean)
    exp = fitted.explain(X_after)
    after = float(exp.proba[0])
    contribs = contributions_for(
        exp.terms, exp.contributions[0].tolist(), fitted.features, fitted.prepare(X_after).iloc[0].tolist()
    )
    means = mean_contributions(model=model, as_of=pred.as_of)
    contribs = fold(user, with_points(contribs, logit=float(exp.logit[0]), means=means))
    return {
        "employee_id": employee_id,
        "changes": clean,
        "before": {"score": pred.score, "band": pred.band},
        "after": {"score": after, "band": str(band_for(after)), "contributions": contribs,
                  "explanation": explanation_text(contribs)},
        "delta": after - pred.score,
        "suggestions": suggestions(user=user, fitted=fitted, X=X_after),
    }  # fmt: skip


def technician_suggestions(*, user, employee_id: str) -> list[dict[str, Any]]:
    """The smallest single changes that bring this technician's current score below the high band
    (empty unless they are high risk now): what the risk page shows up front, before any what-if."""
    from predictions.selectors import latest_prediction_for_technician

    model, pred = latest_prediction_for_technician(user=user, employee_id=employee_id)
    fitted = load_fitted(model)
    return suggestions(user=user, fitted=fitted, X=_prediction_frame(fitted, [pred]))


# Suggestions only go the way a manager could act on: never a pay cut, less training, a longer commute or drive
# (the model may find such a change lowers the risk through an interaction; it is not advice anyone would give).
SENSIBLE_DIRECTION = {"pay_rate": +1, "training_hours": +1, "commute_miles": -1, "drive_time_minutes": -1}


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
    for feat, spec in ACTIONABLE.items():
        if feat not in fitted.features or not field_visible(user, feat):
            continue
        current = row[feat]
        if feat == "schedule_type":
            grid = [s for s in spec if s != current]
        else:
            lo, hi = spec
            cur = float(current) if pd.notna(current) else (lo + hi) / 2
            steps = np.linspace(0, hi - lo, 41)[1:]
            way = SENSIBLE_DIRECTION.get(feat, 0)
            tried = [cur - steps] * (way <= 0) + [cur + steps] * (way >= 0)
            grid = sorted(
                {round(v, 2) for v in np.concatenate(tried) if lo <= v <= hi},
                key=lambda v: abs(v - cur),
            )
        for v in grid:
            candidates.append(apply_changes(X, {feat: v}))
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
