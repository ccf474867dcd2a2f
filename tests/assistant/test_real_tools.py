"""The offline planner and the tools against the REAL predictions and forecasts implementations (tiny data)."""

import asyncio
from datetime import date, timedelta
from decimal import Decimal

import pytest

from assistant import planner
from assistant.agent import run_turn
from assistant.services import conversation_create
from assistant.tool_runner import run_tool
from tests.factories import DistrictFactory, RegionFactory, SnapshotFactory, TechnicianFactory

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("close_async_db_connections", "offline"),
    pytest.mark.slow,
]


def ask(user, text):
    conv = conversation_create(user=user)

    async def go():
        return [e async for e in run_turn(user=user, conversation=conv, text=text)]

    events = asyncio.run(go())
    return "".join(e["text"] for e in events if e["type"] == "delta"), [e for e in events if e["type"] == "tool"]


@pytest.fixture
def trained_world(db, tmp_path, settings):
    from predictions.services import model_run, model_train
    from tests.predictions.conftest import FAST_EBM, make_world

    settings.MODEL_STORE = tmp_path / "models"
    world = make_world(n=90, months=12)
    m = model_run(model_id=model_train(model_type="retention", params=FAST_EBM, enqueue=False).id)
    assert m.status == "active", m.error
    return world


def test_offline_answers_risk_overtime_roi_and_why_from_the_real_model(trained_world, recruiter, hr_admin):
    from predictions.models import RetentionProgram
    from predictions.selectors import risk_ranking, technician_risk

    # 1. who is most likely to leave in a district, and why
    answer, tools = ask(recruiter, "Who in District 0 is most likely to leave next quarter, and why?")
    ranking = risk_ranking(user=recruiter, district="d0", limit=5)["items"]
    assert [t["label"] for t in tools] == [
        "looked up: risk ranking, d0",
        f"looked up: technician risk, {ranking[0]['employee_id']}",
    ]
    assert "Technicians most likely to leave in District 0" in answer
    positions = [answer.index(f"({it['employee_id']}, District 0") for it in ranking]
    assert positions == sorted(positions)  # same order as the ranking selector
    assert f"{planner._pct(round(ranking[0]['score'], 3))} risk" in answer
    why = technician_risk(user=recruiter, employee_id=ranking[0]["employee_id"])["explanation"]
    assert f"Why {ranking[0]['name']}: {why}" in answer

    # 2. ad-hoc overtime cap: equals the same change run as a zero-cost program through predictions' ROI
    answer, tools = ask(recruiter, "What would capping overtime at 8 hours save us?")
    assert tools[0]["ok"], tools[0]
    assert tools[0]["label"] == "looked up: overtime cap impact, 8.0 h"
    prog = RetentionProgram.objects.create(
        name="Overtime cap 8h", change={"overtime_hours": {"cap": 8}}, cost_per_technician=Decimal("0")
    )
    from predictions.services import program_roi

    roi = program_roi(user=recruiter, program_id=prog.pk)
    assert roi["departures_avoided"] > 0
    assert f"expected departures fall by {planner._num(round(roi['departures_avoided'], 2), 2)}" in answer
    assert "Highest-risk technicians above the cap:" in answer
    assert list(RetentionProgram.objects.values_list("name", flat=True)) == [
        "Overtime cap 8h"
    ]  # ad-hoc run left nothing
    assert f"${roi['departures_avoided'] * 18000:,.0f}"[:-3] in answer  # same savings (rounding aside)

    # 3. a named program's ROI
    prog.cost_per_technician = Decimal("250")
    prog.save()
    answer, tools = ask(recruiter, "What is the ROI of the Overtime cap 8h program in District 1?")
    assert tools[0]["ok"] and tools[0]["label"] == "looked up: program ROI, d1, Overtime cap 8h"
    roi = program_roi(user=recruiter, program_id=prog.pk, district="d1")
    assert "Retention program Overtime cap 8h for District 1" in answer
    net = roi["net_benefit"]
    assert f"- net benefit: {'-' if net < 0 else ''}${planner._num(abs(net), 0)}" in answer

    # 4. one technician's risk explained
    emp = ranking[1]["employee_id"]
    answer, _ = ask(recruiter, f"Why is {emp} at risk?")
    assert technician_risk(user=recruiter, employee_id=emp)["explanation"] in answer

    # 5. what-if for one technician's overtime
    from predictions.services import what_if

    answer, tools = ask(recruiter, f"What if {emp} worked 2 hours of overtime?")
    expected = what_if(user=recruiter, employee_id=emp, changes={"overtime_hours": 2.0})
    assert tools[0]["ok"] and tools[0]["label"] == f"looked up: what-if, {emp}"
    assert f"would go from {planner._pct(expected['before']['score'])}" in answer
    assert f"to {planner._pct(expected['after']['score'])} ({expected['after']['band']})" in answer


