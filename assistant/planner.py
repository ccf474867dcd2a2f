"""Offline mode: a built-in planner for the common question types (no language model needed).

It recognises the question type with patterns, finds the place/trade/month/employee in the text
(matched against the real district and region names), calls the SAME tools as the LLM agent (as the
asking user, so the same visibility rule applies) and answers from their results with templates.
Anything else gets a plain statement of what offline mode can answer.
"""

from __future__ import annotations

import calendar
import math
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta

Step = Callable[[list], tuple[str, dict] | None]

TRADES = {
    "hvac": "hvac",
    "heating": "hvac",
    "air condition": "hvac",
    "appliance": "appliance",
    "refrigeration": "refrigeration",
    "refrigerator": "refrigeration",
    "plumb": "plumbing",
    "electric": "electrical",
}
MONTHS = {m.lower(): i for i, m in enumerate(calendar.month_name) if m} | {
    m.lower(): i for i, m in enumerate(calendar.month_abbr) if m and m.lower() != "may"
}

CAPABILITIES = (
    "- who is most likely to leave in a district or region, and why\n"
    "- how many (HVAC, appliance…) technicians a district or region will need by a month\n"
    "- what capping overtime at N hours would save, a retention program's ROI, or all programs compared\n"
    "- hiring pipeline yield and time-to-fill by source or district\n"
    "- technicians similar to an employee (e.g. E000123) or to the best performer in a district\n"
    "- policy questions (searched in the knowledge documents)\n"
    "- counts of technicians by district, region, trade or status\n"
    "- turnover trends, period counts (e.g. 'how many left in 2024'), high-risk counts, retention curves\n"
    "  (median time to leave, 12-month retention), comparing two districts with the exact reasons,\n"
    "  forecast hires vs the hiring need\n"
    "- one technician's risk explanation, what-if for their overtime (e.g. 'what if E000123 worked 4 hours of overtime?'),\n"
    "  top candidates, and forecasts of headcount/hires/terminations/demand"
)


@dataclass
class Plan:
    intent: str
    steps: list[Step] = field(default_factory=list)
    render: Callable[[list], str] = lambda outcomes: ""


@dataclass
class Slots:
    district: str | None = None  # code
    district_name: str | None = None
    region: str | None = None
    region_name: str | None = None
    trade: str | None = None
    month: int | None = None
    employee_id: str | None = None
    candidate_id: str | None = None
    hours: float | None = None
    program: str | None = None

    @property
    def place(self) -> str:
        return self.district_name or (self.region_name and f"region {self.region_name}") or "the company"

    def loc(self) -> dict:
        return {k: v for k, v in {"district": self.district, "region": self.region, "trade": self.trade}.items() if v}


def _find_name(text: str, rows) -> tuple[str, str] | None:
    low = text.lower()
    best = None
    for code, name in rows:
        for cand in (name, code):
            c = (cand or "").lower().strip()
            if len(c) >= 3 and re.search(rf"(?<![a-z0-9]){re.escape(c)}(?![a-z0-9])", low):
                if best is None or len(c) > best[2]:
                    best = (code, name, len(c))
    return (best[0], best[1]) if best else None


