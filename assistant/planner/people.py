"""Offline planner intents about people: who may leave and why, one technician's risk and what-if, similar
technicians, candidates, counts, and policy questions (knowledge search)."""

from __future__ import annotations

import re

from assistant.planner.base import Plan, Slots, _err, _num, _pct, _reason, plain_excerpt


def _risk_plan(s: Slots) -> Plan:
    def render(outs):
        rank = outs[0]
        if not rank.ok:
            return _err(rank, "the risk ranking")
        items = rank.result.get("items", [])
        if not items:
            return f"No scored technicians found for {s.place}."
        lines = [
            f"Technicians most likely to leave in {s.place}"
            + (f" ({s.trade})" if s.trade else "")
            + f" — retention model {rank.result.get('model_version') or ''}, scored {rank.result.get('as_of') or 'recently'}:"
        ]
        for i, it in enumerate(items, 1):
            reasons = "; ".join(_reason(c) for c in it.get("top_reasons", [])[:3] if (c.get("contribution") or 0) > 0)
            lines.append(
                f"{i}. {it.get('name')} ({it.get('employee_id')}, {it.get('district')}, {it.get('trade')}) — "
                f"{_pct(it.get('score'))} risk ({it.get('band')})" + (f". Main reasons: {reasons}" if reasons else "")
            )
        if len(outs) > 1 and outs[1].ok:
            expl = outs[1].result.get("explanation")
            if expl:
                lines.append(f"\nWhy {items[0].get('name')}: {expl}")
        return "\n".join(lines)

    def top(outs):
        if outs and outs[0].ok and outs[0].result.get("items"):
            return ("technician_risk", {"employee_id": outs[0].result["items"][0]["employee_id"]})
        return None

    return Plan("risk", [lambda outs: ("risk_ranking", s.loc() | {"limit": 5}), top], render)


def _technician_risk_plan(s: Slots) -> Plan:
    def render(outs):
        o = outs[0]
        if not o.ok:
            return _err(o, f"the risk for {s.employee_id}")
        r = o.result
        lines = [f"{r.get('name') or s.employee_id}: {_pct(r.get('score'))} risk of leaving ({r.get('band')})."]
        if r.get("explanation"):
            lines.append(str(r["explanation"]))
        else:
            lines += [f"- {_reason(c)}" for c in r.get("contributions", [])[:5]]
        return "\n".join(lines)

    return Plan("technician_risk", [lambda outs: ("technician_risk", {"employee_id": s.employee_id})], render)


def _what_if_plan(s: Slots) -> Plan:
    hours = s.hours if s.hours is not None else 8.0

    def render(outs):
        o = outs[0]
        if not o.ok:
            return _err(o, f"the what-if for {s.employee_id}")
        r = o.result
        before, after = r.get("before", {}), r.get("after", {})
        lines = [
            f"If {s.employee_id} averaged {_num(hours)} h/week of overtime, their risk of leaving would go from "
            f"{_pct(before.get('score'))} ({before.get('band')}) to {_pct(after.get('score'))} ({after.get('band')})."
        ]
        if after.get("explanation"):
            lines.append(f"With that change: {after['explanation']}")
        return "\n".join(lines)

    return Plan(
        "what_if",
        [lambda outs: ("what_if", {"employee_id": s.employee_id, "changes": {"overtime_hours": hours}})],
        render,
    )