def test_recruiter_tools_never_see_pay_terms_but_hr_does(trained_world, recruiter, hr_admin):
    from predictions.selectors import risk_ranking

    emp = risk_ranking(user=hr_admin, limit=1)["items"][0]["employee_id"]
    rec = run_tool(user=recruiter, name="technician_risk", arguments={"employee_id": emp})
    hr = run_tool(user=hr_admin, name="technician_risk", arguments={"employee_id": emp})
    assert rec.ok and hr.ok
    hr_features = {c["feature"] for c in hr.result["contributions"]}
    rec_features = {c["feature"] for c in rec.result["contributions"]}
    assert any("pay" in f for f in hr_features)  # the model does use pay; HR sees it…
    assert not any("pay" in f for f in rec_features) and "pay" not in rec.content.lower()  # …a recruiter never does
    assert "restricted" in rec_features
    what = run_tool(user=recruiter, name="what_if", arguments={"employee_id": emp, "changes": {"pay_rate": 99}})
    assert not what.ok and "not permitted" in what.result["error"]
    ok = run_tool(user=recruiter, name="what_if", arguments={"employee_id": emp, "changes": {"overtime_hours": 0}})
    assert ok.ok and ok.result["after"]["score"] <= ok.result["before"]["score"] + 1e-9
    ranking = run_tool(user=recruiter, name="risk_ranking", arguments={"region": "West", "limit": 50})
    assert ranking.ok and "pay" not in ranking.content.lower()


@pytest.fixture
def plan_world(db):
    from forecasts.models import ForecastPoint, ForecastRun, ForecastSeries

    west = RegionFactory(code="west", name="West")
    dal = DistrictFactory(code="dal", name="Dallas", region=west)
    phx = DistrictFactory(code="phx", name="Phoenix", region=west)
    last_month = (date.today().replace(day=1) - timedelta(days=1)).replace(day=1)
    for d in (dal, phx):
        for _ in range(10):
            t = TechnicianFactory(district=d, trade="hvac", hire_date=date(2020, 1, 6))
            SnapshotFactory(technician=t, month=last_month, jobs_completed=65)  # 15 jobs/week
    run = ForecastRun.objects.create(metric="demand", horizon=12, status="completed")
    monday = date.today() - timedelta(days=date.today().weekday())
    for d, jobs in ((dal, 180), (phx, 120)):
        s = ForecastSeries.objects.create(
            run=run, metric="demand", level="district", key=d.code, name=d.name, status="done", method_used="prophet"
        )
        for i in range(12):
            ForecastPoint.objects.create(
                series=s, ds=monday + timedelta(weeks=i), yhat=jobs, yhat_lower=jobs * 0.8, yhat_upper=jobs * 1.2
            )
    return run


def test_offline_hiring_need_by_month_from_the_real_hiring_plan(plan_world, recruiter):
    from forecasts.selectors import hiring_plan

    answer, tools = ask(recruiter, "How many HVAC technicians will Region West need in March?")
    asked, _ = planner.weeks_until_end_of(3)
    used = min(asked, 12)
    rows = hiring_plan(weeks=used, region="west", trade="hvac")
    required = sum(r["required_technicians"] for r in rows)
    assert tools[0]["ok"] and tools[0]["label"] == "looked up: hiring plan, west, hvac"
    assert f"Region West will need about {required:,.0f} HVAC technicians over the next {used} weeks" in answer
    assert "By district:" in answer and "Dallas: need 12" in answer  # 180 jobs ÷ 15 per tech
    if asked > 12:
        assert f"Asked for {asked} weeks but the latest demand forecast covers 12" in answer


def test_offline_forecast_question_reads_the_real_forecast(plan_world, recruiter):
    answer, tools = ask(recruiter, "What is the demand forecast for Dallas?")
    assert tools[0]["ok"], tools
    assert "Demand forecast for Dallas: 180" in answer