def extract(text: str) -> Slots:
    from technicians.models import Candidate, District, Region, Technician

    s = Slots()
    low = text.lower()
    d = _find_name(text, District.objects.values_list("code", "name"))
    if d:
        s.district, s.district_name = d
    r = _find_name(text, Region.objects.values_list("code", "name"))
    if r and not (d and r[1].lower() in (d[1] or "").lower()):
        s.region, s.region_name = r
    for word, trade in TRADES.items():
        if word in low:
            s.trade = trade
            break
    for word, num in sorted(MONTHS.items(), key=lambda kv: -len(kv[0])):
        if re.search(rf"\b{word}\b", low):
            s.month = num
            break
    tokens = set(re.findall(r"[A-Za-z]*-?\d{2,}[A-Za-z0-9-]*", text))
    if tokens:
        s.employee_id = Technician.objects.filter(employee_id__in=tokens).values_list("employee_id", flat=True).first()
        s.candidate_id = (
            Candidate.objects.filter(candidate_id__in=tokens).values_list("candidate_id", flat=True).first()
        )
    m = re.search(r"(\d+(?:\.\d+)?)\s*(?:h\b|hrs?\b|hours?\b)", low)
    if m:
        s.hours = float(m.group(1))
    try:
        from predictions.models import RetentionProgram

        names = list(RetentionProgram.objects.values_list("name", flat=True))
        for name in sorted(names, key=len, reverse=True):
            if name and name.lower() in low:
                s.program = name
                break
        if s.program is None and re.search(r"\b(program\w*|roi|return on)\b", low):
            # "the overtime relief program" for "Overtime relief (cap 8 h)": all its key words
            best = 0
            for name in names:
                words = [
                    w
                    for w in re.findall(r"[a-z0-9]+", (name or "").lower())
                    if len(w) > 3 and w not in ("program", "programme")
                ]
                if words and all(re.search(rf"\b{re.escape(w)}", low) for w in words) and len(words) > best:
                    s.program, best = name, len(words)
    except Exception:  # noqa: BLE001 - predictions not installed/migrated yet: no program names to match
        s.program = None
    return s


def weeks_until_end_of(month: int, today: date | None = None) -> tuple[int, date]:
    today = today or date.today()
    year = today.year if month >= today.month else today.year + 1
    end = date(year, month, calendar.monthrange(year, month)[1])
    return max(1, min(52, math.ceil((end - today).days / 7))), end


# --------------------------------------------------------------------------- formatting helpers


def _err(outcome, what: str) -> str:
    return f"I couldn't get {what}: {outcome.result.get('error', 'unknown error')}"


def _pct(x) -> str:
    try:
        return f"{float(x) * 100:.0f}%"
    except (TypeError, ValueError):
        return "?"


def _num(x, nd=1) -> str:
    try:
        v = float(x)
    except (TypeError, ValueError):
        return "?"
    return f"{v:,.0f}" if abs(v - round(v)) < 1e-9 or nd == 0 else f"{v:,.{nd}f}"


def plain_excerpt(text: str, limit: int) -> str:
    """Document text as one plain sentence run: markdown markers removed, cut at a word boundary (never mid-word)."""
    t = re.sub(r"^\s{0,3}(#{1,6}\s+|[-*+]\s+|\d+\.\s+|>\s?)", "", text, flags=re.M)
    t = re.sub(r"(\*\*|__|\*|_|`)(\S(?:.*?\S)?)\1", r"\2", t)
    t = re.sub(r"\[([^\]]+)\]\([^)]+\)", r"\1", t)
    t = " ".join(t.split())
    if len(t) <= limit:
        return t
    cut = t[: limit + 1].rsplit(" ", 1)[0].rstrip(",;:")
    return cut + "…"


def _reason(c: dict) -> str:
    label = c.get("label") or c.get("feature") or "factor"
    val = c.get("value")
    contrib = c.get("contribution")
    bits = label
    if val is not None and not isinstance(val, dict | list):
        bits += f" = {_num(val) if isinstance(val, int | float) else val}"
    if isinstance(contrib, int | float):
        bits += f" ({'+' if contrib >= 0 else ''}{contrib:.2f})"
    return bits


# --------------------------------------------------------------------------- plans


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


