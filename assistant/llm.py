"""OpenAI Chat Completions adapter (streaming, tool calling). Pure adapter: no Django imports.

``ChatLLM.stream(messages, tools)`` is an async generator yielding ``("delta", text)`` events as tokens
arrive and, last, ``("result", StreamResult)`` with the assembled text, the tool calls (assembled from
streamed ``tool_calls`` deltas, which arrive in pieces keyed by ``index``), token usage and timings.

Timeouts: the official client's per-request timeout (connect + read between chunks), so a server that
hangs mid-stream raises within ``timeout`` seconds. Retries: the client's bounded retries with
exponential backoff (connection errors, 408/409/429/5xx) before the stream starts; a stream that
breaks half-way is *not* retried (the user already saw the partial text) — it raises ``LLMError`` and
the caller keeps the partial answer, marked.

Cancellation: if the consuming task is cancelled (websocket closed), the ``async with`` block closes
the HTTP response, so the upstream request is dropped promptly.
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any


class LLMError(Exception):
    """A failure the user should be told about in plain words (``str(exc)`` is that message)."""


@dataclass
class ToolCallRequest:
    id: str
    name: str
    arguments: str


@dataclass
class StreamResult:
    text: str = ""
    tool_calls: list[ToolCallRequest] = field(default_factory=list)
    finish_reason: str = ""
    prompt_tokens: int = 0
    completion_tokens: int = 0
    latency_ms: int = 0
    first_token_ms: int | None = None


class ChatLLM:
    def __init__(
        self,
        *,
        api_key: str,
        model: str,
        base_url: str | None = None,
        timeout: float = 30.0,
        max_retries: int = 2,
        max_tokens: int = 1024,
    ):
        from openai import AsyncOpenAI, Timeout

        self.model = model
        self.timeout = timeout
        self.max_tokens = max_tokens
        self._client = AsyncOpenAI(
            api_key=api_key,
            base_url=base_url,
            timeout=Timeout(timeout, connect=min(timeout, 5.0)),
            max_retries=max_retries,
        )

    async def aclose(self) -> None:
        await self._client.close()

    async def stream(self, messages: list[dict[str, Any]], tools: list[dict] | None = None) -> AsyncIterator[tuple]:
        import openai

        started = time.perf_counter()
        result = StreamResult()
        parts: list[str] = []
        calls: dict[int, dict[str, str]] = {}
        kwargs: dict[str, Any] = {
            "model": self.model,
            "messages": messages,
            "stream": True,
            "stream_options": {"include_usage": True},
            "max_tokens": self.max_tokens,
        }
        if tools:
            kwargs["tools"] = tools
        try:
            stream = await self._client.chat.completions.create(**kwargs)
            async with stream:
                async for chunk in stream:
                    if chunk.usage is not None:
                        result.prompt_tokens = chunk.usage.prompt_tokens or 0
                        result.completion_tokens = chunk.usage.completion_tokens or 0
                    for choice in chunk.choices or []:
                        delta = choice.delta
                        if delta is not None and delta.content:
                            if result.first_token_ms is None:
                                result.first_token_ms = int((time.perf_counter() - started) * 1000)
                            parts.append(delta.content)
                            yield ("delta", delta.content)
                        for tc in (delta.tool_calls if delta is not None else None) or []:
                            slot = calls.setdefault(tc.index, {"id": "", "name": "", "arguments": ""})
                            if tc.id:
                                slot["id"] = tc.id
                            if tc.function is not None:
                                if tc.function.name:
                                    slot["name"] += tc.function.name
                                if tc.function.arguments:
                                    slot["arguments"] += tc.function.arguments
                        if choice.finish_reason:
                            result.finish_reason = choice.finish_reason
        except openai.APITimeoutError:
            raise LLMError(f"The language model did not answer within {self.timeout:g} s.") from None
        except openai.APIStatusError as exc:
            raise LLMError(f"The language model service returned an error (HTTP {exc.status_code}).") from None
        except openai.APIConnectionError:
            raise LLMError("Could not reach the language model service.") from None
        except openai.OpenAIError as exc:
            raise LLMError(f"The language model service failed: {type(exc).__name__}.") from None
        result.text = "".join(parts)
        result.tool_calls = [
            ToolCallRequest(id=c["id"] or f"call_{i}", name=c["name"], arguments=c["arguments"])
            for i, c in sorted(calls.items())
            if c["name"]
        ]
        result.latency_ms = int((time.perf_counter() - started) * 1000)
        yield ("result", result)
