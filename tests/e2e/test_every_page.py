"""Every dashboard page as each role, in Chromium: 0 serious/critical axe-core violations, nothing wider
than a 390 px phone screen, a skip link, one h1 and a favicon (no 404). The page list is tests/e2e/pages.py
(the same one `make screenshots` uses)."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from tests.e2e.conftest import wait_js
from tests.e2e.pages import AXE_JS, OVERFLOW_JS, WIDE_JS, pages_for

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

AXE = Path(__file__).resolve().parents[2] / "static" / "vendor" / "axe-core-4.11.1.min.js"


@pytest.fixture
def full_world(transactional_db, tmp_path, settings):
    """Both models trained, a completed forecast run, an HR admin and a recruiter (built before the browser)."""
    from django.db.models import F

    from predictions.models import Prediction
    from predictions.services import model_run, model_train
    from technicians.models import Technician
    from tests.factories import HR_ADMIN, RECRUITER, make_user
    from tests.forecasts.conftest import make_completed_run
    from tests.predictions.conftest import FAST_EBM, make_world

    settings.MODEL_STORE = tmp_path / "models"
    world = make_world(n=90, months=12)
    # some hires leave within 90 days, so the quality-of-hire model has both outcomes to learn from
    early = [t.pk for t in world["technicians"][:90:3]]
    Technician.objects.filter(pk__in=early).update(
        termination_date=F("hire_date") + timedelta(days=40), termination_type="voluntary"
    )
    ids = {}
    for kind in ("retention", "quality_of_hire"):
        m = model_run(model_id=model_train(model_type=kind, params=FAST_EBM, enqueue=False).id)
        assert m.status == "active", m.error
        ids[kind] = m
    run = make_completed_run(
        demand={d: [(300 + i, 280 + i, 320 + i) for i in range(12)] for d in ("d0", "d1")}, horizon=12
    )
    make_user("hr-all", HR_ADMIN)
    make_user("rec-all", RECRUITER)
    tech = Prediction.objects.filter(model=ids["retention"]).order_by("-score").first().technician
    cand = Prediction.objects.filter(model=ids["quality_of_hire"]).first().candidate
    return {"tech": tech.employee_id, "candidate": cand.candidate_id, "model": str(ids["retention"].pk),
            "run": str(run.pk)}  # fmt: skip


def _login(page, base, username):
    page.goto(f"{base}/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", "pw-12345678")
    page.click("button[type=submit]")
    page.wait_for_load_state()


def test_every_page_is_accessible_and_fits_a_phone(live_server, full_world, browser_page):
    page = browser_page
    context = page.context
    problems: list[str] = []
    missing: list[str] = []
    page.on("response", lambda r: missing.append(r.url) if r.status == 404 else None)
    for role, user in (("hr", "hr-all"), ("rec", "rec-all")):
        context.clear_cookies()
        page.set_viewport_size({"width": 390, "height": 844})
        _login(page, live_server.url, user)
        for name, path in pages_for(role, full_world):
            response = page.goto(live_server.url + path)
            page.wait_for_load_state("load")
            wait_js(page, "!document.querySelector('.htmx-request')")  # panels loaded by htmx
            where = f"{role} {name} ({path})"
            if response is None or response.status != 200:
                problems.append(f"{where}: HTTP {response and response.status}")
            over = page.evaluate(OVERFLOW_JS)
            if over > 1:
                problems.append(f"{where}: {over}px wider than a 390px screen: {page.evaluate(WIDE_JS)}")
            page.add_script_tag(url=f"{live_server.url}/static/vendor/{AXE.name}")  # same origin: allowed by the CSP
            for v in page.evaluate(AXE_JS):
                problems.append(f"{where}: axe {v['impact']} {v['id']} — {v['help']} {v['nodes']}")
            if not path.startswith("/admin/"):
                if page.locator("h1").count() != 1:
                    problems.append(f"{where}: {page.locator('h1').count()} h1 headings")
                if page.locator("a.skip-link[href='#main']").count() != 1:
                    problems.append(f"{where}: no skip link")
    assert not [u for u in missing if "favicon" in u], missing
    assert not problems, "\n".join(problems)