def _hiring_plan(s: Slots) -> Plan:
    weeks, end = weeks_until_end_of(s.month) if s.month else (12, None)

    def render(outs):
        o = outs[0]
        if not o.ok:
            return _err(o, "the hiring plan")
        r = o.result
        tot, rows = r.get("totals", {}), r.get("districts", [])
        if not rows:
            return f"The hiring plan has no rows for {s.place}."
        used = r.get("weeks", weeks)
        when = f"over the next {used} weeks"
        if end is not None:
            when += f" (you asked about {end:%B %Y})"
        who = (("HVAC" if s.trade == "hvac" else s.trade or "") + " technicians").strip()
        surplus = f", and a surplus of {_num(tot['surplus'])} elsewhere (not netted)" if tot.get("surplus") else ""
        lines = [
            f"{s.place[0].upper() + s.place[1:]} will need about {_num(tot.get('required_technicians'), 0)} {who} {when}, "
            f"against {_num(tot.get('expected_headcount'), 0)} expected on staff "
            f"({_num(tot.get('current_headcount'), 0)} today − {_num(tot.get('expected_exits'))} expected exits + offers and pipeline): "
            f"hire about {_num(tot.get('hires_needed'), 0)} where short{surplus}."
        ]
        if len(rows) > 1:
            lines.append("By district:")
            for d in sorted(rows, key=lambda d: -(d.get("gap") or 0))[:10]:
                lines.append(
                    f"- {d.get('district_name') or d.get('district')}: need {_num(d.get('required_technicians'))}, "
                    f"expected {_num(d.get('expected_headcount'))}, hire {_num(d.get('hires_needed'), 0)}"
                )
        for note in r.get("notes", []):
            lines.append(f"Note: {note}.")
        lines.append("Required = forecast demand ÷ jobs per technician per week, from the weekly demand forecast.")
        return "\n".join(lines)

    return Plan("hiring", [lambda outs: ("hiring_plan", s.loc() | {"weeks": weeks})], render)


def _roi_plan(s: Slots) -> Plan:
    if s.program:

        def render_prog(outs):
            o = outs[0]
            if not o.ok:
                return _err(o, f"the ROI of {s.program}")
            r = o.result
            if not r.get("cohort_size"):
                return f"No scored technicians in {s.place}, so the ROI of {r.get('program', s.program)} cannot be estimated."
            lo, hi = r.get("departures_avoided_range") or (None, None)
            net = r["net_benefit"]
            lines = [
                f"Retention program {r.get('program', s.program)} for {s.place}: {r.get('effect')}, "
                f"{r['cohort_size']} technicians; horizon: {r.get('horizon')}.",
                f"- departures avoided: {_num(r['departures_avoided'], 2)} (95% range {_num(lo, 2)}–{_num(hi, 2)})",
                f"- savings: ${_num(r['savings'], 0)}",
                f"- program cost: ${_num(r['program_cost'], 0)}",
                f"- net benefit: {'-' if net < 0 else ''}${_num(abs(net), 0)}",
            ]
            if r.get("roi") is not None:
                lines.append(f"- ROI: {_num(r['roi'] * 100, 0)}%")
            lines.append(f"- it pays for itself if it costs less than ${_num(r.get('break_even_cost_per_technician'), 2)} "
                         "per enrolled technician")  # fmt: skip
            if r.get("description"):
                lines.append(f"Program: {r['description']}")
            return "\n".join(lines)

        return Plan("program_roi", [lambda outs: ("program_roi", s.loc() | {"program": s.program})], render_prog)
    hours = s.hours if s.hours is not None else 8.0

    def render(outs):
        o = outs[0]
        if not o.ok:
            return _err(o, "the overtime what-if")
        r = o.result
        lines = [
            f"Capping overtime at {_num(hours)} h/week ({s.place}), re-scoring all {r.get('evaluated')} scored technicians: "
            f"expected departures fall by {_num(r.get('expected_departures_avoided'), 2)} "
            f"(from {_num(r.get('expected_departures_before'), 2)}) — about ${_num(r.get('estimated_savings'), 0)} "
            f"in replacement cost at ${_num(r.get('replacement_cost_each'), 0)} each."
        ]
        listed = r.get("highest_risk_above_cap", [])
        if listed:
            lines.append("Highest-risk technicians above the cap:")
        for t in listed:
            lines.append(
                f"- {t.get('name')} ({t.get('employee_id')}): {_num(t.get('overtime_hours'))} h → risk {_pct(t.get('risk_before'))} → {_pct(t.get('risk_after'))}"
            )
        lines.append(
            "This is the model's what-if estimate, not a guarantee; it does not include the cost of covering the hours."
        )
        return "\n".join(lines)

    return Plan("overtime", [lambda outs: ("overtime_cap_impact", s.loc() | {"hours": hours})], render)


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


