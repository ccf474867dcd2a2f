"""Hierarchical reconciliation (numpy only): bottom-up and MinT with a shrinkage covariance.

Rows of a hierarchy are ordered [top…, bottom…]; ``S`` (n_total × n_bottom) maps bottom series to
every series (a row of ones for the company, region indicator rows, an identity for districts).

MinT (Wickramasuriya, Athanasopoulos & Hyndman 2019): ỹ = S G ŷ with G = (Sᵀ W⁻¹ S)⁻¹ Sᵀ W⁻¹,
W the covariance of the one-step in-sample residuals, estimated with Schäfer–Strimmer shrinkage
toward its diagonal (the estimator used by R's hts/fable ``mint_shrink``):
W = λ·diag(Σ̂) + (1−λ)·Σ̂, λ = Σ_{i≠j} Var̂(r_ij) / Σ_{i≠j} r_ij² clipped to [0, 1].
Counts cannot be negative, so a negative reconciled bottom value is set to 0 and the hierarchy is
rebuilt from the bottom (still coherent).
"""

from __future__ import annotations

import numpy as np


def summing_matrix(hierarchy: list[tuple[str, str | None]], bottom: list[str]) -> np.ndarray:
    """``hierarchy`` lists every node as (key, parent_key) in row order; ``bottom`` the leaves in column order.

    A node's row sums the leaves below it.
    """
    parent = dict(hierarchy)
    col = {k: i for i, k in enumerate(bottom)}
    s = np.zeros((len(hierarchy), len(bottom)))
    for row, (key, _) in enumerate(hierarchy):
        for leaf in bottom:
            node = leaf
            while node is not None:
                if node == key:
                    s[row, col[leaf]] = 1.0
                    break
                node = parent.get(node)
    return s


def shrinkage_covariance(residuals: np.ndarray) -> tuple[np.ndarray, float]:
    """Schäfer–Strimmer shrinkage of the (uncentred) residual covariance toward its diagonal.

    ``residuals``: T × n. Returns (W, λ).
    """
    x = np.asarray(residuals, dtype=float)
    t, n = x.shape
    cov = x.T @ x / t
    sd = np.sqrt(np.diag(cov))
    sd = np.where(sd > 0, sd, 1e-9)
    xs = x / sd
    corr = cov / np.outer(sd, sd)
    v = (1 / (t * (t - 1))) * ((xs**2).T @ (xs**2) - (xs.T @ xs) ** 2 / t)
    np.fill_diagonal(v, 0.0)
    d = corr.copy()
    np.fill_diagonal(d, 0.0)
    denom = float(np.sum(d**2))
    lam = 1.0 if denom == 0 else float(np.clip(np.sum(v) / denom, 0.0, 1.0))
    target = np.diag(np.diag(cov))
    w = lam * target + (1 - lam) * cov
    # a series with no residual variance (e.g. a constant) would make W singular
    w = w + np.eye(n) * 1e-9 * max(1.0, float(np.max(np.diag(cov))))
    return w, lam


def mint_matrix(s: np.ndarray, w: np.ndarray) -> np.ndarray:
    """G = (Sᵀ W⁻¹ S)⁻¹ Sᵀ W⁻¹ (n_bottom × n_total)."""
    winv = np.linalg.pinv(w)
    return np.linalg.solve(s.T @ winv @ s, s.T @ winv)


def reconcile(
    base: np.ndarray, s: np.ndarray, *, method: str, residuals: np.ndarray | None = None
) -> tuple[np.ndarray, dict]:
    """Reconcile base forecasts (n_total × h). Returns (coherent forecasts, info)."""
    base = np.asarray(base, dtype=float)
    n_total, n_bottom = s.shape
    if method == "none":
        return base.copy(), {"method": "none"}
    if method == "bottom_up":
        bottom = base[n_total - n_bottom :]
        info = {"method": "bottom_up"}
    elif method == "mint":
        if residuals is None or residuals.shape[0] < 3:
            raise ValueError("MinT needs in-sample residuals (at least 3 periods) for every series")
        w, lam = shrinkage_covariance(residuals)
        bottom = mint_matrix(s, w) @ base
        info = {"method": "mint", "shrinkage_lambda": round(lam, 4)}
    else:
        raise ValueError(f"reconciliation must be one of mint, bottom_up, none (got {method!r})")
    bottom = np.clip(bottom, 0, None)
    return s @ bottom, info
