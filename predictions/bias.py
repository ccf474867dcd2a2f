"""Bias audits of registry models: which outcome is favourable, whose demographics, which population.

``audit_for_fitted`` runs predictions.fairness on a model version's holdout (with the true outcomes,
so error-rate parity too) and on the current scored population (the people the version would score
today), and returns the JSON stored on ``TrainedModel.bias_audit``. The favourable outcome:

- quality of hire: *likely to stay* — score ≥ ``QOH_BAND_HIGH``; the audited score is the stay probability;
- retention: *not flagged high-risk* — risk < ``RISK_BAND_HIGH``; the audited score is 1 − risk, so
  "above the median" is the favourable side for both.

Demographics come from technicians.selectors.demographics_for and leave this module only as category
counts and rates — never per person.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from django.conf import settings
from django.utils import timezone

from predictions import candidate_features, ebm, fairness, features
from predictions.models import ModelType, TrainedModel
from technicians.selectors import demographics_for

FAVOURABLE = {
    ModelType.RETENTION: "not flagged high-risk (risk below the high-risk band)",
    ModelType.QUALITY_OF_HIRE: "likely to stay (score in the high band)",
}
POPULATION = {
    ModelType.RETENTION: "active technicians as of the latest snapshot month",
    ModelType.QUALITY_OF_HIRE: "candidates in the open pipeline",
}


def favourable(model_type: str, proba: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(score with higher = favourable, favourable decision) for a model's probabilities."""
    proba = np.asarray(proba, dtype=float)
    if model_type == ModelType.RETENTION:
        return 1.0 - proba, proba < settings.RISK_BAND_HIGH
    return proba, proba >= settings.QOH_BAND_HIGH


def _kind(model_type: str) -> str:
    return "technicians" if model_type == ModelType.RETENTION else "candidates"


def audit_population(
    *, model_type: str, fitted: ebm.GlassBoxModel, X: pd.DataFrame, subject_ids, y: np.ndarray | None = None
) -> dict[str, Any]:
    """The fairness audit of one scored population (one row per person)."""
    subject_ids = [str(s) for s in subject_ids]
    proba = fitted.predict_proba(X)
    demo = demographics_for(kind=_kind(model_type), ids=list(set(subject_ids)))
    missing = (fairness.NOT_DISCLOSED, fairness.NOT_DISCLOSED)
    sex = [demo.get(s, missing)[0] for s in subject_ids]
    race = [demo.get(s, missing)[1] for s in subject_ids]
    score, selected = favourable(model_type, proba)
    y_fav = None
    if y is not None:
        y = np.asarray(y, dtype=int)
        y_fav = 1 - y if model_type == ModelType.RETENTION else y
    return fairness.bias_audit(
        score=score,
        selected=selected,
        sex=sex,
        race_ethnicity=race,
        y_true=y_fav,
        min_share=settings.BIAS_AUDIT_MIN_SHARE,
    )


def _one_per_person(keys: pd.DataFrame) -> np.ndarray:
    """Row positions of each subject's latest row (retention holdouts hold several months per person)."""
    order = pd.to_datetime(keys["as_of"]).to_numpy()
    df = pd.DataFrame({"s": keys["subject_id"].astype(str).to_numpy(), "t": order, "i": np.arange(len(keys))})
    return df.sort_values(["s", "t"]).groupby("s", sort=False).tail(1)["i"].sort_values().to_numpy()


def scoring_frame(model_type: str) -> features.Frame:
    if model_type == ModelType.RETENTION:
        return features.retention_scoring_frame()
    return candidate_features.candidate_scoring_frame()


def audit_for_fitted(
    *, model: TrainedModel, fitted: ebm.GlassBoxModel, holdout: features.Frame, period: str
) -> dict[str, Any]:
    """Holdout + current population audits of one version, as stored on ``TrainedModel.bias_audit``."""
    out: dict[str, Any] = {
        "computed_at": timezone.now().isoformat(),
        "model": model.label,
        "favourable": FAVOURABLE[model.model_type],
        "thresholds": {"impact_ratio_min": settings.BIAS_IMPACT_RATIO_MIN, "min_share": settings.BIAS_AUDIT_MIN_SHARE},
    }
    idx = _one_per_person(holdout.keys)
    out["holdout"] = {
        "data": f"holdout of the training data ({period}), the latest row per person, with realised outcomes",
        **audit_population(
            model_type=model.model_type,
            fitted=fitted,
            X=holdout.X.iloc[idx],
            subject_ids=holdout.keys["subject_id"].iloc[idx],
            y=None if holdout.y is None else holdout.y[idx],
        ),
    }
    pop = scoring_frame(model.model_type)
    if pop.X.empty:
        out["population"] = {"data": POPULATION[model.model_type], "rows": 0, "dimensions": {}, "flags": []}
    else:
        out["population"] = {
            "data": f"{POPULATION[model.model_type]} (as of {pop.keys['as_of'].iloc[0]})",
            **audit_population(model_type=model.model_type, fitted=fitted, X=pop.X, subject_ids=pop.keys["subject_id"]),
        }
    return out


def audit_min_ratio(audit: dict[str, Any]) -> float | None:
    ratios = [
        audit.get(part, {}).get("min_impact_ratio")
        for part in ("holdout", "population")
        if audit.get(part, {}).get("min_impact_ratio") is not None
    ]
    return min(ratios) if ratios else None


def audit_flags(audit: dict[str, Any]) -> list[dict[str, Any]]:
    threshold = settings.BIAS_IMPACT_RATIO_MIN
    return [
        {**f, "population": part}
        for part in ("holdout", "population")
        for d_name, d in (audit.get(part, {}).get("dimensions") or {}).items()
        for f in [
            {"dimension": d_name, "category": r["category"], "metric": m, "impact_ratio": r[f"{m}_impact_ratio"]}
            for r in d["categories"]
            for m in ("selection", "scoring")
        ]
        if f["impact_ratio"] is not None and f["impact_ratio"] < threshold
    ]
