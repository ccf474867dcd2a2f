"""Assistant API: conversation CRUD (own only) and the SSE stream format."""

import asyncio
import json

import pytest

from assistant.models import Conversation, Message
from assistant.services import conversation_create

pytestmark = pytest.mark.usefixtures("close_async_db_connections")


def auth(api_key_for, user):
    return {"HTTP_AUTHORIZATION": f"Bearer {api_key_for(user)}"}


def sse_post(path, data, headers):
    """POST through Django's ASGI test client and collect the streamed body (as a real ASGI server would)."""
    from django.test import AsyncClient

    async def go():
        r = await AsyncClient().post(path, data, content_type="application/json", headers=headers)
        body = b"".join([chunk async for chunk in r.streaming_content]) if r.streaming else r.content
        return r, body.decode()

    return asyncio.run(go())


def parse_sse(body: str):
    assert body.endswith("data: [DONE]\n\n")
    blocks = body.split("\n\n")
    assert blocks[-1] == ""
    events = []
    for block in blocks[:-2]:
        assert block.startswith("data: ") and "\n" not in block, block
        events.append(json.loads(block[len("data: ") :]))
    assert blocks[-2] == "data: [DONE]"
    return events


def test_crud_only_sees_own_conversations(client, api_user, recruiter, api_key_for):
    h = auth(api_key_for, api_user)
    other = conversation_create(user=recruiter, title="theirs")
    r = client.post("/api/v1/assistant/conversations", {"title": "Q1 attrition"}, content_type="application/json", **h)
    assert r.status_code == 201
    cid = r.json()["id"]
    listing = client.get("/api/v1/assistant/conversations", **h).json()
    assert listing["count"] == 1 and listing["items"][0]["title"] == "Q1 attrition"
    r = client.patch(
        f"/api/v1/assistant/conversations/{cid}", {"title": "Renamed"}, content_type="application/json", **h
    )
    assert r.status_code == 200 and r.json()["title"] == "Renamed"
    assert client.get(f"/api/v1/assistant/conversations/{other.pk}", **h).status_code == 404
    assert client.delete(f"/api/v1/assistant/conversations/{other.pk}", **h).status_code == 404
    assert (
        client.patch(
            f"/api/v1/assistant/conversations/{cid}", {"title": ""}, content_type="application/json", **h
        ).status_code
        == 422
    )
    assert client.delete(f"/api/v1/assistant/conversations/{cid}", **h).status_code == 204
    assert not Conversation.objects.filter(pk=cid).exists() and Conversation.objects.filter(pk=other.pk).exists()
    assert client.get("/api/v1/assistant/conversations?limit=100000", **h).status_code == 422
    assert client.get("/api/v1/assistant/conversations").status_code == 401


@pytest.mark.django_db(transaction=True)
def test_sse_streams_json_events_then_done_marker_offline(client, world, recruiter, api_key_for, offline):
    conv = conversation_create(user=recruiter)
    r, body = sse_post(
        f"/api/v1/assistant/conversations/{conv.pk}/messages",
        {"message": "How many technicians are in Dallas?"},
        {"Authorization": f"Bearer {api_key_for(recruiter)}"},
    )
    assert r.status_code == 200 and r["Content-Type"].startswith("text/event-stream")
    events = parse_sse(body)
    assert events[0]["type"] == "start" and events[0]["mode"] == "offline"
    assert [e["label"] for e in events if e["type"] == "tool"] == ["looked up: technicians, dal"]
    text = "".join(e["text"] for e in events if e["type"] == "delta")
    assert text.startswith("Offline assistant (built-in planner") and "Dallas has 3 active technicians" in text
    assert events[-1]["type"] == "done" and events[-1]["status"] == "complete"
    detail = client.get(f"/api/v1/assistant/conversations/{conv.pk}", **auth(api_key_for, recruiter)).json()
    assert [m["role"] for m in detail["messages"]] == ["user", "assistant"]
    assert detail["messages"][1]["content"] == text and detail["messages"][1]["model"] == "offline-planner"


@pytest.mark.django_db(transaction=True)
def test_sse_with_llm_streams_tool_and_tokens(client, fake_openai, world, recruiter, api_key_for):
    conv = conversation_create(user=recruiter)
    fake_openai.reply_tool_calls([("query_technicians", '{"region": "west"}')])
    fake_openai.reply_text(["Six ", "in ", "West."])
    r, body = sse_post(
        f"/api/v1/assistant/conversations/{conv.pk}/messages", {"message": "How many in West?"},
        {"Authorization": f"Bearer {api_key_for(recruiter)}"},
    )  # fmt: skip
    events = parse_sse(body)
    assert [e["type"] for e in events] == ["start", "tool", "delta", "delta", "delta", "done"]
    assert [e["text"] for e in events if e["type"] == "delta"] == ["Six ", "in ", "West."]


@pytest.mark.parametrize("message", ["", "   ", "x" * 4001])
def test_sse_rejects_empty_or_huge_message_with_422(client, recruiter, api_key_for, message, settings):
    settings.ASSISTANT_MAX_MESSAGE_CHARS = 4000
    conv = conversation_create(user=recruiter)
    r = client.post(
        f"/api/v1/assistant/conversations/{conv.pk}/messages", {"message": message},
        content_type="application/json", **auth(api_key_for, recruiter),
    )  # fmt: skip
    assert r.status_code == 422
    assert "empty" in r.json()["detail"] or "too long" in r.json()["detail"]
    assert not Message.objects.exists()


def test_sse_on_someone_elses_conversation_is_404(client, recruiter, hr_admin, api_key_for):
    conv = conversation_create(user=hr_admin)
    r = client.post(
        f"/api/v1/assistant/conversations/{conv.pk}/messages", {"message": "hi"},
        content_type="application/json", **auth(api_key_for, recruiter),
    )  # fmt: skip
    assert r.status_code == 404
