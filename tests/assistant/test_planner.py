"""Offline planner: recognises each supported question type and answers from real tool output."""

import asyncio
from datetime import date

import pytest

from assistant import planner
from assistant.agent import run_turn
from assistant.models import ToolCall
from assistant.services import conversation_create

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("close_async_db_connections", "offline")]


def ask(user, text):
    conv = conversation_create(user=user)

    async def go():
        return [e async for e in run_turn(user=user, conversation=conv, text=text)]

    events = asyncio.run(go())
    answer = "".join(e["text"] for e in events if e["type"] == "delta")
    tools = [e for e in events if e["type"] == "tool"]
    return answer, tools, events


@pytest.mark.parametrize(
    "text,intent",
    [
        ("Who in the Dallas district is most likely to leave next quarter, and why?", "risk"),
        ("How many HVAC technicians will Region West need in March?", "hiring"),
        ("What would capping overtime at 8 hours save us?", "overtime"),
        ("Find technicians similar to our best performer in Phoenix", "similar"),
        ("What is our policy on retention bonuses?", "policy"),
        ("How many technicians do we have in Boston?", "count"),
        ("Which candidates in Dallas are most likely to stay?", "candidates"),
        ("Why is E100 at risk?", "technician_risk"),
        ("What is the demand forecast for Phoenix?", "forecast"),
        ("What if E100 worked 4 hours of overtime?", "what_if"),
        ("Write me a poem about vans", "unknown"),
    ],
)
def test_planner_recognises_question_types(world, text, intent):
    assert planner.plan(text=text).intent == intent


def test_extract_finds_place_trade_month_hours(world):
    s = planner.extract("How many HVAC technicians will Region West need in March? cap at 8 hours")
    assert (s.region, s.district, s.trade, s.month, s.hours) == ("west", None, "hvac", 3, 8.0)
    assert planner.extract("best performer in Phoenix").district == "phx"


def test_weeks_until_end_of_month_rolls_into_next_year():
    assert planner.weeks_until_end_of(3, today=date(2026, 11, 21)) == (19, date(2027, 3, 31))
    assert planner.weeks_until_end_of(12, today=date(2026, 11, 21)) == (6, date(2026, 12, 31))


def test_offline_count_answer_from_real_data(world, recruiter):
    answer, tools, events = ask(recruiter, "How many technicians are in region West?")
    assert answer.startswith("Offline assistant (built-in planner")
    assert "Region West has 6 active technicians" in answer
    assert "By district: Dallas 3, Phoenix 3." in answer
    assert [t["label"] for t in tools] == ["looked up: technicians, west"]
    assert events[-1]["status"] == "complete"
    assert ToolCall.objects.filter(name="query_technicians", user=recruiter).count() == 1


def test_offline_similar_to_best_performer_in_district(world, recruiter):
    answer, tools, _ = ask(recruiter, "Find technicians similar to our best performer in Phoenix")
    # best performer in Phoenix by CSAT × first-time fix is E103 (4.9 × 0.95)
    assert "Technicians most similar to First" in answer and "E103" in answer
    assert "best performer" in answer and "similarity" in answer
    assert tools[0]["ok"] and tools[0]["label"] == "looked up: similar technicians, phx"


def test_offline_policy_question_cites_document(world, recruiter, policy_docs):
    answer, tools, events = ask(recruiter, "What is our policy on retention bonuses?")
    assert "From [Retention and overtime policy]" in answer and "10% of base" in answer
    cites = next(e for e in events if e["type"] == "citations")
    assert [d["title"] for d in cites["documents"]][0] == "Retention and overtime policy"


def test_offline_says_plainly_what_it_cannot_answer(world, recruiter):
    answer, tools, _ = ask(recruiter, "Write me a poem about vans")
    assert tools == []
    assert "can't answer that question in offline mode" in answer and "most likely to leave" in answer
