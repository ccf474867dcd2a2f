"""Bias audits in the form NYC Local Law 144's rules prescribe (pure numpy/pandas + fairlearn; no Django).

``bias_audit`` takes one scored population — the model's holdout or the people currently scored — and
reports, for each sex, race/ethnicity and intersectional (sex × race/ethnicity) category:

- ``count`` and ``share`` (of the people whose category is known for that dimension);
- ``selection_rate``: the share placed in the favourable outcome (likely to stay for candidates, not
  flagged high-risk for technicians);
- ``scoring_rate``: the share whose score is above the median score of the *whole* sample (the score
  is oriented so that higher is favourable: stay probability, i.e. 1 − risk for technicians);
- ``selection_impact_ratio`` / ``scoring_impact_ratio``: the category's rate divided by the rate of
  the most favoured category.

"Not disclosed" is reported apart (its count, never a category in the ratios). Categories with less
than ``min_share`` (2 %) of the known rows are flagged ``small`` and excluded from the impact ratios
(and from choosing the most favoured category), as the rules allow; their counts and rates are still
reported. An impact ratio below ``FOUR_FIFTHS`` (0.8) is listed in ``flags``.

Beside it, when the true outcomes are known (the holdout), ``error_parity`` gives the true- and
false-positive rates of the favourable decision per category (fairlearn's ``MetricFrame``), with the
largest difference and smallest ratio between categories.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

NOT_DISCLOSED = "not_disclosed"
MIN_SHARE = 0.02
FOUR_FIFTHS = 0.8
DIMENSIONS = ("sex", "race_ethnicity", "intersectional")
METHOD = (
    "NYC Local Law 144 (DCWP rules, 6 RCNY §5-301): selection rate and, for the continuous score, scoring "
    "rate (share above the sample median); impact ratio vs the most favoured category; 'not disclosed' "
    "reported apart; categories under 2 % of the known data excluded from impact ratios."
)


def _r(x: float | None, nd: int = 4) -> float | None:
    return None if x is None or not np.isfinite(x) else round(float(x), nd)


def intersectional(sex: pd.Series, race: pd.Series) -> pd.Series:
    """'female · hispanic_latino'; not disclosed when either part is."""
    both = (sex != NOT_DISCLOSED) & (race != NOT_DISCLOSED)
    return pd.Series(np.where(both, sex.astype(str) + " · " + race.astype(str), NOT_DISCLOSED), index=sex.index)


def category_table(
    groups: pd.Series, selected: np.ndarray, above_median: np.ndarray, *, min_share: float = MIN_SHARE
) -> dict[str, Any]:
    """Counts, rates and impact ratios for one dimension."""
    g = pd.Series(np.asarray(groups, dtype=object))
    known = g != NOT_DISCLOSED
    df = pd.DataFrame(
        {"g": g[known], "sel": np.asarray(selected, bool)[known], "hi": np.asarray(above_median, bool)[known]}
    )
    n_known = len(df)
    agg = df.groupby("g").agg(count=("sel", "size"), selected=("sel", "sum"), above=("hi", "sum"))
    agg["share"] = agg["count"] / max(n_known, 1)
    agg["selection_rate"] = agg["selected"] / agg["count"]
    agg["scoring_rate"] = agg["above"] / agg["count"]
    agg["small"] = agg["share"] < min_share
    big = agg[~agg["small"]]
    best_sel = big["selection_rate"].max() if len(big) else np.nan
    best_sco = big["scoring_rate"].max() if len(big) else np.nan
    rows = []
    for cat, a in agg.sort_values("count", ascending=False).iterrows():
        small = bool(a["small"])
        rows.append(
            {
                "category": str(cat),
                "count": int(a["count"]),
                "share": _r(a["share"]),
                "selected": int(a["selected"]),
                "selection_rate": _r(a["selection_rate"]),
                "scored_above_median": int(a["above"]),
                "scoring_rate": _r(a["scoring_rate"]),
                "selection_impact_ratio": None if small or not best_sel else _r(a["selection_rate"] / best_sel),
                "scoring_impact_ratio": None if small or not best_sco else _r(a["scoring_rate"] / best_sco),
                "small": small,
            }
        )
    ratios = [r[k] for r in rows for k in ("selection_impact_ratio", "scoring_impact_ratio") if r[k] is not None]
    return {
        "categories": rows,
        "known": int(n_known),
        "not_disclosed": int((~known).sum()),
        "most_favoured_selection": next(
            (r["category"] for r in rows if not r["small"] and r["selection_rate"] == _r(best_sel)), None
        ),
        "most_favoured_scoring": next(
            (r["category"] for r in rows if not r["small"] and r["scoring_rate"] == _r(best_sco)), None
        ),
        "min_impact_ratio": min(ratios) if ratios else None,
    }


def error_parity(groups: pd.Series, y_true: np.ndarray, y_pred: np.ndarray, *, min_share: float = MIN_SHARE):
    """True/false-positive rates of the favourable decision per category (disclosed, ≥ min_share)."""
    from fairlearn.metrics import MetricFrame, count, false_positive_rate, true_positive_rate

    g = pd.Series(np.asarray(groups, dtype=object))
    keep = (g != NOT_DISCLOSED).to_numpy().copy()
    if keep.sum() == 0:
        return {"by_category": [], "tpr_difference": None, "fpr_difference": None}
    shares = g[keep].value_counts(normalize=True)
    keep &= g.map(lambda c: shares.get(c, 0) >= min_share).to_numpy(dtype=bool)
    yt, yp = np.asarray(y_true, int)[keep], np.asarray(y_pred, int)[keep]
    if keep.sum() == 0 or len(np.unique(yt)) < 2:
        return {"by_category": [], "tpr_difference": None, "fpr_difference": None}
    mf = MetricFrame(
        metrics={"tpr": true_positive_rate, "fpr": false_positive_rate, "count": count},
        y_true=yt,
        y_pred=yp,
        sensitive_features=pd.Series(g[keep].to_numpy(), name="category"),
    )
    table = mf.by_group
    diff, ratio = mf.difference(), mf.ratio()
    return {
        "by_category": [
            {"category": str(c), "count": int(r["count"]), "tpr": _r(r["tpr"]), "fpr": _r(r["fpr"])}
            for c, r in table.iterrows()
        ],
        "tpr_difference": _r(diff["tpr"]),
        "fpr_difference": _r(diff["fpr"]),
        "tpr_ratio": _r(ratio["tpr"]),
        "fpr_ratio": _r(ratio["fpr"]),
    }


def bias_audit(
    *,
    score: np.ndarray,
    selected: np.ndarray,
    sex: pd.Series | np.ndarray,
    race_ethnicity: pd.Series | np.ndarray,
    y_true: np.ndarray | None = None,
    min_share: float = MIN_SHARE,
) -> dict[str, Any]:
    """The audit of one population. ``score``: higher is favourable; ``selected``: favourable decision;
    ``y_true``: favourable outcome realised (1/0), when known — enables ``error_parity``."""
    score = np.asarray(score, dtype=float)
    selected = np.asarray(selected, dtype=bool)
    sex = pd.Series(np.asarray(sex, dtype=object)).fillna(NOT_DISCLOSED).replace("", NOT_DISCLOSED)
    race = pd.Series(np.asarray(race_ethnicity, dtype=object)).fillna(NOT_DISCLOSED).replace("", NOT_DISCLOSED)
    if not (len(score) == len(selected) == len(sex) == len(race)):
        raise ValueError("score, selected, sex and race_ethnicity must have the same length")
    n = len(score)
    median = float(np.median(score)) if n else float("nan")
    above = score > median
    groups = {"sex": sex, "race_ethnicity": race, "intersectional": intersectional(sex, race)}
    dims = {name: category_table(g, selected, above, min_share=min_share) for name, g in groups.items()}
    flags = [
        {"dimension": name, "category": r["category"], "metric": metric, "impact_ratio": r[f"{metric}_impact_ratio"]}
        for name, d in dims.items()
        for r in d["categories"]
        for metric in ("selection", "scoring")
        if r[f"{metric}_impact_ratio"] is not None and r[f"{metric}_impact_ratio"] < FOUR_FIFTHS
    ]
    ratios = [d["min_impact_ratio"] for d in dims.values() if d["min_impact_ratio"] is not None]
    out: dict[str, Any] = {
        "method": METHOD,
        "rows": int(n),
        "median_score": _r(median),
        "selection_rate": _r(selected.mean()) if n else None,
        "min_share": min_share,
        "dimensions": dims,
        "min_impact_ratio": min(ratios) if ratios else None,
        "flags": flags,
    }
    if y_true is not None:
        yt = np.asarray(y_true, dtype=int)
        out["error_parity"] = {
            name: error_parity(g, yt, selected.astype(int), min_share=min_share) for name, g in groups.items()
        }
    return out
