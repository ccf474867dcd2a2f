"""PSI and drift alerts on distributions whose answer is known by hand (pure, no database)."""

import math

import numpy as np
import pandas as pd
import pytest

from predictions import monitoring


def test_psi_of_known_shares():
    expected = 0.3 * math.log(0.8 / 0.5) + (-0.3) * math.log(0.2 / 0.5)  # 0.4159
    assert monitoring.psi_from_shares([0.5, 0.5], [0.8, 0.2]) == pytest.approx(expected, abs=1e-9)
    assert monitoring.psi_from_shares([0.25] * 4, [0.25] * 4) == 0.0


def test_identical_numeric_sample_has_zero_psi_and_a_shift_is_measured():
    base = pd.Series(np.linspace(0, 1, 10001))
    prof = monitoring.profile(pd.DataFrame({"x": base}), categorical=[])["features"]["x"]
    assert prof["edges"] == pytest.approx([0.1 * k for k in range(1, 10)])
    assert monitoring.psi(prof, base) == pytest.approx(0.0, abs=1e-9)
    # shifted by half the range: 5 deciles empty (floored at 1e-4), 4 unchanged, the top one holds 60 %
    shifted = pd.Series(np.linspace(0.5, 1.5, 10001))
    by_hand = 5 * (1e-4 - 0.1) * math.log(1e-4 / 0.1) + 0.5 * math.log(0.6 / 0.1)  # ≈ 4.346
    assert monitoring.psi(prof, shifted) == pytest.approx(by_hand, abs=0.01)


def test_missing_values_and_new_categories_count_as_shift():
    prof = monitoring.profile(pd.DataFrame({"c": ["a"] * 50 + ["b"] * 50}), categorical=["c"])["features"]["c"]
    assert prof["levels"] == {"a": 0.5, "b": 0.5}
    same = monitoring.psi(prof, pd.Series(["b", "a"] * 20))
    new = monitoring.psi(prof, pd.Series(["a"] * 50 + ["z"] * 50))
    by_hand = (0.5 - 0.5) * 0 + (1e-4 - 0.5) * math.log(1e-4 / 0.5) + (0.5 - 1e-4) * math.log(0.5 / 1e-4)
    assert same == pytest.approx(0.0) and new == pytest.approx(by_hand, rel=1e-6)


def test_alerts_fire_above_the_thresholds_only():
    calm = {"feature_psi": {"x": 0.05, "y": 0.19}, "score_psi": 0.1, "calibration": []}
    assert monitoring.alerts(calm, psi_threshold=0.2, calibration_threshold=0.1) == []
    cohorts = [{"cohort": "2026-01", "rows": 100, "predicted": 0.1, "realised": 0.25, "gap": 0.15, "roc_auc": 0.7}]
    drifted = {"feature_psi": {"x": 0.35, "y": 0.1}, "score_psi": 0.21, "calibration": cohorts}
    kinds = [
        (a["kind"], a["subject"]) for a in monitoring.alerts(drifted, psi_threshold=0.2, calibration_threshold=0.1)
    ]
    assert kinds == [("feature_psi", "x"), ("score_psi", "score"), ("calibration", "cohort 2026-01")]


def test_calibration_over_time_per_cohort():
    frame = pd.DataFrame(
        {
            "cohort": ["2026-01"] * 4 + ["2026-02"] * 2,
            "score": [0.1, 0.2, 0.8, 0.9, 0.5, 0.5],
            "outcome": [0, 0, 1, 1, 1, 1],
        }
    )
    jan, feb = monitoring.calibration_over_time(frame)
    assert (jan["rows"], jan["predicted"], jan["realised"], jan["roc_auc"]) == (4, 0.5, 0.5, 1.0)
    assert feb["gap"] == 0.5 and feb["roc_auc"] is None  # one class only: no AUC


def test_numeric_psi_compares_present_values_and_reports_the_missing_rate_apart():
    """Open candidates have no offer yet by design: a feature that is mostly missing now but whose present
    values are distributed as in training is not drift (it fired on every first start); the change of the
    missing rate is reported beside the PSI, not alerted."""
    base = pd.Series(np.linspace(0, 1, 10001))
    prof = monitoring.profile(pd.DataFrame({"x": base}), categorical=[])
    now = pd.DataFrame({"x": np.r_[np.linspace(0, 1, 2001), [np.nan] * 8000]})  # same values, 80 % missing
    report = monitoring.drift(prof, now)
    assert report["feature_psi"]["x"] == pytest.approx(0.0, abs=1e-3)
    assert report["missing_rate"]["x"] == {"training": 0.0, "now": pytest.approx(0.8, abs=1e-3)}
    assert monitoring.alerts({**report, "calibration": []}, psi_threshold=0.2, calibration_threshold=0.1) == []
    shifted = pd.DataFrame({"x": np.r_[np.linspace(0.5, 1.5, 2001), [np.nan] * 8000]})
    assert monitoring.drift(prof, shifted)["feature_psi"]["x"] > 1  # a real shift among present values still counts
    assert monitoring.psi(prof["features"]["x"], pd.Series([np.nan] * 5)) is None  # nothing present: nothing to compare


def _noise_case(rng, n, shift):
    train = pd.DataFrame({"x": rng.normal(0, 1, 20_000), "c": rng.choice(list("abcde"), 20_000)})
    prof = monitoring.profile(train, categorical=["c"], score=rng.uniform(0, 1, 20_000))
    now = pd.DataFrame({"x": rng.normal(shift, 1, n), "c": rng.choice(list("abcde"), n)})
    report = monitoring.drift(prof, now, rng.uniform(0, 1, n))
    return report, monitoring.alerts(report, psi_threshold=0.2, calibration_threshold=0.1)


def test_the_noise_floor_matches_psi_of_samples_drawn_without_any_shift():
    """PSI of samples from the training distribution itself exceeds the floor about 1 % of the time — and
    exceeds the 0.2 threshold far more often when the sample is small (what the floor is for)."""
    rng = np.random.default_rng(7)
    over_floor = over_threshold = 0
    trials = 400
    for _ in range(trials):
        report, _ = _noise_case(rng, 40, 0.0)
        over_floor += report["feature_psi"]["x"] > report["psi_noise"]["x"]
        over_threshold += report["feature_psi"]["x"] > 0.2
    assert over_floor / trials < 0.03  # nominal 1 % (the χ² approximation gave 13 % here: empty bins)
    assert over_threshold / trials > 0.3  # the bare threshold alarms on a third or more of unshifted samples


def test_small_unshifted_samples_do_not_alert_and_real_shifts_still_do():
    rng = np.random.default_rng(11)
    report, alerts = _noise_case(rng, 30, 0.0)
    assert report["psi_noise"]["x"] > 0.5 and not [a for a in alerts if a.get("feature") == "x"]
    _, alerts = _noise_case(rng, 30, 3.0)  # 30 rows three standard deviations away: a shift, however few
    assert any(a.get("feature") == "x" for a in alerts)
    report, alerts = _noise_case(rng, 20_000, 0.5)  # a large population, a moderate shift
    assert report["psi_noise"]["x"] < 0.01 and any(a.get("feature") == "x" for a in alerts)
