"""How an assistant turn ended: one reason code and one status, used by every place that reports it.

The LLM adapter raises ``LLMError(reason=…)``; the agent decides the turn's reason; ``status_for`` maps it to
the message status. The same (status, reason) pair goes into the client's ``error``/``done`` events, the stored
``Message`` and the ``LLMCall`` audit row, so they cannot disagree. Django-free (the adapter imports it).
"""

from __future__ import annotations

import math
import re
from enum import StrEnum
from typing import Any


class Status(StrEnum):
    """Values of ``Message.Status`` for a finished turn."""

    COMPLETE = "complete"
    PARTIAL = "partial"
    ERROR = "error"


class Reason(StrEnum):
    """Why a turn (or one LLM request) ended. ``NONE``: it finished normally."""

    NONE = ""
    TIMEOUT = "timeout"  # the turn's deadline (OPENAI_TIMEOUT_SECONDS, retries included) passed
    RATE_LIMITED = "rate_limited"  # HTTP 429 and no time left to wait as the server asked
    SERVICE_ERROR = "service_error"  # any other HTTP error status / error event in the stream
    CONNECTION = "connection"  # could not reach the server
    TRUNCATED = "truncated"  # the stream ended or broke off without a finish_reason
    BAD_STREAM = "bad_stream"  # a chunk that is not valid JSON / not a chat completion chunk
    LENGTH = "length"  # the server stopped at the completion-token limit (finish_reason "length")
    FILTERED = "filtered"  # finish_reason "content_filter"
    LIMIT = "limit"  # our own caps: tool calls per reply/turn, tool rounds, size budget
    CANCELLED = "cancelled"  # the client went away or pressed Stop
    INTERNAL = "internal"  # a bug on our side; logged


REASON_LABELS = {
    Reason.NONE: "Finished",
    Reason.TIMEOUT: "Time limit reached",
    Reason.RATE_LIMITED: "Rate-limited by the LLM service",
    Reason.SERVICE_ERROR: "LLM service error",
    Reason.CONNECTION: "LLM service unreachable",
    Reason.TRUNCATED: "Stream ended early",
    Reason.BAD_STREAM: "Invalid data from the LLM service",
    Reason.LENGTH: "Answer length limit",
    Reason.FILTERED: "Content filter",
    Reason.LIMIT: "Tool/size limit reached",
    Reason.CANCELLED: "Cancelled",
    Reason.INTERNAL: "Internal error",
}


def status_for(reason: Reason | str, *, has_text: bool) -> Status:
    """The one mapping from how a turn ended to the stored/sent status."""
    if reason == Reason.NONE:
        return Status.COMPLETE
    return Status.PARTIAL if has_text else Status.ERROR


_SURROGATE = re.compile("[\ud800-\udfff]")


def clean_text(text: str) -> str:
    """Text PostgreSQL and UTF-8 encoders accept: lone surrogates → U+FFFD, NUL removed."""
    if not isinstance(text, str):
        return text
    return _SURROGATE.sub("\ufffd", text).replace("\x00", "")


def json_safe(value: Any) -> Any:
    """A copy storable in a PostgreSQL JSON column: non-finite floats become strings, text is cleaned."""
    if isinstance(value, float) and not math.isfinite(value):
        return repr(value).replace("inf", "Infinity").replace("nan", "NaN")
    if isinstance(value, str):
        return clean_text(value)
    if isinstance(value, dict):
        return {clean_text(str(k)): json_safe(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [json_safe(v) for v in value]
    return value


def has_non_finite(value: Any) -> bool:
    if isinstance(value, float):
        return not math.isfinite(value)
    if isinstance(value, dict):
        return any(has_non_finite(v) for v in value.values())
    if isinstance(value, list | tuple):
        return any(has_non_finite(v) for v in value)
    return False
