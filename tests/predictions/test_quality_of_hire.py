"""Quality of hire end to end on demo data: train, rank open candidates, explain without offered pay for recruiters."""

import json
from datetime import date
from io import StringIO

import pytest
from django.core.management import call_command

from predictions import selectors
from predictions.models import ModelStatus, TrainedModel
from technicians.demo import demo_generate
from technicians.demo.load import demo_data_load


@pytest.fixture
def demo(db, model_store):
    demo_data_load(data=demo_generate(technicians=400, months=18, seed=5, as_of=date(2026, 6, 30)))


def test_train_models_command_trains_missing_types_and_ranks_candidates(demo, recruiter, hr_admin, settings):
    settings.PREDICTIONS_MIN_TRAIN_ROWS = 30
    out = StringIO()
    call_command("train_models", "--type", "quality_of_hire", "--sync", "--if-missing", stdout=out)
    assert "active" in out.getvalue(), out.getvalue()
    m = TrainedModel.objects.get(model_type="quality_of_hire")
    assert m.status == ModelStatus.ACTIVE and m.metrics["roc_auc"] is not None

    ranking = selectors.candidate_ranking(user=recruiter, limit=10)
    assert ranking["count"] > 0
    scores = [i["score"] for i in ranking["items"]]
    assert scores == sorted(scores, reverse=True)
    cid = ranking["items"][0]["candidate_id"]
    rec = selectors.candidate_quality(user=recruiter, candidate_id=cid)
    assert "offered_pay" not in json.dumps(rec, default=str)
    hr = selectors.candidate_quality(user=hr_admin, candidate_id=cid)
    assert any(c["feature"].startswith("offered_pay") for c in hr["contributions"])
    assert abs(hr["intercept"] + sum(c["contribution"] for c in hr["contributions"]) - hr["logit"]) < 1e-9

    from django.test import Client

    c = Client()
    c.force_login(recruiter)
    html = c.get(f"/predictions/candidates/{cid}/").content.decode()
    assert 'id="qoh-score"' in html and "offered" not in html.lower()
    assert cid in c.get("/predictions/candidates/").content.decode()

    # --if-missing leaves a type with an active model alone
    out = StringIO()
    call_command("train_models", "--type", "quality_of_hire", "--sync", "--if-missing", stdout=out)
    assert "skipping" in out.getvalue() and TrainedModel.objects.filter(model_type="quality_of_hire").count() == 1
