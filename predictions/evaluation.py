"""How good a fitted classifier's probabilities are: discrimination and calibration (numpy + scikit-learn, no
Django). The training service scores the held-out rows with ``evaluate``; the EBM settings bench reads
``calibration_slope``."""

from __future__ import annotations

from typing import Any

import numpy as np

from predictions.ebm import PROB_EPS, logit


def evaluate(y, p, *, bins: int = 10, sample_weight=None) -> dict[str, Any]:
    """ROC AUC, PR AUC, Brier, log loss and a calibration table (mean predicted vs observed per bin).
    With ``sample_weight`` (a sampled frame) every figure is weighted, i.e. estimates the full data's."""
    from sklearn.metrics import average_precision_score, brier_score_loss, log_loss, roc_auc_score

    y = np.asarray(y).astype(int)
    p = np.clip(np.asarray(p, dtype=float), PROB_EPS, 1 - PROB_EPS)
    w = np.ones(len(y)) if sample_weight is None else np.asarray(sample_weight, dtype=float)
    sw = None if sample_weight is None else w
    both = len(np.unique(y)) == 2
    out: dict[str, Any] = {
        "rows": int(len(y)),
        "positives": int(y.sum()),
        "base_rate": float(np.average(y, weights=w)) if len(y) else None,
        "roc_auc": float(roc_auc_score(y, p, sample_weight=sw)) if both else None,
        "pr_auc": float(average_precision_score(y, p, sample_weight=sw)) if both else None,
        "brier": float(brier_score_loss(y, p, sample_weight=sw)) if len(y) else None,
        "log_loss": float(log_loss(y, p, labels=[0, 1], sample_weight=sw)) if len(y) else None,
        "calibration_slope": calibration_slope(y, p, sw) if both else None,
    }
    if sample_weight is not None:
        out["weighted"] = True
    table = []
    if len(y):
        edges = np.unique(np.quantile(p, np.linspace(0, 1, bins + 1)))
        idx = np.clip(np.searchsorted(edges, p, side="right") - 1, 0, max(len(edges) - 2, 0))
        for b in range(max(len(edges) - 1, 1)):
            m = idx == b
            if m.any():
                table.append({"bin": b, "count": int(m.sum()), "predicted": float(np.average(p[m], weights=w[m])),
                              "observed": float(np.average(y[m], weights=w[m]))})  # fmt: skip
    out["calibration"] = table
    return out


def calibration_slope(y, p, sample_weight=None) -> float:
    """Slope of an (unpenalised) logistic regression of the outcome on the predicted log-odds: 1 is
    calibrated, below 1 overconfident (predictions too extreme), above 1 underconfident."""
    from sklearn.linear_model import LogisticRegression

    z = logit(p).reshape(-1, 1)
    return float(
        LogisticRegression(C=1e6, max_iter=1000)
        .fit(z, np.asarray(y, dtype=int), sample_weight=sample_weight)
        .coef_[0, 0]
    )
