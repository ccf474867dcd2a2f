"""Offline planner intents for retention programs compared and the hiring pipeline (yield, time-to-fill).

Called from assistant.planner.analytics.analytics_plan; calls the same tools as the LLM agent (compare_programs,
pipeline_yield) as the asking user, and answers from their results with templates.
"""

from __future__ import annotations

import re

from assistant.planner.base import Plan, _band, _err, _num

PROGRAMS_RE = re.compile(
    r"\b(compare|which|best|side by side|rank|all|every)\b.*\b(retention )?programs?\b|"
    r"\bprograms?\b.*\b(compared|side by side|best|pays? off|worth it)\b"
)
PIPELINE_RE = re.compile(
    r"\b(yield|time[- ]to[- ](fill|hire|start)|pipeline|funnel|conversion)\b|"
    r"\bapplicants?\b.*\bhired?\b.*\b(90|ninety)[- ]days?\b|\bwhich (hire )?sources?\b.*\b(stay|hire|best)\w*"
)


def _money(x) -> str:
    try:
        v = float(x)
    except (TypeError, ValueError):
        return "?"
    return f"{'-' if v < 0 else ''}${_num(abs(v), 0)}"


def programs_compare_plan(s, text: str):
    band = _band(text)
    args = s.loc() | ({"band": band} if band else {})

    def render(outs):
        o = outs[0]
        if not o.ok:
            return _err(o, "the program comparison")
        r = o.result
        if not r.get("cohort_size"):
            return f"No scored technicians in {r.get('cohort')}, so no program can be compared there."
        lines = [f"Retention programs compared for {r['cohort']} ({r['cohort_size']} technicians, retention model "
                 f"v{r['model_version']}); horizon: {r['horizon']}. Best net benefit: {r['best']}."]  # fmt: skip
        for p in r["programs"]:
            lo, hi = p["departures_avoided_range"]
            be = p["break_even_cost_per_technician"]
            lines.append(
                f"- {p['program']} ({p['effect']}): avoids {_num(p['departures_avoided'], 2)} departures "
                f"(95% range {_num(lo, 2)}–{_num(hi, 2)}), net {_money(p['net_benefit'])} at "
                f"{_money(p['cost_per_technician'])} per technician; pays for itself below {_money(be)} per technician."
            )
        lines.append("Range: resampling the cohort (not the model's own error); savings at "
                     f"{_money(r['replacement_cost_per_departure'])} per departure avoided.")  # fmt: skip
        return "\n".join(lines)

    return Plan("programs_compare", [lambda outs: ("compare_programs", args)], render)


def pipeline_plan(s, text: str, year: int | None):
    low = text.lower()
    by = "source"
    for word, key in (("district", "district"), ("region", "region"), ("trade", "trade"), ("source", "source")):
        if re.search(rf"\b(by|per|each|which) {word}", low):
            by = key
            break
    args = s.loc() | {"by": by} | ({"year": year} if year else {})
    ttf_first = bool(re.search(r"time[- ]to[- ](fill|hire|start)", low))

    def render(outs):
        o = outs[0]
        if not o.ok:
            return _err(o, "the hiring pipeline")
        r = o.result
        t = r["total"]
        where = s.place + (f" ({s.trade})" if s.trade else "")
        ttf = (f"median time-to-fill {_num(t['time_to_fill_median_days'], 0)} days from application to start"
               if t.get("time_to_fill_median_days") is not None else "no hires yet, so no time-to-fill")  # fmt: skip
        head = (f"Hiring pipeline in {where}, applications {r['start']} to {r['end']}: {t['applied']} applied, "
                f"{t['hired']} hired ({_num(t['hire_rate_pct'])}% of decided), {t['still_employed_90_days']} of "
                f"{t['reached_90_days']} still employed 90 days after starting "
                f"({_num(t['retention_90_days_pct'])}%); yield {_num(t['yield_90_days_pct'])}%; {ttf}.")  # fmt: skip
        lines = [head, f"By {r['by']}:"]
        for g in r["groups"][:10]:
            med = g.get("time_to_fill_median_days")
            lines.append(
                f"- {g['group']}: {g['applied']} applied, {g['hired']} hired, 90-day retention "
                f"{_num(g['retention_90_days_pct'])}%, yield {_num(g['yield_90_days_pct'])}%"
                + (f", time-to-fill {_num(med, 0)} days" if med is not None else "")
            )
        if ttf_first:
            lines.append("Time-to-fill = days from application to the technician's start date (hires only).")
        else:
            lines.append("Yield = hire rate × share still employed 90 days after starting.")
        return "\n".join(lines)

    return Plan("pipeline", [lambda outs: ("pipeline_yield", args)], render)
