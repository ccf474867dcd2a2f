"""Browser test: programs compared side by side (range chart), candidates picked and compared (colours follow
meaning), hiring pipeline grouped by district through HTMX."""

from datetime import date, timedelta

import pytest

GREEN = "rgb(5, 96, 58)"


@pytest.fixture
def world_with_models(transactional_db, tmp_path, settings):
    from analytics.population import add_months
    from predictions.models import RetentionProgram
    from predictions.services import model_run, model_train
    from technicians.models import Technician
    from tests.factories import HR_ADMIN, make_user
    from tests.predictions.conftest import FAST_EBM, make_world

    settings.MODEL_STORE = tmp_path / "models"
    make_world(n=100, months=14, start=add_months(date.today().replace(day=1), -14))
    for t in Technician.objects.filter(candidate__isnull=False).order_by("employee_id")[::3]:  # two classes for QoH
        t.termination_date, t.termination_type = t.hire_date + timedelta(days=40), "voluntary"
        t.save(update_fields=["termination_date", "termination_type"])
    for kind in ("retention", "quality_of_hire"):
        m = model_run(model_id=model_train(model_type=kind, params=FAST_EBM, enqueue=False).id)
        assert m.status == "active", m.error
    RetentionProgram.objects.create(
        name="Overtime cap 8", change={"overtime_hours": {"cap": 8}}, cost_per_technician=300
    )
    RetentionProgram.objects.create(
        name="Training boost", change={"training_hours": {"add": 4}}, cost_per_technician=80
    )
    make_user("hr-e2e", HR_ADMIN)


@pytest.mark.e2e
def test_programs_candidates_pipeline(live_server, world_with_models, browser_page):
    page = browser_page
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("#id_username", "hr-e2e")
    page.fill("#id_password", "pw-12345678")
    page.click("button[type=submit]")
    page.wait_for_selector("#tile-headcount")

    # programs: tick both, compare — side by side, horizon stated, range chart drawn
    page.goto(f"{live_server.url}/predictions/programs/")
    for box in page.locator("#programs-form input[name=program]").all():
        box.check()
    page.click("#programs-form button[type=submit]")
    page.wait_for_selector("#program-compare")
    assert page.locator("#program-compare thead th").count() == 3
    assert "Horizon:" in page.inner_text("#roi-horizon")
    assert "Overtime capped at 8.0 h/week" in page.inner_text("#program-compare")
    page.wait_for_selector("#roi-result canvas[data-rendered]")
    page.wait_for_url("**program=*program=**")

    # candidates: pick two on the list, compare; green cells raise the chance of staying
    page.goto(f"{live_server.url}/predictions/candidates/")
    page.wait_for_selector("#candidate-list")
    boxes = page.locator("#candidate-list input[name=id]")
    boxes.nth(0).check()
    boxes.nth(1).check()
    page.click("#cand-compare-btn")
    page.wait_for_selector("#candidate-compare-table")
    assert page.locator("#candidate-compare-table thead th").count() == 3
    page.wait_for_selector("#candidate-compare canvas[data-rendered]")
    good = page.locator("#candidate-compare-table td.effect-good")
    if good.count():
        assert good.first.evaluate("e => getComputedStyle(e).color") == GREEN

    # hiring pipeline: by source, then by district through HTMX
    page.goto(f"{live_server.url}/analytics/pipeline/")
    page.wait_for_selector("#pipeline-result canvas[data-rendered]")
    assert "Employee referral" in page.inner_text("#pipeline-table")
    page.select_option("#pf-by", "district")
    page.wait_for_url("**by=district**")
    page.wait_for_selector("#pipeline-result canvas[data-rendered]")
    assert "District 0" in page.inner_text("#pipeline-table")
