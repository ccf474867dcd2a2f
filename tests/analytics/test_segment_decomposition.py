"""Segment comparison: the per-term differences add up exactly to the difference in mean log-odds."""

from __future__ import annotations

import numpy as np
import pytest

from analytics.population import AnalyticsInputError, Filters
from analytics.segments import RESTRICTED_LABEL, Segment
from analytics.selectors import segment_compare


def _mean_logit_and_risk(model, district):
    from predictions.models import Prediction

    qs = Prediction.objects.filter(model=model, technician__district__code=district)
    rows = np.asarray(list(qs.values_list("logit", "score")))
    return rows[:, 0].mean(), rows[:, 1].mean(), len(rows)


def test_decomposition_is_exact_and_matches_the_stored_scores(adb, hr_admin):
    r = segment_compare(user=hr_admin, a=Segment(Filters(district="d0")), b=Segment(Filters(district="d1")))
    la, pa, na = _mean_logit_and_risk(adb["model"], "d0")
    lb, pb, nb = _mean_logit_and_risk(adb["model"], "d1")
    assert r["a"]["technicians"] == na and r["b"]["technicians"] == nb
    assert r["difference"]["logit"] == pytest.approx(la - lb, abs=1e-9)
    assert r["difference"]["risk_points"] == pytest.approx((pa - pb) * 100, abs=1e-9)
    assert sum(f["logit"] for f in r["factors"]) == pytest.approx(la - lb, abs=1e-9)
    assert sum(f["points"] for f in r["factors"]) == pytest.approx((pa - pb) * 100, abs=1e-9)
    # each factor is mean contribution in A − mean contribution in B
    for f in r["factors"]:
        if f["feature"] not in ("restricted", "nonlinearity"):
            assert f["logit"] == pytest.approx(f["a_contribution"] - f["b_contribution"], abs=1e-12)
    assert "points" in r["summary"] and "District 0" in r["summary"]


def test_high_overtime_segment_is_explained_by_overtime(adb, hr_admin):
    """The world plants overtime as the driver: the high-risk band vs the low band differs mostly by overtime."""
    r = segment_compare(user=hr_admin, a=Segment(band="high"), b=Segment(band="low"))
    assert r["difference"]["risk_points"] > 0
    top = r["factors"][0]
    assert top["feature"].startswith("overtime"), r["factors"][:3]
    assert top["points"] > 0 and top["a_value"].endswith("h/week")
    assert "overtime" in r["summary"].lower()


def test_recruiter_sees_restricted_terms_folded_into_one_line(adb, hr_admin, recruiter):
    a, b = Segment(Filters(district="d0")), Segment(Filters(district="d1"))
    hr = segment_compare(user=hr_admin, a=a, b=b)
    rec = segment_compare(user=recruiter, a=a, b=b)
    hr_names = {f["feature"] for f in hr["factors"]}
    rec_names = {f["feature"] for f in rec["factors"]}
    assert {"pay_rate", "pay_vs_district_median"} <= hr_names
    assert not any("pay" in n for n in rec_names)
    restricted = [f for f in rec["factors"] if f["feature"] == "restricted"]
    assert len(restricted) == 1 and restricted[0]["label"] == RESTRICTED_LABEL
    hidden = sum(f["logit"] for f in hr["factors"] if "pay" in f["feature"])
    assert restricted[0]["logit"] == pytest.approx(hidden, abs=1e-12)
    assert sum(f["points"] for f in rec["factors"]) == pytest.approx(rec["difference"]["risk_points"], abs=1e-9)


def test_observed_turnover_beside_the_prediction(adb, hr_admin):
    from technicians.models import Technician

    r = segment_compare(user=hr_admin, a=Segment(Filters(district="d0")), b=Segment(Filters(district="d1")))
    obs = r["a"]["observed"]
    start, end = obs["period"].split(" to ")
    left = Technician.objects.filter(
        district__code="d0", termination_type="voluntary", termination_date__gte=f"{start}-01"
    ).filter(termination_date__lt=r["a"]["as_of"].replace(day=1))
    assert obs["voluntary_departures"] == left.count()


def test_empty_or_unknown_segments_are_clear_errors(adb, hr_admin):
    with pytest.raises(AnalyticsInputError, match="unknown district"):
        segment_compare(user=hr_admin, a=Segment(Filters(district="nowhere")), b=Segment())
    with pytest.raises(AnalyticsInputError, match="no scored technicians"):
        segment_compare(user=hr_admin, a=Segment(Filters(trade="plumbing")), b=Segment())
