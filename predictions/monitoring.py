"""Drift and performance over time (pure numpy/pandas; no Django).

- ``profile``: the training distribution of every feature and of the score — decile bin edges for
  numbers (plus a missing bin), level shares for categories — stored on the model at training time.
- ``psi``: the population stability index of a new sample against a stored profile,
  ``Σ (a − e) · ln(a / e)`` over the bins, shares floored at ``EPS`` so empty bins stay finite.
  Rule of thumb: < 0.1 stable, 0.1–0.2 moderate shift, > 0.2 significant drift (the alert threshold).
- ``psi_noise``: how large PSI gets from sampling alone when nothing moved: the 99th percentile of PSI over
  samples of the same size drawn from the training profile itself (multinomial draws, the same flooring;
  roughly χ²₀.₉₉(bins − 1)/n for large n — 0.0002 at 100k rows — and far more for a few dozen rows, where
  empty bins are common). An alert needs PSI above both the threshold and this floor: 28 open offers cannot
  show a shift that 28 draws of the training offers would show one time in a hundred.
- ``calibration_over_time`` / rolling AUC: for scored cohorts whose outcome window has closed, the mean
  predicted vs the realised rate and the ROC AUC per cohort.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

EPS = 1e-4
N_BINS = 10
MISSING = "__missing__"
MISSING_RATE_REPORT = 0.05  # a numeric feature's missing rate moving by this much is reported (never alerted)


def _numeric_profile(values: pd.Series) -> dict[str, Any]:
    v = pd.to_numeric(values, errors="coerce").to_numpy(dtype=float)
    present = v[~np.isnan(v)]
    edges = np.unique(np.quantile(present, np.linspace(0, 1, N_BINS + 1))[1:-1]) if len(present) else np.array([])
    return {"kind": "numeric", "edges": edges.tolist(), "shares": _numeric_shares(v, edges).tolist()}


def _numeric_shares(v: np.ndarray, edges: np.ndarray) -> np.ndarray:
    """Shares per bin: (-inf, e0], (e0, e1], …, (e_last, inf), then missing."""
    v = np.asarray(v, dtype=float)
    n = max(len(v), 1)
    missing = np.isnan(v)
    idx = np.searchsorted(np.asarray(edges, dtype=float), v[~missing], side="left")
    counts = np.bincount(idx, minlength=len(edges) + 1).astype(float)
    return np.append(counts, missing.sum()) / n


def _categorical_profile(values: pd.Series) -> dict[str, Any]:
    s = values.astype(object).where(values.notna(), MISSING).astype(str)
    shares = s.value_counts(normalize=True)
    return {"kind": "categorical", "levels": {str(k): float(v) for k, v in shares.items()}}


def profile(X: pd.DataFrame, categorical: list[str], score: np.ndarray | None = None) -> dict[str, Any]:
    """Training distributions of every column of ``X`` (and of the score, if given)."""
    out: dict[str, Any] = {"rows": int(len(X)), "features": {}}
    for c in X.columns:
        out["features"][c] = _categorical_profile(X[c]) if c in categorical else _numeric_profile(X[c])
    if score is not None:
        out["score"] = _numeric_profile(pd.Series(score))
    return out


def psi_from_shares(expected: np.ndarray, actual: np.ndarray) -> float:
    e = np.maximum(np.asarray(expected, dtype=float), EPS)
    a = np.maximum(np.asarray(actual, dtype=float), EPS)
    return float(np.sum((a - e) * np.log(a / e)))


def psi(stored: dict[str, Any], values: pd.Series | np.ndarray) -> float | None:
    """PSI of ``values`` against one stored profile entry; None if there is nothing to compare."""
    values = pd.Series(values)
    if len(values) == 0:
        return None
    if stored["kind"] == "numeric":
        # among present values: the last share is the missing rate, which is reported apart (missing_rate) —
        # e.g. open candidates have no offer yet by design, which is not a shift of the offers there are
        expected = np.array(stored["shares"], dtype=float)
        actual = _numeric_shares(
            pd.to_numeric(values, errors="coerce").to_numpy(dtype=float), np.array(stored["edges"])
        )
        if expected[:-1].sum() <= 0 or actual[:-1].sum() <= 0:
            return None
        return psi_from_shares(expected[:-1] / expected[:-1].sum(), actual[:-1] / actual[:-1].sum())
    s = values.astype(object).where(values.notna(), MISSING).astype(str)
    now = s.value_counts(normalize=True)
    levels = sorted(set(stored["levels"]) | set(now.index))
    return psi_from_shares(
        np.array([stored["levels"].get(k, 0.0) for k in levels]), np.array([float(now.get(k, 0.0)) for k in levels])
    )


def psi_noise(entry: dict[str, Any], values: pd.Series | np.ndarray, q: float = 0.99) -> float | None:
    """The ``q`` quantile of PSI for a sample of ``values``' size drawn from the profiled distribution itself
    (see the module docstring), over the bins and rows ``psi`` compares."""
    values = pd.Series(values)
    if entry["kind"] == "numeric":
        n = int(pd.to_numeric(values, errors="coerce").notna().sum())  # present values: missing is apart
        expected = np.array(entry["shares"][:-1], dtype=float)
    else:
        n = len(values)
        expected = np.array(list(entry["levels"].values()), dtype=float)
    if n == 0 or expected.sum() <= 0:
        return None
    return _psi_quantile(expected / expected.sum(), n, q)


def _psi_quantile(expected: np.ndarray, n: int, q: float, draws: int = 4000) -> float:
    # simulated, not χ²(bins − 1)/n: with shares floored at EPS an empty bin adds ~0.7, and in small samples
    # empty bins are common (a 40-row sample leaves one of ten deciles empty ~1 time in 6), which the
    # χ² approximation misses (its "1 %" was 13 % at 40 rows). Fixed seed: the same floor every run.
    counts = np.random.default_rng(20261202).multinomial(n, expected, size=draws)
    a = np.maximum(counts / n, EPS)
    e = np.maximum(expected, EPS)
    return float(np.quantile(((a - e) * np.log(a / e)).sum(axis=1), q))


def drift(stored_profile: dict[str, Any], X: pd.DataFrame, score: np.ndarray | None = None) -> dict[str, Any]:
    """PSI of every profiled feature present in ``X`` and of the score, and each one's sampling-noise floor
    (``psi_noise``: PSI below it is what a sample this small shows without any shift)."""
    feats, missing, noise = {}, {}, {}
    for name, entry in (stored_profile.get("features") or {}).items():
        if name in X.columns:
            v = psi(entry, X[name])
            if v is not None:
                feats[name] = round(v, 4)
                noise[name] = round(psi_noise(entry, X[name]), 4)
            if entry["kind"] == "numeric":
                was, now = float(entry["shares"][-1]), float(pd.to_numeric(X[name], errors="coerce").isna().mean())
                if abs(now - was) >= MISSING_RATE_REPORT:
                    missing[name] = {"training": round(was, 4), "now": round(now, 4)}
    out: dict[str, Any] = {"feature_psi": dict(sorted(feats.items(), key=lambda kv: -kv[1])), "missing_rate": missing,
                           "psi_noise": noise}  # fmt: skip
    if score is not None and "score" in stored_profile:
        out["score_psi"] = round(psi(stored_profile["score"], score), 4)
        noise["score"] = round(psi_noise(stored_profile["score"], score), 4)
    else:
        out["score_psi"] = None
    return out


def calibration_over_time(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """Per closed cohort (``cohort``): rows, mean predicted (``score``), realised rate (``outcome``), ROC AUC."""
    from sklearn.metrics import roc_auc_score

    rows = []
    for cohort, g in frame.groupby("cohort", sort=True):
        y = g["outcome"].to_numpy(dtype=int)
        p = g["score"].to_numpy(dtype=float)
        auc = float(roc_auc_score(y, p)) if len(np.unique(y)) == 2 else None
        rows.append(
            {
                "cohort": str(cohort),
                "rows": int(len(g)),
                "predicted": round(float(p.mean()), 4),
                "realised": round(float(y.mean()), 4),
                "gap": round(float(y.mean() - p.mean()), 4),
                "roc_auc": None if auc is None else round(auc, 4),
            }
        )
    return rows


def alerts(
    report: dict[str, Any], *, psi_threshold: float, calibration_threshold: float, min_rows: int = 30
) -> list[dict[str, Any]]:
    """Alert reasons: any feature or the score with PSI above the threshold and above its sampling-noise
    floor (``psi_noise``, when the report has it); the latest closed cohort's realised rate off its
    predicted rate by more than the calibration threshold."""
    noise = report.get("psi_noise") or {}
    out = [
        {"kind": "feature_psi", "feature": f, "subject": f, "value": v}
        for f, v in (report.get("feature_psi") or {}).items()
        if v > max(psi_threshold, noise.get(f) or 0.0)
    ]
    if report.get("score_psi") is not None and report["score_psi"] > max(psi_threshold, noise.get("score") or 0.0):
        out.append({"kind": "score_psi", "feature": "score", "subject": "score", "value": report["score_psi"]})
    closed = [c for c in report.get("calibration") or [] if c["rows"] >= min_rows]
    if closed and abs(closed[-1]["gap"]) > calibration_threshold:
        c = closed[-1]
        out.append(
            {"kind": "calibration", "cohort": c["cohort"], "subject": f"cohort {c['cohort']}", "value": c["gap"]}
        )
    return out