def _forecast_plan(s: Slots, text: str) -> Plan:
    low = text.lower()
    metric = "demand" if "demand" in low or "jobs" in low else "hires" if "hire" in low else "headcount"
    if "termination" in low or "attrition" in low:
        metric = "terminations_voluntary"
    level, key = ("district", s.district) if s.district else ("region", s.region) if s.region else ("company", None)

    def render(outs):
        o = outs[0]
        if not o.ok:
            return _err(o, f"the {metric} forecast")
        fc = o.result.get("forecast", [])
        if not fc:
            return "No forecast points available."
        last = fc[-1]
        first = fc[0]
        return (
            f"{metric.replace('_', ' ').capitalize()} forecast for {s.place}: {first['yhat']} in the week of {first['ds']}, "
            f"{last['yhat']} by {last['ds']} (80% interval {last['low']}–{last['high']})."
        )

    return Plan(
        "forecast",
        [
            lambda outs: (
                "forecast",
                {"metric": metric, "level": level, "key": key} if key else {"metric": metric, "level": level},
            )
        ],
        render,
    )


# --------------------------------------------------------------------------- people-analytics plans


def find_places(text: str) -> list[tuple[str, str, str]]:
    """Every district/region named in the text, in order of appearance: [(kind, code, name)]."""
    from technicians.models import District, Region

    low = text.lower()
    hits = []
    for kind, rows in (("district", District.objects.values_list("code", "name")),
                       ("region", Region.objects.values_list("code", "name"))):  # fmt: skip
        for code, name in rows:
            for cand in {name, code}:
                c = (cand or "").lower().strip()
                if len(c) < 3:
                    continue
                for m in re.finditer(rf"(?<![a-z0-9]){re.escape(c)}(?![a-z0-9])", low):
                    hits.append((m.start(), m.end(), kind, code, name))
    hits.sort(key=lambda h: (h[0], -(h[1] - h[0])))
    out, taken_until, seen = [], -1, set()
    for start, end, kind, code, name in hits:
        if start < taken_until or (kind, code) in seen:
            continue
        taken_until = end
        seen.add((kind, code))
        out.append((kind, code, name))
    return out


def _year(text: str) -> int | None:
    low = text.lower()
    m = re.search(r"\b(19[5-9]\d|20\d\d)\b", low)
    if m:
        return int(m.group(1))
    if re.search(r"\blast year\b", low):
        return date.today().year - 1
    if re.search(r"\bthis year\b", low):
        return date.today().year
    return None


def _band(text: str) -> str | None:
    m = re.search(r"\b(high|medium|low)[- ]risk\b", text.lower())
    return m.group(1) if m else None


