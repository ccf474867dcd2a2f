"""Explanations in percentage points: each factor's exact effect on the probability vs the population average."""

from __future__ import annotations

import math

import pytest


def _sig(z):
    return 1 / (1 + math.exp(-z))


def test_points_are_the_exact_change_when_a_term_is_set_to_its_average(adb, hr_admin):
    from predictions.models import Prediction
    from predictions.selectors import technician_risk

    model = adb["model"]
    r = technician_risk(user=hr_admin, employee_id="T00003")
    rows = Prediction.objects.filter(model=model, as_of=r["as_of"]).values_list("contributions", flat=True)
    from predictions.codebook import decode_rows

    m = decode_rows(model, rows).mean(axis=0)  # stored as codes into the codebook or as float64
    mean = dict(zip(model.terms, m, strict=True))
    for c in r["contributions"]:
        expected = (_sig(r["logit"]) - _sig(r["logit"] - c["contribution"] + mean[c["feature"]])) * 100
        assert c["points"] == pytest.approx(expected, abs=1e-9)
    assert "points" in r["contributions"][0]


def test_recruiter_gets_one_restricted_line_with_points_and_no_pay(adb, recruiter, hr_admin):
    from predictions.selectors import technician_risk

    hr = technician_risk(user=hr_admin, employee_id="T00003")
    rec = technician_risk(user=recruiter, employee_id="T00003")
    names = [c["feature"] for c in rec["contributions"]]
    assert "restricted" in names and not any("pay" in n for n in names)
    restricted = next(c for c in rec["contributions"] if c["feature"] == "restricted")
    hidden = [c for c in hr["contributions"] if "pay" in c["feature"]]
    z, c, m = hr["logit"], sum(h["contribution"] for h in hidden), sum(h["mean"] for h in hidden)
    assert restricted["points"] == pytest.approx((_sig(z) - _sig(z - c + m)) * 100, abs=1e-9)
    assert "_logit" not in restricted and all("_logit" not in x for x in rec["contributions"])


def test_api_documents_points(adb, hr_client):
    r = hr_client.get("/api/v1/predictions/technicians/T00003/risk")
    assert r.status_code == 200
    assert all("points" in c for c in r.json()["contributions"])