def _similar_plan(s: Slots) -> Plan:
    args = {"employee_id": s.employee_id} if s.employee_id else {"best_in_district": s.district}

    def render(outs):
        o = outs[0]
        if not o.ok:
            return _err(o, "similar technicians")
        r = o.result
        t = r.get("target", {})
        lines = [
            f"Technicians most similar to {t.get('first_name')} {t.get('last_name')} ({t.get('employee_id')}, "
            f"{t.get('district_name')}, {t.get('trade')}; {r.get('basis')}):"
        ]
        for x in r.get("similar", []):
            lines.append(
                f"- {x.get('first_name')} {x.get('last_name')} ({x.get('employee_id')}, {x.get('district_name')}, "
                f"{x.get('trade')}, {x.get('tenure_years')} yrs) — similarity {x.get('similarity')}"
            )
        lines.append(f"Similarity: {r.get('method')}.")
        return "\n".join(lines)

    if not s.employee_id and not s.district:
        return Plan(
            "similar",
            [],
            lambda outs: (
                "Tell me whose profile to match: an employee id (e.g. E000123) or 'the best performer in <district>'."
            ),
        )
    return Plan("similar", [lambda outs: ("similar_technicians", args)], render)


def _policy_plan(text: str) -> Plan:
    def render(outs):
        o = outs[0]
        if not o.ok:
            return _err(o, "the knowledge documents")
        hits = [h for h in o.result.get("results", []) if (h.get("similarity") or 0) > 0.05]
        if not hits:
            return "I found nothing about that in the knowledge documents. An HR admin can upload policies in Admin → Knowledge documents."
        lines = ["Here is what the knowledge documents say (most relevant first):"]
        for h in hits[:3]:
            excerpt = plain_excerpt(h["text"], 400)
            lines.append(f"- From [{h['document']}]: {excerpt}")
        lines.append(
            "Offline mode quotes the documents rather than summarising them; check the cited document for details."
        )
        return "\n".join(lines)

    return Plan("policy", [lambda outs: ("knowledge_search", {"query": text[:500], "limit": 4})], render)


def _count_plan(s: Slots, text: str) -> Plan:
    status = "left" if re.search(r"\b(left|terminated|quit|former)\b", text.lower()) else "active"
    group = "district" if s.region else ("region" if not s.district else "none")

    def render(outs):
        o = outs[0]
        if not o.ok:
            return _err(o, "the technician counts")
        r = o.result
        who = f"{s.trade} " if s.trade else ""
        lines = [f"{s.place[0].upper() + s.place[1:]} has {r.get('count')} {status} {who}technicians."]
        if r.get("groups"):
            lines.append("By " + group + ": " + ", ".join(f"{k} {v}" for k, v in r["groups"].items()) + ".")
        avg = r.get("averages_latest_month") or {}
        if avg:
            lines.append(
                f"Latest month ({r.get('latest_month')}): average overtime {_num(avg.get('avg_overtime_hours'))} h/week, "
                f"CSAT {_num(avg.get('avg_csat'), 2)}, first-time fix {_pct(avg.get('avg_first_time_fix_rate'))}."
            )
        return "\n".join(lines)

    return Plan(
        "count",
        [lambda outs: ("query_technicians", s.loc() | {"status": status, "group_by": group, "limit": 0})],
        render,
    )


def _candidate_plan(s: Slots) -> Plan:
    if s.candidate_id:

        def render_one(outs):
            o = outs[0]
            if not o.ok:
                return _err(o, f"the quality-of-hire for {s.candidate_id}")
            r = o.result
            return (
                f"Candidate {s.candidate_id}: predicted quality {_pct(r.get('score'))} ({r.get('band', '')}). "
                + str(r.get("explanation", ""))
            )

        return Plan("candidate", [lambda outs: ("candidate_quality", {"candidate_id": s.candidate_id})], render_one)

    def render(outs):
        o = outs[0]
        if not o.ok:
            return _err(o, "the candidate ranking")
        items = o.result.get("items", [])
        if not items:
            return f"No open candidates found for {s.place}."
        lines = [f"Open candidates most likely to stay and do well ({s.place}):"]
        for i, c in enumerate(items[:5], 1):
            name = c.get("name") or f"{c.get('first_name', '')} {c.get('last_name', '')}".strip()
            lines.append(f"{i}. {name} ({c.get('candidate_id')}) — {_pct(c.get('score'))}")
        return "\n".join(lines)

    return Plan("candidates", [lambda outs: ("candidate_ranking", s.loc() | {"limit": 5})], render)
