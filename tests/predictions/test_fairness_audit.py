"""The LL144-style bias audit against values computed by hand on a small fixed table."""

import numpy as np
import pandas as pd
import pytest

from predictions.fairness import bias_audit

# (sex, race, rows, selected, scored high) — 100 rows; 38 score 0.9, 62 score 0.1, so the sample
# median is 0.1 and "above the median" is exactly the high scorers.
TABLE = [
    ("male", "white", 40, 30, 16),
    ("female", "white", 20, 10, 6),
    ("male", "black", 25, 20, 10),
    ("female", "asian", 1, 1, 1),  # 1 of 86 intersectional rows (1.2 %) and 1 of 92 race rows: both < 2 %
    ("not_disclosed", "white", 6, 3, 2),
    ("male", "not_disclosed", 8, 4, 3),
]


def _frame():
    rows = []
    for sex, race, n, sel, high in TABLE:
        for i in range(n):
            rows.append({"sex": sex, "race": race, "selected": i < sel, "score": 0.9 if i < high else 0.1})
    return pd.DataFrame(rows)


@pytest.fixture(scope="module")
def audit():
    df = _frame()
    return bias_audit(score=df["score"], selected=df["selected"], sex=df["sex"], race_ethnicity=df["race"])


def _cat(audit, dim, cat):
    return next(r for r in audit["dimensions"][dim]["categories"] if r["category"] == cat)


def test_sample_median_and_not_disclosed_reported_apart(audit):
    assert audit["rows"] == 100 and audit["median_score"] == 0.1
    assert audit["dimensions"]["sex"]["not_disclosed"] == 6
    assert audit["dimensions"]["race_ethnicity"]["not_disclosed"] == 8
    assert audit["dimensions"]["intersectional"]["not_disclosed"] == 14
    assert all(r["category"] != "not_disclosed" for d in audit["dimensions"].values() for r in d["categories"])


def test_sex_rates_and_impact_ratios(audit):
    male, female = _cat(audit, "sex", "male"), _cat(audit, "sex", "female")
    assert (male["count"], female["count"]) == (73, 21)
    assert male["selection_rate"] == pytest.approx(54 / 73, abs=1e-4)
    assert female["selection_rate"] == pytest.approx(11 / 21, abs=1e-4)
    assert female["scoring_rate"] == pytest.approx(7 / 21, abs=1e-4)
    assert male["selection_impact_ratio"] == 1.0
    assert female["selection_impact_ratio"] == pytest.approx((11 / 21) / (54 / 73), abs=1e-4)  # 0.708
    assert female["scoring_impact_ratio"] == pytest.approx((7 / 21) / (29 / 73), abs=1e-4)  # 0.839


def test_small_race_category_is_flagged_and_excluded_from_ratios(audit):
    asian = _cat(audit, "race_ethnicity", "asian")
    assert asian["small"] and asian["share"] == pytest.approx(1 / 92, abs=1e-4)
    assert asian["selection_rate"] == 1.0 and asian["selection_impact_ratio"] is None
    # the most favoured category is Black (0.8), not the tiny Asian category (1.0)
    assert audit["dimensions"]["race_ethnicity"]["most_favoured_selection"] == "black"
    white = _cat(audit, "race_ethnicity", "white")
    assert white["count"] == 66
    assert white["selection_impact_ratio"] == pytest.approx((43 / 66) / 0.8, abs=1e-4)  # 0.814
    assert white["scoring_impact_ratio"] == pytest.approx((24 / 66) / 0.4, abs=1e-4)  # 0.909


def test_intersectional_categories_and_the_small_one(audit):
    tiny = _cat(audit, "intersectional", "female · asian")
    assert tiny["count"] == 1 and tiny["small"] and tiny["share"] == pytest.approx(1 / 86, abs=1e-4)
    assert tiny["scoring_impact_ratio"] is None
    fw = _cat(audit, "intersectional", "female · white")
    assert fw["selection_impact_ratio"] == pytest.approx(0.5 / 0.8, abs=1e-4)
    assert fw["scoring_impact_ratio"] == pytest.approx(0.3 / 0.4, abs=1e-4)
    assert _cat(audit, "intersectional", "male · white")["selection_impact_ratio"] == pytest.approx(0.75 / 0.8)


def test_flags_are_the_ratios_under_four_fifths(audit):
    flagged = {(f["dimension"], f["category"], f["metric"]) for f in audit["flags"]}
    assert flagged == {
        ("sex", "female", "selection"),
        ("intersectional", "female · white", "selection"),
        ("intersectional", "female · white", "scoring"),
    }
    assert audit["min_impact_ratio"] == pytest.approx(0.625)


def test_error_parity_uses_true_and_false_positive_rates():
    sex = ["male"] * 10 + ["female"] * 10
    y_true = [1] * 5 + [0] * 5 + [1] * 5 + [0] * 5
    y_pred = [1, 1, 1, 1, 0, 1, 0, 0, 0, 0] + [1, 1, 0, 0, 0, 1, 1, 0, 0, 0]
    out = bias_audit(
        score=np.linspace(0, 1, 20), selected=np.array(y_pred, bool), sex=sex, race_ethnicity=["white"] * 20,
        y_true=np.array(y_true),
    )  # fmt: skip
    parity = out["error_parity"]["sex"]
    by = {r["category"]: r for r in parity["by_category"]}
    assert (by["male"]["tpr"], by["male"]["fpr"]) == (0.8, 0.2)
    assert (by["female"]["tpr"], by["female"]["fpr"]) == (0.4, 0.4)
    assert parity["tpr_difference"] == pytest.approx(0.4) and parity["fpr_difference"] == pytest.approx(0.2)


def test_mismatched_lengths_are_refused():
    with pytest.raises(ValueError, match="same length"):
        bias_audit(score=[0.1, 0.2], selected=[True], sex=["male"], race_ethnicity=["white"])
