"""Offline planner intents about the plan: technicians needed (hiring plan), a program's ROI, forecasts."""

from __future__ import annotations

from assistant.planner.base import Plan, Slots, _err, _num, _pct, weeks_until_end_of


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
