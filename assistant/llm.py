"""OpenAI Chat Completions adapter (streaming, tool calling). Pure adapter: no Django imports.

``ChatLLM.stream(messages, tools, deadline=…)`` is an async generator yielding ``("delta", text)`` events as
tokens arrive and, last, ``("result", StreamResult)`` with the assembled text, the tool calls (assembled from
streamed ``tool_calls`` deltas, which arrive in pieces keyed by ``index``), token usage and timings.

Time: one ``deadline`` (``time.monotonic()`` value) bounds the whole request, retries and their back-off
included — the agent gives every request of a turn the same deadline, so a hung server costs at most the
configured timeout per *question*, not per attempt. Each attempt's HTTP timeout is the time left, and every
wait for the next chunk is bounded by the deadline too (a server that trickles keep-alive bytes cannot hold
a turn open).

Retries: our own bounded loop (the client's retries are off because they do not know the deadline) for
connection errors and 408/409/429/5xx *before* the stream starts, honouring ``Retry-After`` when the wait fits
before the deadline; otherwise it gives up at once with the reason. A stream that breaks half-way is not
retried (the user already saw the partial text).

Every failure is an ``LLMError`` with a ``reason`` from ``assistant.outcomes.Reason``; a stream that ends
without a ``finish_reason`` (no proper end) raises ``Reason.TRUNCATED``; a chunk that is not JSON raises
``Reason.BAD_STREAM``. Text from the server is cleaned (lone surrogates, NUL) before anyone stores it.

Cancellation: if the consuming task is cancelled (websocket closed), the stream is closed in ``finally``, so
the upstream request is dropped promptly.
"""

from __future__ import annotations

import asyncio
import email.utils
import math
import random
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

from assistant.outcomes import Reason, clean_text

RETRY_STATUSES = {408, 409, 429}
MAX_BACKOFF_SECONDS = 8.0


class LLMError(Exception):
    """A failure the user should be told about in plain words (``str(exc)`` is that message)."""

    def __init__(self, message: str, *, reason: Reason = Reason.SERVICE_ERROR, attempts: int = 1):
        super().__init__(message)
        self.reason = reason
        self.attempts = attempts


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
    attempts: int = 1
    received_chars: int = 0  # text + tool names + arguments, counted by us


def retry_after_seconds(headers) -> float | None:
    """``Retry-After``/``retry-after-ms`` in seconds (delta or HTTP date), or None."""
    if headers is None:
        return None
    for name, divisor in (("retry-after-ms", 1000.0), ("retry-after", 1.0)):
        value = headers.get(name)
        if value is None:
            continue
        try:
            seconds = float(value) / divisor
        except ValueError:
            continue
        return seconds if math.isfinite(seconds) and seconds >= 0 else None
    value = headers.get("retry-after")
    if value:
        try:
            parsed = email.utils.parsedate_tz(value)
            if parsed is not None:
                return max(0.0, email.utils.mktime_tz(parsed) - time.time())
        except (TypeError, ValueError, OverflowError):
            return None
    return None


