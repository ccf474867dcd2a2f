"""Quality of hire is trained on hires but scores every open applicant: its drift is measured against the
applicants when the version was trained (the last year's applications and the open ones), not against the hires —
applicants differ from hires by the selection itself, so against the training rows every nightly scoring
alerted. A real shift of the applicants still alerts."""

from datetime import date
from io import StringIO

import pytest
from django.core.management import call_command

from predictions import candidate_features
from predictions.models import DriftReport, TrainedModel
from predictions.scoring_runs import predictions_score
from technicians.demo import demo_generate
from technicians.demo.load import demo_data_load
from technicians.models import Candidate


@pytest.fixture
def qoh(db, model_store, settings):
    settings.PREDICTIONS_MIN_TRAIN_ROWS = 30
    demo_data_load(data=demo_generate(technicians=400, months=18, seed=5, as_of=date(2026, 6, 30)))
    call_command("train_models", "--type", "quality_of_hire", "--sync", "--if-missing", stdout=StringIO())
    return TrainedModel.objects.get(model_type="quality_of_hire", status="active")


def test_the_reference_is_the_applicants_and_a_shift_of_them_alerts(qoh):
    prof = qoh.training_profile
    assert prof["reference"].startswith("applicants of the 365 days to ")
    open_now = candidate_features.candidate_scoring_frame().X
    assert prof["rows"] > len(open_now) > 0  # the year's applicants, the open ones among them

    # the first scoring (activation) scores open applicants, drawn from that population: no alert (against
    # the hires the version trained on, this same scoring alerted on "source": PSI 2.36 over a noise floor of 2.24)
    first = DriftReport.objects.filter(model=qoh).order_by("created_at").first()
    assert first is not None and not first.alert, first.alerts

    # the applicants do shift: every open applicant's assessment score drops to 5 → the next scoring alerts on it
    Candidate.objects.filter(stage__in=candidate_features.OPEN_STAGES).update(assessment_score=5.0)
    predictions_score(model_type="quality_of_hire")
    latest = DriftReport.objects.filter(model=qoh).order_by("-created_at").first()
    assert latest.pk != first.pk and latest.alert
    assert "assessment_score" in {a.get("feature") for a in latest.alerts if a.get("kind") == "feature_psi"}
