"""The LLM path calls the hiring-pipeline tool like the offline planner does: the model sees it in the tool list,
the call runs as the asking user and the result (counts from the database) goes back to the model."""

import json
from datetime import date, timedelta

import pytest

from assistant.models import ToolCall
from assistant.services import conversation_create
from tests.assistant.test_api import parse_sse, sse_post


@pytest.mark.slow  # the streamed LLM round trip through the fake server takes several seconds on a cold start
@pytest.mark.django_db(transaction=True)
def test_llm_calls_pipeline_yield_and_gets_database_counts(client, fake_openai, world, recruiter, api_key_for):
    from technicians.models import Candidate, District

    dal = District.objects.get(code="dal")
    for i, stage in enumerate(["rejected", "rejected", "interview"]):
        Candidate.objects.create(candidate_id=f"P{i}", first_name="P", last_name=str(i), district=dal, trade="hvac",
                                 source="referral", applied_date=date.today() - timedelta(days=20), stage=stage)  # fmt: skip
    conv = conversation_create(user=recruiter)
    fake_openai.reply_tool_calls([("pipeline_yield", '{"by": "source", "district": "Dallas"}')])
    fake_openai.reply_text(["Three ", "applied."])
    _, body = sse_post(
        f"/api/v1/assistant/conversations/{conv.pk}/messages", {"message": "Hiring yield in Dallas by source?"},
        {"Authorization": f"Bearer {api_key_for(recruiter)}"},
    )  # fmt: skip
    events = parse_sse(body)
    assert events[-1]["type"] == "done"
    first = fake_openai.requests[0]
    assert {"pipeline_yield", "compare_programs"} <= {t["function"]["name"] for t in first["tools"]}
    call = ToolCall.objects.get(name="pipeline_yield")
    assert call.ok and call.arguments == {"by": "source", "district": "Dallas"}
    sent = [m for m in fake_openai.requests[1]["messages"] if m.get("role") == "tool"][0]["content"]
    total = json.loads(sent)["total"]
    assert (total["applied"], total["in_process"], total["hired"]) == (3, 1, 0)
