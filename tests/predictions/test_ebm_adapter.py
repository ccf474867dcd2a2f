"""The pure adapter: exact additive explanations, checksummed artifacts, clear refusal of bad data."""

import numpy as np
import pandas as pd
import pytest

from predictions import artifacts, ebm, evaluation


def _frame(n=600, seed=1):
    rng = np.random.default_rng(seed)
    X = pd.DataFrame({
        "overtime_hours": rng.gamma(2, 3, n), "tenure_years": rng.exponential(3, n),
        "schedule_type": rng.choice(["standard", "4x10", "rotating"], n), "pay_rate": rng.normal(30, 4, n),
    })  # fmt: skip
    X.loc[::13, "pay_rate"] = np.nan
    z = -2 + 0.2 * X.overtime_hours - 0.3 * X.tenure_years + (X.schedule_type == "rotating") * 0.8
    return X, (rng.random(n) < 1 / (1 + np.exp(-z))).astype(int)


@pytest.mark.parametrize(
    "algorithm,params", [("ebm", {"outer_bags": 1, "interactions": 2, "max_rounds": 300}), ("tree", {})]
)
def test_contributions_plus_intercept_equal_logit_for_every_row(algorithm, params):
    X, y = _frame()
    m = ebm.fit(X, y, categorical=["schedule_type"], algorithm=algorithm, params=params)
    exp = m.explain(X)
    assert exp.contributions.shape == (len(X), len(m.terms))
    np.testing.assert_allclose(exp.intercept + exp.contributions.sum(axis=1), exp.logit, atol=1e-10)
    # and the logit is the model's own: sigmoid(logit) == predict_proba
    np.testing.assert_allclose(ebm.sigmoid(exp.logit), m.predict_proba(X), atol=1e-9)
    assert set(m.importances()) == set(m.terms)
    assert any(s["feature"] == "overtime_hours" for s in m.shapes)


def test_progress_callback_reports_fractions_up_to_one():
    X, y = _frame()
    seen = []
    ebm.fit(
        X,
        y,
        categorical=["schedule_type"],
        params={"outer_bags": 2, "interactions": 0, "max_rounds": 200},
        progress=seen.append,
    )
    assert seen and 0 <= min(seen) and max(seen) <= 1.0


def test_tampered_artifact_is_refused(tmp_path):
    X, y = _frame()
    m = ebm.fit(X, y, categorical=["schedule_type"], algorithm="tree")
    path = tmp_path / "retention" / "1" / "model.sav"
    sha = artifacts.save(m, path)
    assert artifacts.load(path, sha).predict_proba(X).shape == (len(X),)
    path.write_bytes(path.read_bytes() + b"tampered")
    with pytest.raises(artifacts.ArtifactError, match="checksum"):
        artifacts.load(path, sha)


def test_one_class_or_too_few_rows_fail_with_reason():
    X, y = _frame()
    with pytest.raises(ebm.TrainingDataError, match="only one class"):
        ebm.fit(X, np.zeros(len(X)), categorical=["schedule_type"])
    with pytest.raises(ebm.TrainingDataError, match="too few labelled rows"):
        ebm.fit(X.head(10), y[:10], categorical=["schedule_type"])


def test_evaluate_returns_metrics_and_calibration():
    y = np.array([0, 0, 1, 1, 0, 1, 0, 0, 1, 0])
    p = np.linspace(0.05, 0.95, 10)
    out = evaluation.evaluate(y, p, bins=5)
    assert 0 <= out["roc_auc"] <= 1 and out["brier"] > 0 and out["rows"] == 10
    assert sum(b["count"] for b in out["calibration"]) == 10


def test_undeclared_text_column_is_refused_with_a_clear_error():
    rng = np.random.default_rng(0)
    X = pd.DataFrame({"x": rng.normal(size=120), "shift": rng.choice(["day", "night"], size=120)})
    y = (X["x"] > 0).astype(int).to_numpy()
    with pytest.raises(ebm.TrainingDataError, match="shift hold text but are not declared categorical"):
        ebm.fit(X, y, categorical=[], params={"outer_bags": 1, "max_rounds": 20, "interactions": 0})
    # numbers stored as text are fine (they convert), and declaring the column makes it a category
    X2 = X.assign(num_text=X["x"].round(2).astype(str))
    fitted = ebm.fit(X2, y, categorical=["shift"], params={"outer_bags": 1, "max_rounds": 20, "interactions": 0})
    assert "shift" in fitted.categorical and "num_text" in fitted.features


def test_recalibration_is_checked_out_of_bag_and_keeps_explanations_exact():
    X, y = _frame(n=1500, seed=3)
    params = {"outer_bags": 2, "interactions": 0, "max_rounds": 300, "learning_rate": 0.1}
    m = ebm.fit(X, y, categorical=["schedule_type"], params=params)
    cal = m.calibration
    assert cal["rows"] > 0.2 * len(X) and m.params["recalibration"] == cal  # both bags' held-out rows
    assert not cal["applied"] and abs(cal["slope"] - 1) < 2 * cal["slope_se"] + 0.05  # calibrated: left as fitted

    # make the same model twice as confident (every term and bag × 2): the check must catch and undo it
    est, Xp = m.estimator, m.prepare(X)
    split = ebm._bag_split(y, 2, 0.15, 42)
    for t in range(len(est.term_features_)):
        est.scale(t, 2.0)
    fix = ebm._oob_recalibration(est, Xp, y, split)
    assert fix["applied"] and 0.4 < fix["slope"] < 0.65, fix
    ebm._recalibrate(est, fix["slope"], fix["intercept"])
    exp = m.explain(X)
    np.testing.assert_allclose(exp.intercept + exp.contributions.sum(axis=1), exp.logit, atol=1e-10)
    np.testing.assert_allclose(ebm.sigmoid(exp.logit), m.predict_proba(X), atol=1e-9)
    assert 0.85 < evaluation.calibration_slope(y, m.predict_proba(X)) < 1.2


def test_groups_hold_out_whole_people_in_every_bag():
    X, y = _frame(n=900, seed=5)
    person = np.repeat(np.arange(90), 10)  # ten monthly rows per person
    split = ebm._bag_split(y, 3, 0.15, 42, groups=person)
    assert split.shape == (900, 3)
    for b in range(3):
        held = split[:, b] == -1
        assert set(person[held]).isdisjoint(person[~held]) and len(set(person[held])) == 14  # 15 % of 90 people
    m = ebm.fit(X, y, categorical=["schedule_type"], params={"outer_bags": 3, "interactions": 0}, groups=person)
    assert m.calibration["rows"] == int((split == -1).sum())  # the check used exactly those held-out rows


def test_who_is_held_out_depends_on_the_people_not_on_the_row_order():
    """The same data in another row order (another database's primary keys) holds out the same people."""
    X, y = _frame(n=900, seed=5)
    person = np.array([f"E{i:05d}" for i in np.repeat(np.arange(90), 10)])
    order = np.random.default_rng(1).permutation(900)
    a = ebm._bag_split(y, 3, 0.15, 42, groups=person)
    b = ebm._bag_split(y[order], 3, 0.15, 42, groups=person[order])
    for k in range(3):
        assert set(person[a[:, k] == -1]) == set(person[order][b[:, k] == -1])
