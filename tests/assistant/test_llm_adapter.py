"""The OpenAI adapter against the fake server: streamed text, streamed tool-call deltas, failures."""

import asyncio
import time

import pytest

from assistant.llm import ChatLLM, LLMError
from tests.assistant.fake_openai import FakeOpenAI


@pytest.fixture
def fake():
    f = FakeOpenAI()
    yield f
    f.close()


def collect(llm, messages, tools=None):
    async def go():
        deltas, result = [], None
        async for kind, payload in llm.stream(messages, tools):
            if kind == "delta":
                deltas.append(payload)
            else:
                result = payload
        await llm.aclose()
        return deltas, result

    return asyncio.run(go())


def make(fake, **kw):
    return ChatLLM(api_key="sk-x", base_url=fake.base_url, model="fake-gpt", **({"timeout": 3, "max_retries": 0} | kw))


def test_text_deltas_arrive_in_order_with_usage(fake):
    fake.reply_text(["The ", "answer ", "is ", "42."], usage=(30, 4))
    deltas, result = collect(make(fake), [{"role": "user", "content": "hi"}])
    assert deltas == ["The ", "answer ", "is ", "42."]
    assert result.text == "The answer is 42."
    assert (result.prompt_tokens, result.completion_tokens) == (30, 4)
    assert result.finish_reason == "stop"
    assert fake.requests[0]["stream"] is True and fake.requests[0]["stream_options"] == {"include_usage": True}


def test_tool_call_deltas_streamed_in_pieces_are_assembled(fake):
    fake.reply_tool_calls(
        [("risk_ranking", '{"district": "Dallas", "limit": 5}'), ("knowledge_search", '{"query": "bonus policy"}')],
        pieces=4,
    )
    deltas, result = collect(
        make(fake),
        [{"role": "user", "content": "x"}],
        tools=[{"type": "function", "function": {"name": "risk_ranking", "parameters": {"type": "object"}}}],
    )
    assert deltas == []
    assert [(c.name, c.arguments) for c in result.tool_calls] == [
        ("risk_ranking", '{"district": "Dallas", "limit": 5}'),
        ("knowledge_search", '{"query": "bonus policy"}'),
    ]
    assert all(c.id.startswith("call_") for c in result.tool_calls)
    assert result.finish_reason == "tool_calls"


def test_server_error_becomes_clear_llm_error_after_bounded_retries(fake):
    fake.reply_error(500, times=2)
    fake.reply_text(["never reached"])
    with pytest.raises(LLMError, match="HTTP 500"):
        collect(make(fake, max_retries=1), [{"role": "user", "content": "x"}])
    assert len(fake.requests) == 2  # first try + one retry, then give up


def test_retry_recovers_from_one_transient_500(fake):
    fake.reply_error(503)
    fake.reply_text(["fine"])
    _, result = collect(make(fake, max_retries=2), [{"role": "user", "content": "x"}])
    assert result.text == "fine"


def test_hang_mid_stream_times_out_promptly(fake):
    fake.reply_hang(seconds=10, after=["partial "])
    llm = make(fake, timeout=0.8)
    got = []

    async def go():
        async for kind, payload in llm.stream([{"role": "user", "content": "x"}]):
            if kind == "delta":
                got.append(payload)

    start = time.monotonic()
    with pytest.raises(LLMError, match="did not answer within"):
        asyncio.run(go())
    assert got == ["partial "]
    assert time.monotonic() - start < 5


def test_retry_after_header_forms():
    import email.utils

    from assistant.llm import retry_after_seconds

    assert retry_after_seconds({"retry-after": "20"}) == 20
    assert retry_after_seconds({"retry-after-ms": "250", "retry-after": "9"}) == 0.25
    assert retry_after_seconds({"retry-after": "soon"}) is None
    assert retry_after_seconds({"retry-after": "nan"}) is None
    when = email.utils.formatdate(time.time() + 30, usegmt=True)
    assert 25 <= retry_after_seconds({"retry-after": when}) <= 31


def test_stream_without_finish_reason_raises_truncated_not_a_result(fake):
    fake.reply_cut(["Half an "])
    with pytest.raises(LLMError, match="broke off") as info:
        collect(make(fake), [{"role": "user", "content": "x"}])
    assert info.value.reason == "truncated"
