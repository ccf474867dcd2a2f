"""Programs compared (bootstrap range, break-even, horizon), candidates side by side with their inputs, and the
hiring pipeline (yield, time-to-fill) — services checked against independent computations, pages and API."""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np
import pandas as pd
import pytest
from django.test import Client


@pytest.fixture
def rec_client(recruiter):
    """A second client (hr_client and rec_client share one)."""
    c = Client()
    c.force_login(recruiter)
    return c


@pytest.fixture
def progs(adb):
    from predictions.models import RetentionProgram

    return {
        "cap": RetentionProgram.objects.create(name="Overtime cap 8", change={"overtime_hours": {"cap": 8}},
                                               cost_per_technician=300),
        "none": RetentionProgram.objects.create(name="Pizza Fridays", change={}, cost_per_technician=50),
        "pay": RetentionProgram.objects.create(name="Pay rise", change={"pay_rate": {"multiply": 1.05}},
                                               cost_per_technician=900),
    }  # fmt: skip


@pytest.mark.slow  # one what-if per technician as the independent check (~6 s)
def test_programs_compare_totals_ranges_and_break_even(adb, progs, hr_admin):
    from predictions.services import programs_compare, what_if
    from technicians.models import TechnicianSnapshot

    r = programs_compare(user=hr_admin, program_ids=[progs["cap"].pk, progs["none"].pk], district="d0",
                         trade="appliance")  # fmt: skip
    latest = adb["model"].predictions.order_by("-as_of").first().as_of
    cohort = adb["model"].predictions.filter(technician__district__code="d0", technician__trade="appliance",
                                             as_of=latest).select_related("technician")  # fmt: skip
    n = cohort.count()
    assert r["cohort_size"] == n > 5 and r["horizon_days"] == 90 and "90 days" in r["horizon"]
    cap, none = r["programs"]
    assert none["departures_avoided"] == pytest.approx(0, abs=1e-9)
    assert none["departures_avoided_range"] == pytest.approx((0.0, 0.0), abs=1e-9)
    # independently: one what-if per technician above the cap (overtime set to 8), summed
    expected = 0.0
    for p in cohort:
        ot = TechnicianSnapshot.objects.filter(technician=p.technician).order_by("-month").first().overtime_hours
        if ot > 8:
            w = what_if(user=hr_admin, employee_id=p.technician.employee_id, changes={"overtime_hours": 8})
            expected += w["before"]["score"] - w["after"]["score"]
    assert cap["departures_avoided"] == pytest.approx(expected, abs=1e-6) and expected != 0
    lo, hi = cap["departures_avoided_range"]
    assert lo < cap["departures_avoided"] < hi
    assert cap["net_benefit"] == pytest.approx(cap["departures_avoided"] * 18000 - 300 * n)
    assert cap["break_even_cost_per_technician"] == pytest.approx(cap["savings"] / n)
    assert r["best"] == max(r["programs"], key=lambda x: x["net_benefit"])["name"]
    assert cap["effect"] == "Overtime capped at 8.0 h/week" and none["effect"] == "No change recorded"
    # the bootstrap range of a total agrees with the normal approximation sqrt(n)·sd·1.96 (within 25%)
    from predictions.programs import _bootstrap_totals

    rng = np.random.default_rng(1)
    eff = rng.exponential(0.02, size=(400, 1))
    boot = _bootstrap_totals(eff, 2000, seed=2)[:, 0]
    half = (np.percentile(boot, 97.5) - np.percentile(boot, 2.5)) / 2
    assert half == pytest.approx(1.96 * np.sqrt(400) * eff.std(), rel=0.25)


def test_program_effects_in_words_and_pay_rule_hidden_from_recruiters(adb, progs, hr_client, rec_client):
    url = f"/predictions/programs/?program={progs['cap'].pk}&program={progs['pay'].pk}"
    hr = hr_client.get(url).content.decode()
    assert 'id="program-compare"' in hr and "Pay rate +5%" in hr and "Overtime capped at 8.0 h/week" in hr
    assert "Horizon:" in hr and "Break-even cost per enrolled technician" in hr and "{&#x27;" not in hr
    rec = rec_client.get(url).content.decode()
    assert "a restricted (HR-only) change" in rec and "Pay rate" not in rec and "multiply" not in rec
    part = hr_client.get(url, headers={"HX-Request": "true"})
    assert part.status_code == 200 and b"<html" not in part.content


