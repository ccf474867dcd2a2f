"""Registry lifecycle: train → ready/active, one active per type, failures keep the active model,
re-delivery is idempotent, stored scores add up exactly, tampered artifacts are refused."""

import numpy as np
import pytest
from django.db import IntegrityError, transaction

from predictions import services
from predictions.artifacts import ArtifactError
from predictions.models import ModelStatus, Prediction, TrainedModel
from predictions.selectors import expected_departures_by_district, technician_risk
from tests.predictions.conftest import FAST_EBM


def test_first_training_becomes_active_with_metrics_artifact_and_scores(trained, model_store):
    m = trained
    assert m.status == ModelStatus.ACTIVE and m.progress == 100
    assert m.artifact_file.exists() and str(m.artifact_file).startswith(str(model_store))
    assert m.artifact_file.parts[-3:] == ("retention", "1", "model.sav") and len(m.artifact_sha256) == 64
    for key in ("roc_auc", "pr_auc", "brier", "log_loss", "calibration", "rows", "train_rows", "holdout_rows"):
        assert key in m.metrics
    assert m.metrics["roc_auc"] > 0.7  # the planted overtime driver is learnable
    assert m.window_start and m.window_end and m.features and m.importances
    assert Prediction.objects.filter(model=m).count() > 50


def test_stored_contributions_plus_intercept_equal_logit_for_every_scored_row(trained):
    preds = list(Prediction.objects.filter(model=trained))
    assert preds
    for p in preds:
        assert len(p.contribution_list()) == len(trained.terms)
        assert abs(p.intercept + sum(p.contribution_list()) - p.logit) < 1e-9
        assert abs(1 / (1 + np.exp(-p.logit)) - p.score) < 1e-9


def test_database_allows_only_one_active_model_per_type(trained):
    second = services.model_train(model_type="retention", params=FAST_EBM, enqueue=False)
    with pytest.raises(IntegrityError), transaction.atomic():
        TrainedModel.objects.filter(pk=second.pk).update(status=ModelStatus.ACTIVE)


def test_promote_archives_previous_active(trained, django_capture_on_commit_callbacks):
    second = services.model_run(
        model_id=services.model_train(model_type="retention", params=FAST_EBM, enqueue=False).id
    )
    assert second.status == ModelStatus.READY  # an active model exists: HR decides
    services.model_promote(model=second, enqueue=False)
    trained.refresh_from_db()
    second.refresh_from_db()
    assert (trained.status, second.status) == (ModelStatus.ARCHIVED, ModelStatus.ACTIVE)
    assert TrainedModel.objects.filter(model_type="retention", status="active").count() == 1


def test_failed_run_reports_reason_and_active_model_stays(trained, settings):
    settings.PREDICTIONS_MIN_TRAIN_ROWS = 10**7
    bad = services.model_run(model_id=services.model_train(model_type="retention", params=FAST_EBM, enqueue=False).id)
    assert bad.status == ModelStatus.FAILED and "too few labelled rows" in bad.error
    assert not bad.artifact_sha256
    trained.refresh_from_db()
    assert trained.status == ModelStatus.ACTIVE


def test_one_class_labels_fail_with_that_reason(world, model_store):
    # in this world every hired candidate is still employed at 90 days
    m = services.model_run(
        model_id=services.model_train(model_type="quality_of_hire", params=FAST_EBM, enqueue=False).id
    )
    assert m.status == ModelStatus.FAILED and "only one class" in m.error


def test_redelivered_run_is_idempotent(trained):
    n = Prediction.objects.count()
    again = services.model_run(model_id=trained.id)  # the same run delivered twice
    assert again.status == ModelStatus.ACTIVE and again.version == trained.version
    assert TrainedModel.objects.count() == 1 and Prediction.objects.count() == n


def test_run_interrupted_mid_training_is_retrained_on_redelivery(world, model_store):
    m = services.model_train(model_type="retention", params=FAST_EBM, enqueue=False)
    # a worker was killed here: row says training, nothing registered
    TrainedModel.objects.filter(pk=m.pk).update(status=ModelStatus.TRAINING, stage="fitting", progress=40)
    m.refresh_from_db()
    assert not m.artifact_sha256
    done = services.model_run(model_id=m.id)
    assert done.status == ModelStatus.ACTIVE and done.artifact_sha256


def test_rescoring_same_day_replaces_rows(trained):
    n = Prediction.objects.filter(model=trained).count()
    assert services.predictions_score(model_type="retention") == n
    assert Prediction.objects.filter(model=trained).count() == n


def test_tampered_artifact_is_refused_with_clear_error(trained, hr_admin):
    path = trained.artifact_file
    path.write_bytes(path.read_bytes()[:-10] + b"0123456789")
    with pytest.raises(ArtifactError, match="checksum"):
        services.predictions_score(model_type="retention")
    emp = Prediction.objects.filter(model=trained).select_related("technician").first().technician.employee_id
    with pytest.raises(ArtifactError):
        services.what_if(user=hr_admin, employee_id=emp, changes={"overtime_hours": 2})


def test_expected_departures_by_district_sums_scores(trained):
    out = expected_departures_by_district()
    total = sum(Prediction.objects.filter(model=trained).values_list("score", flat=True))
    assert set(out) == {"d0", "d1"} and abs(sum(out.values()) - total) < 1e-6


def test_expected_departures_empty_without_model(world):
    assert expected_departures_by_district() == {}


def test_tree_alternative_trains_and_explains_exactly(trained, hr_admin):
    tree = services.model_run(model_id=services.model_train(model_type="retention", algorithm="tree", enqueue=False).id)
    assert tree.status == ModelStatus.READY and tree.metrics["roc_auc"] > 0.6
    services.model_promote(model=tree, enqueue=False)
    services.predictions_score(model_type="retention")
    p = Prediction.objects.filter(model=tree).first()
    assert abs(p.intercept + sum(p.contribution_list()) - p.logit) < 1e-9
    risk = technician_risk(user=hr_admin, employee_id=p.technician.employee_id)
    assert risk["model_version"] == tree.version


def test_model_train_rejects_unknown_type_and_params(db):
    with pytest.raises(ValueError, match="model_type"):
        services.model_train(model_type="nope")
    with pytest.raises(ValueError, match="unknown ebm parameter"):
        services.model_train(model_type="retention", params={"bogus": 1})


def test_stored_inputs_round_trip_and_unseen_categories_score_like_unknown(trained):
    from predictions.features import retention_scoring_frame
    from predictions.models import UNSEEN_LEVEL
    from predictions.services import decode_values, encode_values, load_fitted

    fitted = load_fitted(trained)
    frame = retention_scoring_frame()
    X = fitted.prepare(frame.X)
    back = decode_values(fitted, encode_values(fitted, X))
    np.testing.assert_allclose(fitted.predict_proba(back), fitted.predict_proba(X), atol=1e-12)
    X.loc[0, "schedule_type"] = "never-seen"
    back = decode_values(fitted, encode_values(fitted, X))
    assert back.loc[0, "schedule_type"] == UNSEEN_LEVEL
    assert abs(fitted.predict_proba(back.head(1))[0] - fitted.predict_proba(X.head(1))[0]) < 1e-12
