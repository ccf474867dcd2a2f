"""The promotion gate: blocked without a justification, promoted with one, recorded with the numbers."""

from datetime import timedelta

import numpy as np
import pytest
from django.utils import timezone

from predictions.fairness import bias_audit
from predictions.models import ModelStatus, TrainedModel
from predictions.services import STAGE_ACTIVATE

pytestmark = pytest.mark.django_db


def _audit(female_selected: int) -> dict:
    """90 men (45 selected) and 10 women (``female_selected`` selected): female ratio = f/10 / 0.5."""
    sex = ["male"] * 90 + ["female"] * 10
    sel = np.array([i < 45 for i in range(90)] + [i < female_selected for i in range(10)])
    part = bias_audit(score=sel.astype(float), selected=sel, sex=sex, race_ethnicity=["white"] * 100)
    return {"holdout": {"data": "holdout", **part}, "population": {"data": "pop", **part}, "favourable": "stay"}


def _versions(*, female_selected: int, audited_days_ago: int = 1):
    active = TrainedModel.objects.create(
        model_type="retention", version=1, status=ModelStatus.ACTIVE, artifact_sha256="a" * 64
    )
    ready = TrainedModel.objects.create(
        model_type="retention", version=2, status=ModelStatus.READY, artifact_sha256="b" * 64,
        bias_audit=_audit(female_selected), bias_audited_at=timezone.now() - timedelta(days=audited_days_ago),
    )  # fmt: skip
    return active, ready


def _promote(client, key, model, **body):
    return client.post(
        f"/api/v1/predictions/models/{model.pk}/promote", body or None, content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {key}",
    )  # fmt: skip


def test_low_impact_ratio_blocks_promotion_without_justification(client, hr_admin, api_key_for):
    active, ready = _versions(female_selected=3)  # 0.3 / 0.5 = 0.6
    key = api_key_for(hr_admin)
    r = _promote(client, key, ready)
    assert r.status_code == 409
    gate = r.json()["gate"]
    assert gate["needs_justification"] and gate["min_impact_ratio"] == pytest.approx(0.6)
    assert {(f["dimension"], f["category"]) for f in gate["flags"]} == {
        ("sex", "female"),
        ("intersectional", "female · white"),
    }
    r = _promote(client, key, ready, justification="too short")
    assert r.status_code == 409
    ready.refresh_from_db()
    active.refresh_from_db()
    assert ready.stage != STAGE_ACTIVATE and active.status == ModelStatus.ACTIVE and ready.promotion_overrides == []


def test_written_justification_promotes_and_is_recorded_with_the_numbers(client, hr_admin, api_key_for):
    active, ready = _versions(female_selected=3)
    why = "Holdout of ten women is tiny; reviewed each case with legal, monitoring monthly."
    r = _promote(client, api_key_for(hr_admin), ready, justification=why)
    assert r.status_code == 200, r.content
    ready.refresh_from_db()
    active.refresh_from_db()
    # accepted: the version is scored first and then switched active (predictions.services.model_promote)
    assert ready.stage == STAGE_ACTIVATE and active.status == ModelStatus.ACTIVE
    (rec,) = ready.promotion_overrides
    assert rec["justification"] == why and rec["by"] == hr_admin.username and rec["via"] == "api"
    assert rec["min_impact_ratio"] == pytest.approx(0.6)
    # female and female · white, selection and scoring rate, holdout and population: 8 overridden ratios
    assert len(rec["overridden"]) == 8 and all(f["impact_ratio"] == pytest.approx(0.6) for f in rec["overridden"])


def test_clean_current_audit_promotes_without_justification(client, hr_admin, api_key_for):
    _, ready = _versions(female_selected=5)  # ratio 1.0
    assert _promote(client, api_key_for(hr_admin), ready).status_code == 200
    ready.refresh_from_db()
    assert ready.stage == STAGE_ACTIVATE and ready.promotion_overrides == []


def test_stale_or_missing_audit_needs_justification(client, hr_admin, api_key_for, settings):
    settings.BIAS_AUDIT_MAX_AGE_DAYS = 30
    _, ready = _versions(female_selected=5, audited_days_ago=45)
    r = _promote(client, api_key_for(hr_admin), ready)
    assert r.status_code == 409 and "45 days old" in r.json()["detail"]
    TrainedModel.objects.filter(pk=ready.pk).update(bias_audit={}, bias_audited_at=None)
    r = _promote(client, api_key_for(hr_admin), ready)
    assert r.status_code == 409 and "no bias audit" in r.json()["detail"]


def test_recruiter_cannot_promote_and_page_shows_the_audit(client, recruiter, hr_admin, api_key_for):
    _, ready = _versions(female_selected=3)
    assert _promote(client, api_key_for(recruiter), ready).status_code == 403
    client.force_login(hr_admin)
    page = client.get(f"/predictions/models/{ready.pk}/audit/").content.decode()
    assert 'id="gate-blocked"' in page and "0.600" in page and 'name="justification"' in page
    r = client.post(f"/predictions/models/{ready.pk}/promote", {"justification": ""})
    assert r.status_code == 302 and r["Location"].endswith(f"/models/{ready.pk}/audit/")
    ready.refresh_from_db()
    assert ready.status == ModelStatus.READY and ready.stage != STAGE_ACTIVATE


def test_admin_action_shows_gate_then_promotes_with_justification(client, hr_admin):
    hr_admin.is_superuser = True
    hr_admin.save()
    client.force_login(hr_admin)
    _, ready = _versions(female_selected=3)
    url = "/admin/predictions/trainedmodel/"
    page = client.post(url, {"action": "promote", "_selected_action": [str(ready.pk)]}).content.decode()
    assert "Review the bias audit" in page and "0.600" in page
    ready.refresh_from_db()
    assert ready.stage != STAGE_ACTIVATE
    why = "Accepted after review by HR and legal; proxy feature under investigation."
    client.post(
        url,
        {"action": "promote", "_selected_action": [str(ready.pk)], "confirm": "yes", f"justification_{ready.pk}": why},
    )
    ready.refresh_from_db()
    assert ready.stage == STAGE_ACTIVATE and ready.promotion_overrides[0]["via"] == "admin"