def _quarter_end_before(d: date) -> date:
    q_start = date(d.year, 3 * ((d.month - 1) // 3) + 1, 1)
    return q_start - timedelta(days=1)


def _compare_plan(s: Slots, text: str) -> Plan | None:
    low = text.lower()
    places = find_places(text)
    seg = lambda kind, code: {kind: code} | ({"trade": s.trade} if s.trade else {})  # noqa: E731
    if len(places) >= 2:
        a, b = seg(places[0][0], places[0][1]), seg(places[1][0], places[1][1])
    elif len(places) == 1 and re.search(r"\blast (quarter|month)\b", low):
        a = seg(places[0][0], places[0][1])
        back = (
            _quarter_end_before(date.today()) if "quarter" in low else date.today().replace(day=1) - timedelta(days=1)
        )
        b = a | {"as_of": back.isoformat()}
    elif len(places) == 1 and re.search(r"\b(company|average|everyone|overall|rest)\b", low):
        a, b = seg(places[0][0], places[0][1]), ({"trade": s.trade} if s.trade else {})
    elif _band(text) and re.search(r"\b(high|medium|low)[- ]risk\b.*\b(high|medium|low)[- ]risk\b", low):
        bands = re.findall(r"\b(high|medium|low)[- ]risk\b", low)
        a, b = {"band": bands[0]}, {"band": bands[1]}
    else:
        return None

    def render(outs):
        o = outs[0]
        if not o.ok:
            return _err(o, "the comparison")
        r = o.result
        lines = [r["summary"], "Contribution of each factor to the difference (percentage points of risk):"]
        for f in r.get("factors", [])[:6]:
            vals = f" ({f['a_value']} vs {f['b_value']})" if f.get("a_value") and f.get("b_value") else ""
            lines.append(f"- {f['label']}: {f['points']:+.1f}{vals}")
        lines.append(
            f"The factors add up exactly to the difference in average log-odds (retention model v{r.get('model_version')})."
        )
        return "\n".join(lines)

    return Plan("compare", [lambda outs: ("compare_segments", {"a": a, "b": b})], render)


def _survival_plan(s: Slots, text: str) -> Plan:
    low = text.lower()
    by = "trade"
    for word, key in (("cohort", "cohort"), ("hire year", "cohort"), ("year hired", "cohort"), ("by year", "cohort"),
                      ("district", "district"), ("region", "region"), ("source", "source"), ("schedule", "schedule")):  # fmt: skip
        if word in low:
            by = key
            break
    event = "any" if re.search(r"\b(any|all) (departures?|reasons?)\b|\bfired or\b", low) else "voluntary"

    def render(outs):
        o = outs[0]
        if not o.ok:
            return _err(o, "the retention curves")
        r = o.result
        ov = r["overall"]
        who = f"{s.trade + ' ' if s.trade else ''}technicians in {s.place}"
        med = (
            f"{ov['median_months_to_leave']} months"
            if ov.get("median_months_to_leave")
            else "not reached (more than half are still here)"
        )
        lines = [f"For {who} ({'voluntary departures' if r['event'] == 'voluntary' else 'any departure'}): "
                 f"median time to leave {med}; 12-month retention {_num(ov.get('retention_12m_pct'))}% "
                 f"({ov['technicians']} technicians, {ov['left']} left)."]  # fmt: skip
        if len(r.get("groups", [])) > 1:
            lines.append(f"By {r['by']}:")
            for g in r["groups"][:10]:
                m = f"{g['median_months_to_leave']} mo" if g.get("median_months_to_leave") else "median not reached"
                lines.append(
                    f"- {g['group']}: 12-month retention {_num(g.get('retention_12m_pct'))}%, {m} ({g['technicians']})"
                )
        lr = r.get("logrank")
        if lr and lr.get("p_value") is not None:
            verdict = "differ significantly" if lr["p_value"] < 0.05 else "do not differ significantly"
            lines.append(f"Log-rank test {lr['a']} vs {lr['b']}: p = {lr['p_value']:.3g} — the curves {verdict}.")
        lines.append("Kaplan–Meier estimate; people still employed count as censored.")
        return "\n".join(lines)

    return Plan("survival", [lambda outs: ("survival_summary", s.loc() | {"by": by, "event": event})], render)


def _trend_plan(s: Slots, text: str) -> Plan:
    low = text.lower()
    split = None
    for word, key in (("by district", "district"), ("by region", "region"), ("by trade", "trade"),
                      ("by source", "source"), ("by tenure", "tenure_band"), ("by schedule", "schedule")):  # fmt: skip
        if word in low:
            split = key

    def render(outs):
        o = outs[0]
        if not o.ok:
            return _err(o, "the turnover trend")
        r = o.result
        t = r["t12m"]
        now, before = t.get("voluntary_rate_pct"), t.get("voluntary_rate_pct_prior_12m")
        direction = ""
        if now is not None and before is not None:
            direction = "up from" if now > before else "down from" if now < before else "the same as"
            direction = f", {direction} {_num(before)}% in the 12 months before"
        lines = [f"Voluntary turnover in {s.place}{' (' + s.trade + ')' if s.trade else ''} over the last 12 months: "
                 f"{_num(now)}% ({t['voluntary_departures']} departures){direction}. Involuntary: "
                 f"{_num(t.get('involuntary_rate_pct'))}% ({t['involuntary_departures']}). Hires: {t['hires']}."]  # fmt: skip
        lines.append("Last 6 months (voluntary % per month / headcount):")
        for m, v, h in list(zip(r["months"], r["voluntary_rate_pct"], r["headcount"], strict=False))[-6:]:
            lines.append(f"- {m}: {_num(v, 2)}% / {h}")
        if r.get("groups"):
            lines.append("By group (T12M voluntary turnover): " + ", ".join(
                f"{g['label']} {_num(g['t12m_voluntary_rate_pct'])}%" for g in r["groups"][:10]))  # fmt: skip
        return "\n".join(lines)

    args = s.loc() | {"months": 12} | ({"split": split} if split else {})
    return Plan("trend", [lambda outs: ("turnover_trend", args)], render)


def _period_count_plan(s: Slots, text: str, year: int) -> Plan:
    low = text.lower()
    hires = bool(re.search(r"\b(hired|hires?|hiring|joined|onboarded|new starters?)\b", low)) and not re.search(
        r"\b(left|leave|quit|departures?|terminated|resigned|fired)\b", low
    )
    kind = "any"
    if re.search(r"\b(voluntar\w*|quit|resigned|resignations?)\b", low):
        kind = "voluntary"
    elif re.search(r"\b(involuntar\w*|fired|let go|dismissed)\b", low):
        kind = "involuntary"
    first_year = bool(re.search(r"first[- ]year|first year|within (a|their first) year|first 12 months", low))
    args = s.loc() | {"what": "hires" if hires else "departures", "year": year}
    if not hires:
        args |= {"kind": kind, "first_year": first_year}

    def render(outs):
        o = outs[0]
        if not o.ok:
            return _err(o, "the count")
        r = o.result
        who = f"{s.trade} " if s.trade else ""
        if hires:
            return (f"{r['count']} {who}technicians were hired in {s.place} in {year} "
                    f"({r['start']} to {r['end']}); {r['still_employed']} of them are still employed.")  # fmt: skip
        what = {"any": "", "voluntary": "voluntarily ", "involuntary": "involuntarily "}[kind]
        fy = " within their first year" if first_year else ""
        return f"{r['count']} {who}technicians left {what}in {s.place}{fy} in {year} ({r['start']} to {r['end']})."

    return Plan("period_count", [lambda outs: ("count_in_period", args)], render)


def _hires_vs_need_plan(s: Slots) -> Plan:
    def render(outs):
        o = outs[0]
        if not o.ok:
            return _err(o, "hires vs hiring need")
        r = o.result
        lines = []
        if r.get("hires_forecast") is not None:
            lines.append(f"Forecast hires in {s.place} over the next {r['weeks']} weeks: {_num(r['hires_forecast'])} "
                         f"(range {_num(r.get('hires_forecast_low'))}–{_num(r.get('hires_forecast_high'))}).")  # fmt: skip
        if r.get("hires_needed") is not None:
            lines.append(f"Hiring need from the hiring plan: {_num(r['hires_needed'], 0)} hires where short "
                         f"(surplus elsewhere {_num(r.get('surplus'))}, not netted).")  # fmt: skip
        if r.get("shortfall") is not None:
            sf = r["shortfall"]
            lines.append(f"{'Shortfall' if sf > 0 else 'Surplus'}: {_num(abs(sf))} hires — "
                         f"{'hire faster than forecast' if sf > 0 else 'the forecast covers the need'}.")  # fmt: skip
        lines += [f"Note: {n}." for n in r.get("notes", [])]
        return "\n".join(lines) or "No hires forecast or hiring plan is available yet."

    return Plan("hires_vs_need", [lambda outs: ("hires_vs_need", s.loc() | {"weeks": 12})], render)


def _cohort_plan(s: Slots, band: str, year: int | None) -> Plan:
    def render(outs):
        o = outs[0]
        if not o.ok:
            return _err(o, f"the {band}-risk count")
        r = o.result
        hired = f" hired in {year}" if year else ""
        bb = r["by_band"]
        return (f"{r['count']} {s.trade + ' ' if s.trade else ''}technicians{hired} in {s.place} are {band} risk "
                f"(of {r['scored']} scored on {r['as_of']}: high {bb['high']}, medium {bb['medium']}, low {bb['low']}; "
                f"average risk {_pct(r.get('mean_risk'))}).")  # fmt: skip

    args = s.loc() | {"band": band} | ({"hire_year": year} if year else {})
    return Plan("cohort", [lambda outs: ("risk_cohort", args)], render)


def analytics_plan(s: Slots, text: str) -> Plan | None:
    """People-analytics intents, tried before the older ones (they are more specific)."""
    low = text.lower()
    year = _year(text)
    from assistant import planner_hiring as hiring  # programs compared, hiring pipeline (yield, time-to-fill)

    if hiring.PIPELINE_RE.search(low):
        return hiring.pipeline_plan(s, text, year)
    if hiring.PROGRAMS_RE.search(low) and not (
        s.program and not re.search(r"\b(compar\w*|side by side|all|every|best|which|rank)\b", low)
    ):
        return hiring.programs_compare_plan(s, text)
    if re.search(
        r"\bcompar\w*|\bversus\b|\bvs\.?\s|\bdifference between\b|\b(higher|lower|riskier|worse|better) than\b", low
    ):
        p = _compare_plan(s, text)
        if p:
            return p
    if re.search(r"\bsurviv\w*|median time|time to (leave|quit)|how long\b.*\bstay|retention curve|kaplan|"
                 r"(12|twelve)[- ]month retention", low):  # fmt: skip
        return _survival_plan(s, text)
    if re.search(r"\btrend\w*|over time|month by month|monthly|each month|per month|turnover rate|attrition rate|"
                 r"getting (worse|better)", low):  # fmt: skip
        return _trend_plan(s, text)
    if re.search(r"\bhir(e|es|ing)\b", low) and re.search(r"\b(forecast\w*|expected|on track|enough)\b", low) and \
            re.search(r"\b(need\w*|plan|gap|requirement)\b", low):  # fmt: skip
        return _hires_vs_need_plan(s)
    band = _band(text)
    if band and re.search(r"\b(how many|count|number of)\b", low):
        return _cohort_plan(s, band, year)
    if year and re.search(r"\b(left|leave|quit|departures?|terminat\w*|resign\w*|fired|hired?|hires|joined)\b", low):
        return _period_count_plan(s, text, year)
    if s.program and not s.employee_id and re.search(r"\b(program\w*|roi|return on|worth|pay off|save|savings)\b", low):
        return _roi_plan(s)
    return None


def plan(*, text: str) -> Plan:
    low = text.lower()
    s = extract(text)
    if re.search(r"\b(polic(y|ies)|handbook|guideline|procedure|entitle|allowed to|pto|benefits?)\b", low):
        return _policy_plan(text)
    if re.search(r"\b(similar|alike|resembl|like our best|comparable)\w*", low):
        return _similar_plan(s)
    if re.search(r"\b(watch ?list|work ?list|my cases|cases i own|assigned to me)\b", low):
        from assistant.planner_worklist import worklist_plan

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
