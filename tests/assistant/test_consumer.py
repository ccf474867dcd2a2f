"""The websocket consumer end to end: real openai client → fake server, tools against real Postgres."""

import asyncio
import json

import pytest
from channels.routing import URLRouter
from channels.testing import WebsocketCommunicator
from django.contrib.auth.models import AnonymousUser

from assistant.models import LLMCall, Message, ToolCall
from assistant.routing import websocket_urlpatterns
from assistant.services import conversation_create

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("close_async_db_connections")]

APP = URLRouter(websocket_urlpatterns)


async def connect(user, conversation_id):
    comm = WebsocketCommunicator(APP, f"/ws/assistant/{conversation_id}/")
    comm.scope["user"] = user
    connected, code = await comm.connect(timeout=5)
    return comm, connected, code


async def receive_until_done(comm, timeout=10):
    events = []
    while True:
        ev = json.loads(await comm.receive_from(timeout=timeout))
        events.append(ev)
        if ev["type"] == "done":
            return events


def test_two_step_tool_loop_streams_tool_event_then_tokens_in_order(fake_openai, world, recruiter):
    conv = conversation_create(user=recruiter)
    fake_openai.reply_tool_calls([("query_technicians", '{"district": "Dallas", "group_by": "trade"}')], pieces=5)
    pieces = ["Dallas ", "has ", "3 ", "active ", "technicians: ", "2 HVAC ", "and ", "1 appliance."]
    fake_openai.reply_text(pieces)

    async def go():
        comm, connected, _ = await connect(recruiter, conv.pk)
        assert connected
        ready = json.loads(await comm.receive_from())
        assert ready["type"] == "ready" and ready["mode"] == "llm"
        await comm.send_to(
            text_data=json.dumps({"type": "ask", "message": "How many technicians in Dallas, by trade?"})
        )
        events = await receive_until_done(comm)
        await comm.disconnect()
        return events

    events = asyncio.run(go())
    kinds = [e["type"] for e in events]
    assert kinds[0] == "start" and kinds[-1] == "done"
    tool = next(e for e in events if e["type"] == "tool")
    assert tool["ok"] and tool["label"] == "looked up: technicians, Dallas"
    assert kinds.index("tool") < kinds.index("delta")
    assert [e["text"] for e in events if e["type"] == "delta"] == pieces
    assert events[-1]["status"] == "complete"

    # the tool result the model saw is real data from Postgres, compact JSON
    [tool_json] = fake_openai.tool_messages()
    result = json.loads(tool_json)
    assert result["count"] == 3 and result["groups"] == {"hvac": 2, "appliance": 1}
    assert ": " not in tool_json  # compact separators
    # second request carried the assistant tool_calls message and the tool message with the right id
    second = fake_openai.requests[1]["messages"]
    call_id = second[-2]["tool_calls"][0]["id"]
    assert second[-1] == {"role": "tool", "tool_call_id": call_id, "content": tool_json}

    reply = Message.objects.get(conversation=conv, role="assistant")
    assert reply.status == "complete" and reply.content == "".join(pieces)
    assert reply.prompt_tokens == 20 + 11 and reply.completion_tokens == 9 + 7
    assert reply.tools_used == ["looked up: technicians, Dallas"]
    assert list(LLMCall.objects.filter(message=reply).values_list("iteration", flat=True)) == [0, 1]
    audit = ToolCall.objects.get(message=reply)
    assert audit.user == recruiter and audit.name == "query_technicians" and audit.ok


def test_disconnect_mid_stream_cancels_upstream_request_and_keeps_partial(fake_openai, world, recruiter):
    conv = conversation_create(user=recruiter)
    fake_openai.reply_text([f"token{i} " for i in range(200)], delay=0.05)

    async def go():
        comm, _, _ = await connect(recruiter, conv.pk)
        await comm.receive_from()  # ready
        await comm.send_to(text_data=json.dumps({"type": "ask", "message": "Tell me a long story"}))
        got = []
        while len(got) < 3:
            ev = json.loads(await comm.receive_from(timeout=5))
            if ev["type"] == "delta":
                got.append(ev["text"])
        await comm.disconnect()
        return got

    got = asyncio.run(go())
    assert got == ["token0 ", "token1 ", "token2 "]
    assert fake_openai.client_closed.wait(timeout=3), "the fake server never saw the client close the stream"
    reply = Message.objects.get(conversation=conv, role="assistant")
    assert reply.status == "partial"
    assert reply.content.startswith("token0 token1 token2")
    assert len(reply.content.split()) < 200
    assert "Interrupted" in reply.error


def test_llm_500_shows_clear_error_and_marks_message(fake_openai, world, recruiter):
    conv = conversation_create(user=recruiter)
    fake_openai.reply_error(500)

    async def go():
        comm, _, _ = await connect(recruiter, conv.pk)
        await comm.receive_from()
        await comm.send_to(text_data=json.dumps({"type": "ask", "message": "Who will leave?"}))
        events = await receive_until_done(comm)
        await comm.disconnect()
        return events

    events = asyncio.run(go())
    err = next(e for e in events if e["type"] == "error")
    assert "HTTP 500" in err["message"]
    assert events[-1]["status"] == "error"
    assert Message.objects.get(conversation=conv, role="assistant").status == "error"


def test_llm_timeout_keeps_partial_answer_marked(fake_openai, world, recruiter, settings):
    settings.OPENAI_TIMEOUT_SECONDS = 2.0  # room for the first pieces to arrive on a busy CI machine (0.7 s flaked)
    conv = conversation_create(user=recruiter)
    fake_openai.reply_hang(seconds=10, after=["Dallas has ", "three "])

    async def go():
        comm, _, _ = await connect(recruiter, conv.pk)
        await comm.receive_from()
        await comm.send_to(text_data=json.dumps({"type": "ask", "message": "How many in Dallas?"}))
        events = await receive_until_done(comm, timeout=8)
        await comm.disconnect()
        return events

    events = asyncio.run(go())
    err = next(e for e in events if e["type"] == "error")
    assert "did not answer within" in err["message"] and "partial answer" in err["message"]
    assert events[-1]["status"] == "partial"
    reply = Message.objects.get(conversation=conv, role="assistant")
    assert (reply.status, reply.content) == ("partial", "Dallas has three ")


@pytest.mark.parametrize("text,reason", [("   ", "empty"), ("x" * 5001, "too long")])
def test_empty_or_huge_messages_rejected_with_reason(fake_openai, recruiter, settings, text, reason):
    settings.ASSISTANT_MAX_MESSAGE_CHARS = 5000
    conv = conversation_create(user=recruiter)

    async def go():
        comm, _, _ = await connect(recruiter, conv.pk)
        await comm.receive_from()
        await comm.send_to(text_data=json.dumps({"type": "ask", "message": text}))
        ev = json.loads(await comm.receive_from())
        await comm.disconnect()
        return ev

    ev = asyncio.run(go())
    assert ev["type"] == "error" and ev["rejected"] and reason in ev["message"]
    assert not Message.objects.filter(conversation=conv).exists()
    assert fake_openai.requests == []


def test_anonymous_and_other_users_conversation_are_refused(recruiter, hr_admin):
    conv = conversation_create(user=hr_admin)

    async def go():
        _, anon_ok, anon_code = await connect(AnonymousUser(), conv.pk)
        _, other_ok, other_code = await connect(recruiter, conv.pk)
        return anon_ok, anon_code, other_ok, other_code

    assert asyncio.run(go()) == (False, 4401, False, 4404)
