"""First start: pages say what is being prepared (with progress) and what *this* user can do — never
developer advice — and reload themselves when the result is ready."""

import pytest

from forecasts.models import ForecastRun
from predictions.models import TrainedModel
from tests.factories import make_user


@pytest.fixture
def training(db):
    return TrainedModel.objects.create(
        model_type="retention", version=1, status="training", stage="fitting", progress=45
    )


DEV_WORDS = ("manage.py", "POST /train", "run_forecasts", "OPENAI_API_KEY", "ask an HR admin to train")


def test_risk_page_while_the_first_model_trains(recruiter_client, training):
    html = recruiter_client.get("/predictions/").content.decode()
    assert "The retention model is being prepared." in html and "fitting · 45%" in html
    assert "Still being prepared:" in html  # the note on every page
    assert not [w for w in DEV_WORDS if w in html]
    assert 'hx-get="/status/?need=retention&amp;refresh=1"' in html


def test_queued_model_says_why_it_waits(recruiter_client, db):
    TrainedModel.objects.create(model_type="quality_of_hire", version=1, status="queued")
    html = recruiter_client.get("/predictions/candidates/").content.decode()
    assert "waiting for the worker" in html and "starts when the background worker is free" in html


def test_forecasts_page_while_the_first_run_is_in_progress(recruiter_client, db):
    ForecastRun.objects.create(metric="", horizon=12, status="running", series_total=40, series_done=10)
    html = recruiter_client.get("/forecasts/").content.decode()
    assert "The forecasts are being prepared." in html and "10 of 40 series · 25%" in html
    assert not [w for w in DEV_WORDS if w in html]


def test_no_model_at_all_tells_each_role_its_own_next_step(recruiter_client, client, db):
    rec = recruiter_client.get("/predictions/").content.decode()
    assert "No active retention model yet." in rec and "Nothing is needed from you" in rec
    assert not [w for w in DEV_WORDS if w in rec]
    client.force_login(make_user("hr-x", "HR admin"))
    hr = client.get("/predictions/").content.decode()
    assert "Train one on the Models page" in hr


def test_empty_state_reloads_the_page_when_the_model_is_ready(recruiter_client, training):
    polled = recruiter_client.get("/status/?need=retention&refresh=1", HTTP_HX_REQUEST="true")
    assert "fitting · 45%" in polled.content.decode() and "HX-Refresh" not in polled
    training.status, training.progress = "active", 100
    training.save()
    done = recruiter_client.get("/status/?need=retention&refresh=1", HTTP_HX_REQUEST="true")
    assert done["HX-Refresh"] == "true"
    note = recruiter_client.get("/status/?was=retention", HTTP_HX_REQUEST="true").content.decode()
    assert "Ready: retention risk model" in note and "every" not in note  # stops polling


def test_a_user_without_a_role_sees_nothing(client, training):
    client.force_login(make_user("nobody", None))
    assert client.get("/status/?need=retention").content == b""


def test_models_page_progress_box_says_why_it_waits_and_reloads_when_done(hr_client, db):
    m = TrainedModel.objects.create(model_type="retention", version=1, status="queued")
    box = hr_client.get(f"/predictions/models/{m.pk}/status", HTTP_HX_REQUEST="true")
    assert box.status_code == 200 and "waiting for the background worker" in box.content.decode()
    m.status, m.progress = "ready", 100
    m.save()
    done = hr_client.get(f"/predictions/models/{m.pk}/status", HTTP_HX_REQUEST="true")
    # the page reloads on that version, so the versions table shows it with its Promote button
    assert done.status_code == 204 and done["HX-Redirect"] == f"/predictions/models/?id={m.pk}"
