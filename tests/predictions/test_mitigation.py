"""The bias mitigation HR can try from the audit page: retrain without chosen features, compare before/after."""

import pytest

from predictions.models import ModelStatus, TrainedModel
from predictions.services import model_run
from tests.predictions.conftest import FAST_EBM

pytestmark = [pytest.mark.django_db, pytest.mark.slow]  # trains two small models (~8 s)


def test_retrain_without_a_feature_shows_audit_and_accuracy_side_by_side(client, trained, hr_admin, recruiter):
    TrainedModel.objects.filter(pk=trained.pk).update(params={**FAST_EBM, **{"recalibration": {"applied": False}}})
    client.force_login(recruiter)  # recruiters read the audit but may not train
    assert client.post(f"/predictions/models/{trained.pk}/mitigate", {"exclude": ["overtime_hours"]}).status_code == 403
    client.force_login(hr_admin)
    r = client.post(f"/predictions/models/{trained.pk}/mitigate", {"exclude": ["no_such_feature"]})
    assert r.status_code == 302 and TrainedModel.objects.count() == 1  # refused, nothing queued
    r = client.post(f"/predictions/models/{trained.pk}/mitigate", {"exclude": ["overtime_hours"]})
    new = TrainedModel.objects.exclude(pk=trained.pk).get()
    assert r.status_code == 302 and r["Location"].endswith(f"/models/{new.pk}/audit/")
    assert new.derived_from_id == trained.pk and new.excluded_features == ["overtime_hours"]
    assert {k: v for k, v in new.params.items()} == FAST_EBM  # the base's inputs, not its fitted results

    new = model_run(model_id=new.pk)
    assert new.status == ModelStatus.READY, new.error  # waits for a human promote
    assert "overtime_hours" not in new.features and new.bias_audit.get("holdout")
    page = client.get(f"/predictions/models/{new.pk}/audit/").content.decode()
    assert 'id="mitigation-compare"' in page
    for m in (trained, new):
        assert f"{m.metrics['roc_auc']:.3f}" in page
    # the planted driver carried the signal: without it the model is measurably worse, and the page says so
    assert new.metrics["roc_auc"] < trained.metrics["roc_auc"]
