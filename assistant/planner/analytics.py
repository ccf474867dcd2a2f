"""Offline planner intents of people analytics: comparisons with exact reasons, retention curves, trends,
period counts, forecast hires against the need, risk cohorts; ``analytics_plan`` picks among them."""

from __future__ import annotations

import re
from datetime import date, timedelta

from assistant.planner import hiring  # programs compared, hiring pipeline (yield, time-to-fill)
from assistant.planner.base import Plan, Slots, _band, _err, _num, _pct, _quarter_end_before, _year, find_places
from assistant.planner.planning import _roi_plan


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
