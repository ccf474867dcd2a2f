"""Feature values and program changes in words, with units (through core.presentation)."""

from __future__ import annotations

from django import template
from django.utils.html import conditional_escape
from django.utils.safestring import mark_safe

from core import presentation as p
from predictions.features import ATTR_PREFIX, label_for

register = template.Library()

# feature → (kind, unit, decimals): how a value of that feature reads
UNITS = {
    "tenure_years": ("unit", "years", 1),
    "years_experience": ("unit", "years", 1),
    "overtime_hours": ("unit", "h/week", 1),
    "overtime_trend_3m": ("signed_unit", "h/week", 1),
    "drive_time_minutes": ("unit", "min/day", 0),
    "commute_miles": ("unit", "miles", 0),
    "training_hours": ("unit", "h", 1),
    "training_hours_6m": ("unit", "h", 1),
    "first_time_fix_rate": ("pct", "", 0),
    "utilization": ("pct", "", 0),
    "pay_vs_district_median": ("pct", "", 0),
    "offered_pay_vs_district_median": ("pct", "", 0),
    "pay_rate": ("money", "/h", 2),
    "offered_pay_rate": ("money", "/h", 2),
    "csat": ("num", "", 2),
    "callbacks": ("num", "", 0),
    "jobs_completed": ("num", "", 0),
    "certifications": ("num", "", 0),
    "attr_van_age_years": ("unit", "years", 0),
}


def value_text(feature: str, value) -> str:
    if value is None or value == "":
        return "—"
    if isinstance(value, bool) or str(value).lower() in ("true", "false"):
        return p.yes_no(value)
    kind, unit, decimals = UNITS.get(feature, ("", "", 2))
    if isinstance(value, str):
        try:
            float(value)
        except ValueError:
            return p.code_label(value)
    if kind == "unit":
        return p.with_unit(value, unit, decimals)
    if kind == "signed_unit":
        return f"{p.signed(value, decimals)} {unit}"
    if kind == "pct":
        return p.percent(value, decimals)
    if kind == "money":
        return p.money(value, decimals) + unit
    if kind == "num":
        return p.number(value, decimals)
    if feature.startswith(ATTR_PREFIX) or isinstance(value, int):
        return p.number(value, 0) if float(value).is_integer() else p.number(value, 2)
    return p.number(value, 2)


@register.filter
def feature_value(value, feature):
    """{{ c.value|feature_value:c.feature }} → "0.4 years", "Yes", "$47.83/h", "73%"."""
    return value_text(str(feature), value)


OPS = {"set": "set to", "cap": "capped at", "floor": "at least", "add": "plus", "multiply": "×"}


@register.filter
def program_change(change):
    """{'pay_rate': {'multiply': 1.05}} → "Pay rate +5%"; {'overtime_hours': {'cap': 10}} → "Overtime capped at 10 h/week"."""
    if not isinstance(change, dict) or not change:
        return "—"
    parts = []
    for feature, ops in change.items():
        name = label_for(feature)
        if not isinstance(ops, dict):
            parts.append(f"{name}: {value_text(feature, ops)}")
            continue
        for op, v in ops.items():
            if op == "multiply":
                try:
                    parts.append(f"{name} {p.signed((float(v) - 1) * 100, 0)}%")
                except (TypeError, ValueError):
                    parts.append(f"{name} × {v}")
            elif op == "add":
                kind, unit, decimals = UNITS.get(feature, ("", "", 1))
                amount = p.money(v, decimals) if kind == "money" else p.signed(v, decimals)
                parts.append(
                    f"{name} {'+' if kind == 'money' and float(v) >= 0 else ''}{amount}{(' ' + unit) if unit and kind != 'money' else unit}"
                )
            else:
                parts.append(f"{name} {OPS.get(op, op)} {value_text(feature, v)}")
    return "; ".join(parts)


# the reasons cell of a ranking row: (class if raising, class if lowering, sr-only text if raising, if lowering)
_REASON_WORDS = {
    "risk": ("up", "down", " raises the risk", " lowers the risk"),
    "staying": ("good", "bad", " raises the chance of staying", " lowers the chance of staying"),
}


@register.filter
def reasons(contributions, kind="risk"):
    """A row's top reasons as the ranking tables show them: ``<span class="reason up">Overtime ↑<span
    class="sr-only"> raises the risk</span></span>, …``. One call per row instead of a template loop with four
    ``{% if %}`` per reason: the ranking pages render 25 rows × 3 reasons of these. The label is escaped as
    ``{{ c.label }}`` was (conditional_escape); the rest is constant markup."""
    up_class, down_class, up_words, down_words = _REASON_WORDS[kind]
    up_tail = f' ↑<span class="sr-only">{up_words}</span></span>'
    down_tail = f' ↓<span class="sr-only">{down_words}</span></span>'
    parts = []
    for c in contributions or ():
        contribution = c.get("contribution")
        up = contribution is not None and contribution > 0
        label = conditional_escape(c.get("label", ""))
        parts.append(f'<span class="reason {up_class if up else down_class}">{label}{up_tail if up else down_tail}')
    return mark_safe(", ".join(parts))  # noqa: S308 - constant markup around escaped labels