def test_programs_compare_api(adb, progs, hr_client):
    ok = hr_client.get(f"/api/v1/predictions/programs/compare?program={progs['cap'].pk}&program={progs['none'].pk}")
    assert ok.status_code == 200, ok.content
    body = ok.json()
    assert [p["name"] for p in body["programs"]] == ["Overtime cap 8", "Pizza Fridays"]
    assert body["programs"][0]["effect"] == "Overtime capped at 8.0 h/week"
    # the hiring plan's call (totals only: samples=0) gives the same totals, without a range
    from predictions.services import program_roi

    old = program_roi(user=None, program_id=progs["cap"].pk, samples=0)
    assert old["departures_avoided"] == pytest.approx(body["programs"][0]["departures_avoided"])
    assert old["samples"] == 0
    assert hr_client.get("/api/v1/predictions/programs/compare?program=999999").status_code == 404
    many = "&".join(f"program={progs['cap'].pk}" for _ in range(1)) + "".join(f"&program={i}" for i in range(1, 8))
    assert hr_client.get(f"/api/v1/predictions/programs/compare?{many}").status_code in (404, 422)
    assert hr_client.get("/api/v1/predictions/programs/compare").status_code == 422
    assert hr_client.get(f"/api/v1/predictions/programs/compare?program={progs['cap'].pk}&band=x").status_code == 422


# --------------------------------------------------------------------------- hiring pipeline


def _independent_pipeline(today):
    from technicians.models import Candidate

    rows = pd.DataFrame(list(Candidate.objects.values(
        "source", "stage", "applied_date", "hired_technician__hire_date", "hired_technician__termination_date")))  # fmt: skip
    rows = rows[(rows.applied_date >= today - timedelta(days=730)) & (rows.applied_date <= today)]
    hired = rows[rows.hired_technician__hire_date.notna()]
    reached = hired[hired.hired_technician__hire_date <= today - timedelta(days=90)]
    kept = reached[reached.hired_technician__termination_date.isna()
                   | (reached.hired_technician__termination_date > reached.hired_technician__hire_date + timedelta(days=90))]  # fmt: skip
    ttf = (hired.hired_technician__hire_date - hired.applied_date).map(lambda d: d.days)
    return rows, hired, reached, kept, ttf


def test_pipeline_yield_matches_an_independent_count(adb):
    from analytics.population import Filters
    from analytics.selectors import pipeline_yield
    from technicians.models import Technician

    # a few hires left within 90 days, so retention is not trivially 100%
    recent = date.today() - timedelta(days=700)
    for t in Technician.objects.filter(candidate__source="agency", candidate__applied_date__gte=recent,
                                       hire_date__lte=date.today() - timedelta(days=120)).order_by("employee_id")[:4]:  # fmt: skip
        t.termination_date, t.termination_type = t.hire_date + timedelta(days=30), "voluntary"
        t.save(update_fields=["termination_date", "termination_type"])
    today = date.today()
    r = pipeline_yield(filters=Filters(), by="source")
    rows, hired, reached, kept, ttf = _independent_pipeline(today)
    assert r["total"]["applied"] == len(rows) and r["total"]["hired"] == len(hired)
    assert r["total"]["still_employed_90_days"] == len(kept) and r["total"]["reached_90_days"] == len(reached)
    assert r["total"]["time_to_fill_median_days"] == pytest.approx(float(np.median(ttf)))
    by = {g["key"]: g for g in r["groups"]}
    agency_kept = kept[kept.source == "agency"]
    assert by["agency"]["still_employed_90_days"] == len(agency_kept) < by["agency"]["reached_90_days"]
    assert by["agency"]["label"] == "Staffing agency"
    decided = rows[~rows.stage.isin(["applied", "screening", "interview", "offer", "accepted"])]
    assert r["total"]["hire_rate"] == pytest.approx(len(hired) / len(decided))
    d0 = pipeline_yield(filters=Filters(district="d0"), by="district")
    assert [g["key"] for g in d0["groups"]] == ["d0"]