def _timeout_error(started: float, attempts: int) -> LLMError:
    waited = time.perf_counter() - started
    return LLMError(
        f"The language model did not answer within {waited:.1f} s.", reason=Reason.TIMEOUT, attempts=attempts
    )


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
        self.max_retries = max_retries
        self.max_tokens = max_tokens
        # retries are ours (they respect the turn's deadline), so the client's are off
        self._client = AsyncOpenAI(
            api_key=api_key, base_url=base_url, timeout=Timeout(timeout, connect=min(timeout, 5.0)), max_retries=0
        )

    async def aclose(self) -> None:
        await self._client.close()

    async def _open(self, kwargs: dict, deadline: float, started: float):
        """Start the stream, retrying transient failures while the deadline allows. Returns (stream, attempts)."""
        import openai
        from openai import Timeout

        attempt = 0
        while True:
            attempt += 1
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise _timeout_error(started, attempt)
            try:
                async with asyncio.timeout(remaining):
                    stream = await self._client.chat.completions.create(
                        **kwargs, timeout=Timeout(remaining, connect=min(remaining, 5.0))
                    )
                return stream, attempt
            except (TimeoutError, openai.APITimeoutError):
                raise _timeout_error(started, attempt) from None
            except openai.APIStatusError as exc:
                code = exc.status_code
                retryable = code in RETRY_STATUSES or code >= 500
                asked = retry_after_seconds(getattr(exc.response, "headers", None))
                wait = asked if asked is not None else self._backoff(attempt)
                if code == 429:
                    error = LLMError(
                        "The language model service is rate-limiting requests (HTTP 429)"
                        + (f"; it asked to wait {asked:g} s" if asked is not None else "")
                        + ".",
                        reason=Reason.RATE_LIMITED,
                        attempts=attempt,
                    )
                else:
                    error = LLMError(
                        f"The language model service returned an error (HTTP {code}).",
                        reason=Reason.SERVICE_ERROR,
                        attempts=attempt,
                    )
                if not retryable or attempt > self.max_retries or time.monotonic() + wait >= deadline:
                    raise error from None
                await asyncio.sleep(wait)
            except openai.APIConnectionError:
                wait = self._backoff(attempt)
                if attempt > self.max_retries or time.monotonic() + wait >= deadline:
                    raise LLMError(
                        "Could not reach the language model service.", reason=Reason.CONNECTION, attempts=attempt
                    ) from None
                await asyncio.sleep(wait)
            except openai.OpenAIError as exc:
                raise LLMError(
                    f"The language model service failed: {type(exc).__name__}.",
                    reason=Reason.SERVICE_ERROR,
                    attempts=attempt,
                ) from None

    @staticmethod
    def _backoff(attempt: int) -> float:
        return min(0.5 * 2 ** (attempt - 1), MAX_BACKOFF_SECONDS) * (1 - 0.25 * random.random())

    async def stream(
        self, messages: list[dict[str, Any]], tools: list[dict] | None = None, *, deadline: float | None = None
    ) -> AsyncIterator[tuple]:
        import openai

        started = time.perf_counter()
        deadline = deadline if deadline is not None else time.monotonic() + self.timeout
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
        stream, result.attempts = await self._open(kwargs, deadline, started)
        try:
            while True:
                remaining = deadline - time.monotonic()
                try:
                    if remaining <= 0:
                        raise TimeoutError
                    async with asyncio.timeout(remaining):  # never held across a yield
                        chunk = await stream.__anext__()
                except StopAsyncIteration:
                    break
                except (TimeoutError, openai.APITimeoutError):
                    raise _timeout_error(started, result.attempts) from None
                except openai.APIConnectionError:
                    raise LLMError(
                        "The answer broke off: the connection to the language model closed before it finished.",
                        reason=Reason.TRUNCATED,
                        attempts=result.attempts,
                    ) from None
                except openai.APIError as exc:  # an error event inside the stream
                    raise LLMError(
                        f"The language model service reported an error mid-answer: {clean_text(str(exc))[:200]}",
                        reason=Reason.SERVICE_ERROR,
                        attempts=result.attempts,
                    ) from None
                except (ValueError, TypeError, AttributeError, KeyError):  # json.JSONDecodeError is a ValueError
                    raise LLMError(
                        "The language model service sent invalid data (a stream chunk that is not valid JSON).",
                        reason=Reason.BAD_STREAM,
                        attempts=result.attempts,
                    ) from None
                try:
                    events = self._absorb(chunk, result, parts, calls, started)
                except (ValueError, TypeError, AttributeError, KeyError):
                    raise LLMError(
                        "The language model service sent invalid data (a malformed stream chunk).",
                        reason=Reason.BAD_STREAM,
                        attempts=result.attempts,
                    ) from None
                for text in events:
                    yield ("delta", text)
        finally:
            try:
                await stream.close()
            except Exception:  # noqa: BLE001, S110 - closing a broken connection must not mask the real error
                pass
        if not result.finish_reason:
            raise LLMError(
                "The answer broke off: the language model's stream ended before the model finished.",
                reason=Reason.TRUNCATED,
                attempts=result.attempts,
            )
        result.text = "".join(parts)
        result.tool_calls = [
            ToolCallRequest(id=c["id"] or f"call_{i}", name=c["name"], arguments=c["arguments"])
            for i, c in sorted(calls.items())
            if c["name"]
        ]
        result.latency_ms = int((time.perf_counter() - started) * 1000)
        yield ("result", result)

    @staticmethod
    def _absorb(chunk, result: StreamResult, parts: list[str], calls: dict, started: float) -> list[str]:
        """Fold one chunk into the result; return the text deltas it carried."""
        out = []
        usage = getattr(chunk, "usage", None)
        if usage is not None:
            result.prompt_tokens = int(usage.prompt_tokens or 0)
            result.completion_tokens = int(usage.completion_tokens or 0)
        for choice in chunk.choices or []:
            delta = choice.delta
            if delta is not None and delta.content:
                text = clean_text(str(delta.content))
                if result.first_token_ms is None:
                    result.first_token_ms = int((time.perf_counter() - started) * 1000)
                parts.append(text)
                result.received_chars += len(text)
                if text:
                    out.append(text)
            for tc in (delta.tool_calls if delta is not None else None) or []:
                slot = calls.setdefault(int(tc.index or 0), {"id": "", "name": "", "arguments": ""})
                if tc.id:
                    slot["id"] = clean_text(str(tc.id))[:100]
                if tc.function is not None:
                    if tc.function.name:
                        slot["name"] += clean_text(str(tc.function.name))
                        result.received_chars += len(tc.function.name)
                    if tc.function.arguments:
                        slot["arguments"] += clean_text(str(tc.function.arguments))
                        result.received_chars += len(tc.function.arguments)
            if choice.finish_reason:
                result.finish_reason = clean_text(str(choice.finish_reason))[:30]
        return out
