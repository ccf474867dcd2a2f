"""A recruiter never receives pay (or any HR-only term) in explanations, rankings, pages or the API."""

import json

import pytest

from predictions import selectors, services
from predictions.models import Prediction

SENSITIVE_WORDS = ("pay", "salary", "performance", "rating")


def _top_employee(trained) -> str:
    return (
        Prediction.objects.filter(model=trained)
        .order_by("-score")
        .select_related("technician")
        .first()
        .technician.employee_id
    )


def _assert_no_pay(text: str):
    low = text.lower()
    for w in ("pay_rate", "pay_vs_district_median", "pay rate", "pay vs district", "pay of $"):
        assert w not in low, f"{w!r} leaked"


def test_recruiter_sees_restricted_fold_that_still_sums_to_logit(trained, recruiter, hr_admin):
    emp = _top_employee(trained)
    rec = selectors.technician_risk(user=recruiter, employee_id=emp)
    hr = selectors.technician_risk(user=hr_admin, employee_id=emp)
    rec_features = {c["feature"] for c in rec["contributions"]}
    assert "restricted" in rec_features and not any(f.startswith("pay") for f in rec_features)
    assert {"pay_rate", "pay_vs_district_median"} <= {c["feature"] for c in hr["contributions"]}
    for r in (rec, hr):
        assert abs(r["intercept"] + sum(c["contribution"] for c in r["contributions"]) - r["logit"]) < 1e-9
    restricted = next(c for c in rec["contributions"] if c["feature"] == "restricted")
    assert restricted["label"] == "Other (restricted) factors" and restricted["value"] is None
    _assert_no_pay(json.dumps(rec, default=str))
    _assert_no_pay(rec["explanation"])


def test_explanation_names_visible_drivers_in_plain_english(trained, hr_admin):
    emp = _top_employee(trained)
    text = selectors.technician_risk(user=hr_admin, employee_id=emp)["explanation"]
    assert "adds the most to this risk" in text and "percentage points" in text


def test_recruiter_ranking_and_api_and_panel_have_no_pay(trained, recruiter, client, api_key_for):
    _assert_no_pay(json.dumps(selectors.risk_ranking(user=recruiter, limit=50), default=str))
    emp = _top_employee(trained)
    key = api_key_for(recruiter)
    for url in (f"/api/v1/predictions/technicians/{emp}/risk", "/api/v1/predictions/risk?limit=50",
                f"/api/v1/predictions/models/{trained.id}"):  # fmt: skip
        r = client.get(url, headers={"Authorization": f"Bearer {key}"})
        assert r.status_code == 200, r.content
        _assert_no_pay(r.content.decode())
    client.force_login(recruiter)
    html = client.get(f"/predictions/technicians/{emp}/panel").content.decode()
    assert "Other (restricted) factors" in html
    _assert_no_pay(html)
    assert 'name="pay_rate"' not in html


def test_recruiter_cannot_what_if_pay(trained, recruiter):
    with pytest.raises(services.WhatIfError) as exc:
        services.what_if(user=recruiter, employee_id=_top_employee(trained), changes={"pay_rate": 40})
    assert exc.value.field == "pay_rate"


def test_hr_what_if_on_pay_moves_score(trained, hr_admin):
    out = services.what_if(user=hr_admin, employee_id=_top_employee(trained), changes={"pay_rate": 60})
    assert out["after"]["score"] != out["before"]["score"]
