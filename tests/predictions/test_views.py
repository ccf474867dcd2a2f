"""HTMX pages render as full pages and partials, with the right data and permissions."""

from predictions.models import Prediction, RetentionProgram


def _emp(trained):
    return (
        Prediction.objects.filter(model=trained, band="high")
        .select_related("technician")
        .first()
        .technician.employee_id
    )


def test_risk_dashboard_full_page_and_partial(trained, recruiter_client):
    r = recruiter_client.get("/predictions/")
    html = r.content.decode()
    assert r.status_code == 200 and 'id="risk-list"' in html and "<html" in html and 'id="band-counts"' in html
    r = recruiter_client.get("/predictions/?band=high&district=d1", headers={"HX-Request": "true"})
    part = r.content.decode()
    assert "<html" not in part and 'id="risk-list"' in part and "badge medium" not in part.split("risk-list")[1]


def test_dashboard_without_model_says_so(world, recruiter_client):
    assert "No active retention model yet" in recruiter_client.get("/predictions/").content.decode()


def test_technician_panel_partial_and_full_page(trained, hr_client):
    emp = _emp(trained)
    part = hr_client.get(f"/predictions/technicians/{emp}/panel", headers={"HX-Request": "true"}).content.decode()
    assert (
        "<html" not in part
        and 'id="what-if-form"' in part
        and 'data-chart="contrib"' in part
        and "adds the most" in part
    )
    full = hr_client.get(f"/predictions/technicians/{emp}/").content.decode()
    assert "<html" in full and 'id="prediction-panel"' in full
    assert hr_client.get("/predictions/technicians/NOPE/panel").status_code == 404
    assert hr_client.get("/predictions/technicians/A%00B/panel").status_code == 404


def test_what_if_form_returns_new_score_and_422_on_bad_value(trained, hr_client):
    emp = _emp(trained)
    r = hr_client.post(
        f"/predictions/technicians/{emp}/what-if", {"overtime_hours": "0"}, headers={"HX-Request": "true"}
    )
    assert r.status_code == 200 and 'id="what-if-score"' in r.content.decode()
    r = hr_client.post(
        f"/predictions/technicians/{emp}/what-if", {"overtime_hours": "999"}, headers={"HX-Request": "true"}
    )
    assert (
        r.status_code == 200 and 'id="what-if-error"' in r.content.decode() and "overtime_hours" in r.content.decode()
    )
    r = hr_client.post(f"/predictions/technicians/{emp}/what-if", {"overtime_hours": "abc"})
    assert r.status_code == 422 and "overtime_hours" in r.content.decode()


def test_models_page_shows_metrics_charts_and_train_button_for_hr_only(trained, hr_admin, recruiter_client):
    from django.test import Client

    hr_client = Client()
    hr_client.force_login(hr_admin)
    html = hr_client.get("/predictions/models/").content.decode()
    assert 'id="train-button"' in html and "model-charts-shapes" in html and "ROC AUC" in html
    assert 'id="train-button"' not in recruiter_client.get("/predictions/models/").content.decode()
    assert recruiter_client.post("/predictions/models/train/", {"model_type": "retention"}).status_code == 403


def test_train_button_queues_a_run_and_shows_progress(world, hr_client, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as cbs:
        r = hr_client.post("/predictions/models/train/", {"model_type": "retention"}, headers={"HX-Request": "true"})
    assert r.status_code == 200 and "data-ws-progress" in r.content.decode() and len(cbs) == 1


def test_programs_page_computes_roi(trained, recruiter_client):
    p = RetentionProgram.objects.create(name="Cap OT", cost_per_technician=100, change={"overtime_hours": {"cap": 8}})
    html = recruiter_client.get(f"/predictions/programs/?program={p.pk}").content.decode()
    assert 'id="roi-result"' in html and "Departures avoided" in html


def test_candidates_page(world, recruiter_client):
    r = recruiter_client.get("/predictions/candidates/")
    assert r.status_code == 200 and "No active quality-of-hire model" in r.content.decode()


def test_technician_detail_page_embeds_the_panel(trained, hr_client):
    emp = _emp(trained)
    html = hr_client.get(f"/technicians/{emp}/").content.decode()
    assert f"/predictions/technicians/{emp}/panel" in html