def test_pipeline_page_and_api(adb, hr_client):
    page = hr_client.get("/analytics/pipeline/?by=district")
    html = page.content.decode()
    assert page.status_code == 200 and 'id="pipeline-table"' in html and "District 0" in html
    assert "Still employed at 90 days" in html and 'data-chart="yield"' in html
    junk = hr_client.get("/analytics/pipeline/?by=shoe&start=notadate&district=nowhere")
    assert junk.status_code == 200 and "Unknown district" in junk.content.decode()
    api = hr_client.get("/api/v1/analytics/pipeline?by=source&trade=hvac")
    assert api.status_code == 200 and api.json()["groups"]
    assert hr_client.get("/api/v1/analytics/pipeline?by=shoe").status_code == 422
    assert hr_client.get("/api/v1/analytics/pipeline?start=2025-01-01&end=2024-01-01").status_code == 422


# --------------------------------------------------------------------------- candidates side by side


@pytest.fixture
def qoh(adb):
    """A quality-of-hire model: some hires leave within 90 days (two classes), open candidates scored."""
    from predictions.services import model_run, model_train
    from technicians.models import Technician
    from tests.predictions.conftest import FAST_EBM

    for t in Technician.objects.filter(candidate__isnull=False).order_by("employee_id")[::3]:
        t.termination_date, t.termination_type = t.hire_date + timedelta(days=40), "voluntary"
        t.save(update_fields=["termination_date", "termination_type"])
    m = model_run(model_id=model_train(model_type="quality_of_hire", params=FAST_EBM, enqueue=False).id)
    assert m.status == "active", m.error
    return m


def test_candidates_side_by_side_respect_visibility(qoh, hr_client, rec_client):
    url = "/predictions/candidates/compare/?id=O00001&id=O00002&id=O00003"
    hr = hr_client.get(url)
    html = hr.content.decode()
    assert hr.status_code == 200 and 'id="candidate-compare-table"' in html
    assert html.count('data-chart="contrib"') == 3 and "Offered pay" in html
    rec = rec_client.get(url).content.decode()
    assert "Other (restricted) factors" in rec and "Offered pay" not in rec and "$30.00" not in rec
    assert "effect-good" in rec or "effect-bad" in rec
    assert hr_client.get("/predictions/candidates/compare/?id=O00001").status_code == 422
    four = "&".join(f"id=O0000{i}" for i in range(4))
    assert hr_client.get(f"/predictions/candidates/compare/?{four}").status_code == 422
    assert hr_client.get("/predictions/candidates/compare/?id=O00001&id=NOPE").status_code == 404
    api = rec_client.get("/api/v1/predictions/candidates/compare?id=O00001&id=O00002")
    assert api.status_code == 200 and len(api.json()["candidates"]) == 2
    assert "offered_pay" not in api.content.decode()
    # the candidate page shows the inputs behind the score (one trained model for both checks: training is slow)
    html = hr_client.get("/predictions/candidates/O00004/").content.decode()
    assert 'id="candidate-inputs"' in html and '<th scope="row">Experience</th>' in html and "4.0 years" in html
    rec = rec_client.get("/predictions/candidates/O00004/").content.decode()
    assert 'id="candidate-inputs"' in rec and "not shown (HR only)" in rec and "$30.00" not in rec


# --------------------------------------------------------------------------- assistant tools


def test_assistant_tools_speak_words_and_respect_visibility(adb, progs, recruiter, hr_admin):
    from assistant.tool_runner import run_tool

    rec = run_tool(user=recruiter, name="compare_programs", arguments={"programs": ["Pay rise", "overtime cap"]})
    assert rec.ok, rec.result
    effects = {p["program"]: p["effect"] for p in rec.result["programs"]}
    assert effects == {"Pay rise": "a restricted (HR-only) change", "Overtime cap 8": "Overtime capped at 8.0 h/week"}
    assert "pay_rate" not in rec.content and "multiply" not in rec.content and "90 days" in rec.result["horizon"]
    hr = run_tool(user=hr_admin, name="program_roi", arguments={"program": "Pay rise"})
    assert hr.ok and hr.result["effect"] == "Pay rate +5%" and "change" not in hr.result
    assert hr.result["break_even_cost_per_technician"] == pytest.approx(
        hr.result["savings"] / hr.result["cohort_size"], abs=0.01
    )
    bad = run_tool(user=hr_admin, name="compare_programs", arguments={"programs": ["no such thing"]})
    assert not bad.ok and "No retention program matches" in bad.result["error"]
    pipe = run_tool(user=recruiter, name="pipeline_yield", arguments={"by": "district", "district": "District 1"})
    assert pipe.ok and [g["key"] for g in pipe.result["groups"]] == ["d1"]
    assert not run_tool(user=recruiter, name="pipeline_yield", arguments={"by": "shoe"}).ok
