"""Running a tool for the model: parse and validate arguments, call it as the user, redact, label, time.

``run_tool`` never raises for bad input: malformed JSON, invalid arguments, unknown ids, missing models or
an app that is not installed yet come back as ``{"error": …}`` for the model to read. The tools themselves
and their registry live in assistant.tools.
"""

from __future__ import annotations

import json
import logging
import time
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.http import Http404
from pydantic import ValidationError

from assistant.outcomes import has_non_finite, json_safe
from assistant.tool_schemas import NotAvailable, ToolInputError
from assistant.tools import TOOLS
from core.access import allowed
from technicians.visibility import redact

log = logging.getLogger("assistant.tools")


@dataclass
class ToolOutcome:
    name: str
    ok: bool
    result: dict
    label: str
    arguments: dict = field(default_factory=dict)
    error: str = ""
    duration_ms: int = 0
    citations: list[dict] = field(default_factory=list)

    @property
    def content(self) -> str:
        return compact_json(self.result)


def compact_json(data: Any, *, max_chars: int | None = None) -> str:
    max_chars = max_chars or settings.ASSISTANT_MAX_TOOL_RESULT_CHARS
    text = json.dumps(data, separators=(",", ":"), default=str, ensure_ascii=False)
    if len(text) <= max_chars:
        return text
    # keep it valid JSON: shrink the longest list until it fits
    data = json.loads(text)
    for _ in range(50):
        lists = (
            [(k, v) for k, v in data.items() if isinstance(v, list) and len(v) > 1] if isinstance(data, dict) else []
        )
        if not lists:
            break
        key, longest = max(lists, key=lambda kv: len(json.dumps(kv[1], default=str)))
        data[key] = longest[: max(1, len(longest) // 2)]
        data["truncated"] = True
        text = json.dumps(data, separators=(",", ":"), default=str, ensure_ascii=False)
        if len(text) <= max_chars:
            return text
    return json.dumps({"truncated": True, "preview": text[: max_chars - 60]}, ensure_ascii=False)


def tool_specs() -> list[dict]:
    return [t.spec() for t in TOOLS.values()]


def tool_label(name: str, arguments: dict) -> str:
    tool = TOOLS.get(name)
    title = tool.title if tool else name
    bits = []
    for key in (
        "district",
        "best_in_district",
        "region",
        "key",
        "trade",
        "band",
        "employee_id",
        "candidate_id",
        "program",
        "metric",
        "query",
    ):
        v = arguments.get(key) if isinstance(arguments, dict) else None
        if v:
            bits.append(str(v)[:40])
    if isinstance(arguments, dict) and arguments.get("hours") is not None:
        bits.append(f"{arguments['hours']} h")
    return "looked up: " + ", ".join([title, *bits])


def run_tool(*, user, name: str, arguments: str | dict | None) -> ToolOutcome:
    """Run one tool as ``user``; never raises for bad input (the error goes back to the model)."""
    started = time.perf_counter()
    raw: Any = arguments
    parsed: dict = {}

    def done(ok: bool, result: dict, error: str = "") -> ToolOutcome:
        result = redact(user, result)  # the safety net: whatever a tool produced, the user's visibility rule applies
        citations = []
        if ok and name == "knowledge_search":
            seen = {}
            for r in result.get("results", []):
                seen.setdefault(r["document_id"], r["document"])
            citations = [{"id": k, "title": v} for k, v in seen.items()]
        return ToolOutcome(
            name=name,
            ok=ok,
            result=result,
            label=tool_label(name, parsed),
            arguments=json_safe(parsed),
            error=error,
            duration_ms=int((time.perf_counter() - started) * 1000),
            citations=citations,
        )

    tool = TOOLS.get(name)
    if tool is None:
        return done(False, {"error": f"Unknown tool {name!r}. Tools: {', '.join(TOOLS)}."}, "unknown tool")
    if not allowed(user, tool.permission or "undeclared.permission"):
        msg = f"This user has no access to the {tool.title} tool; tell them to ask an HR admin for access."
        return done(False, {"error": msg}, "no access")
    if isinstance(raw, str):
        try:
            raw = json.loads(raw) if raw.strip() else {}
        except json.JSONDecodeError as exc:
            return done(
                False, {"error": f"Arguments are not valid JSON: {exc.msg} at position {exc.pos}."}, "invalid JSON"
            )
    if not isinstance(raw, dict):
        return done(False, {"error": "Arguments must be a JSON object."}, "invalid arguments")
    parsed = raw
    if has_non_finite(raw):  # NaN/Infinity (or 1e999): Python's json accepts them, nothing downstream should
        return done(
            False,
            {"error": "Arguments contain a non-finite number (NaN or Infinity); use ordinary numbers."},
            "non-finite number in arguments",
        )
    raw = parsed = json_safe(raw)  # lone surrogates / NUL from the wire would fail validation or the database
    try:
        args = tool.args_model.model_validate(raw)
    except ValidationError as exc:
        details = [{"field": ".".join(str(p) for p in e["loc"]), "message": e["msg"]} for e in exc.errors()]
        return done(False, {"error": "Invalid arguments.", "details": details}, "invalid arguments")
    parsed = args.model_dump(exclude_none=True)
    try:
        result = tool.func(user=user, args=args)
    except NotAvailable as exc:
        return done(False, {"error": str(exc)}, str(exc)[:500])
    except (ToolInputError, Http404) as exc:
        return done(False, {"error": str(exc)}, str(exc)[:500])
    except Exception as exc:  # noqa: BLE001 - a failing tool must not crash the chat; the model gets the reason
        msg = _known_error_message(exc)
        if msg is None:
            log.exception("assistant tool %s failed", name)
            msg = f"The {tool.title} tool failed ({type(exc).__name__})."
        return done(False, {"error": msg}, msg[:500])
    return done(True, result)


def _known_error_message(exc: Exception) -> str | None:
    """Domain errors from other apps, recognised by class name so a missing app never breaks imports."""
    kind = type(exc).__name__
    if kind == "NoModelError":
        return f"No trained model is available yet: {exc}"
    if kind in ("NoForecastError", "ForecastInputError", "WhatIfError", "SelectorError"):
        return str(exc)
    return None
