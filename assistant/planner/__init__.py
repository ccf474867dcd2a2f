"""Offline mode: a built-in planner for the common question types (no language model needed).

It recognises the question type with patterns, finds the place/trade/month/employee in the text
(matched against the real district and region names), calls the SAME tools as the LLM agent (as the
asking user, so the same visibility rule applies) and answers from their results with templates.
Anything else gets a plain statement of what offline mode can answer.

``plan`` recognises the question type here; the intents live by family: ``base`` (slots, plan type, number
formats), ``people`` (risk, what-if, similar, candidates, counts, policy), ``planning`` (hiring need, ROI,
forecasts), ``analytics`` (comparisons, retention curves, trends, period counts, cohorts), ``hiring``
(programs compared, pipeline yield and time-to-fill) and ``worklist``. They import ``base`` and each other
(analytics falls back on the ROI intent), never this package, so the planner has no import loop.
"""

from __future__ import annotations

import re

from assistant.planner.analytics import analytics_plan
from assistant.planner.base import CAPABILITIES, Plan, _num, _pct, extract, plain_excerpt, weeks_until_end_of
from assistant.planner.people import (
    _candidate_plan,
    _count_plan,
    _policy_plan,
    _risk_plan,
    _similar_plan,
    _technician_risk_plan,
    _what_if_plan,
)
from assistant.planner.planning import _forecast_plan, _hiring_plan, _roi_plan
from assistant.planner.worklist import worklist_plan

__all__ = [
    "CAPABILITIES",
    "Plan",
    "_num",
    "_pct",
    "analytics_plan",
    "extract",
    "plain_excerpt",
    "plan",
    "weeks_until_end_of",
]


def plan(*, text: str) -> Plan:
    low = text.lower()
    s = extract(text)
    if re.search(r"\b(polic(y|ies)|handbook|guideline|procedure|entitle|allowed to|pto|benefits?)\b", low):
        return _policy_plan(text)
    if re.search(r"\b(similar|alike|resembl|like our best|comparable)\w*", low):
        return _similar_plan(s)
    if re.search(r"\b(watch ?list|work ?list|my cases|cases i own|assigned to me)\b", low):
        return worklist_plan(s, text)
    analytic = analytics_plan(s, text)
    if analytic is not None:
        return analytic
    if re.search(r"\bcandidates?\b|\bapplicants?\b", low):
        return _candidate_plan(s)
    if re.search(r"how many\b.*\b(need|needed|require|required|hire|short)|hiring plan|\bgap\b", low):
        return _hiring_plan(s)
    if s.employee_id and re.search(r"\bwhat if\b|\bwhat would happen\b", low) and "overtime" in low:
        return _what_if_plan(s)
    if s.employee_id and re.search(r"\b(risk|leave|why|explain)\b", low):
        return _technician_risk_plan(s)
    if re.search(r"\b(leave|leaving|quit|quitting|attrition|turnover|flight risk|at risk|resign)\w*", low):
        return _risk_plan(s)
    if s.program or re.search(r"\b(overtime|roi|return on investment|save|saving|savings)\b", low):
        return _roi_plan(s)
    if re.search(r"\b(forecast|demand|projected|projection)\b", low):
        return _forecast_plan(s, text)
    if re.search(r"\b(how many|count|number of|headcount)\b", low):
        return _count_plan(s, text)
    return Plan(
        "unknown",
        [],
        lambda outs: (
            "I can't answer that question in offline mode (no language model is configured). "
            "I can answer these kinds of questions from the live data:\n" + CAPABILITIES
        ),
    )
