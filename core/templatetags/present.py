"""Template side of the one formatter (core/presentation.py) and the one empty-state partial.

{% load present %}
{{ t.trade|label }} → "HVAC"        {{ c.source|label }} → "Career site"
{{ r.district|place }} → "Philadelphia" (district or region code → name)
{{ roi.savings|money }} → "$3,100"  {{ x|signed:2 }} → "+0.82" / "−0.66"
{{ t.tenure_years|unit:"years" }} → "0.4 years"   {{ v|yesno_words }} → "Yes"
{% empty_state "retention" "No technicians match these filters." %}
"""

from __future__ import annotations

from django import template

from core import presentation as p

register = template.Library()


@register.filter
def label(value):
    return p.code_label(value)


@register.filter
def place(value):
    """District or region code → its name (unknown codes in words)."""
    from technicians.selectors import place_names

    if value in (None, ""):
        return "—"
    return place_names().get(str(value)) or p.code_label(value)


@register.filter
def money(value, decimals=0):
    return p.money(value, int(decimals))


@register.filter
def signed(value, decimals=2):
    return p.signed(value, int(decimals))


@register.filter
def num(value, decimals=0):
    return p.number(value, int(decimals))


@register.filter
def pct(value, decimals=0):
    return p.percent(value, int(decimals))


@register.filter
def unit(value, name):
    """unit:"years" or unit:"years:0" (name:decimals)."""
    name, _, decimals = str(name).partition(":")
    return p.with_unit(value, name, int(decimals) if decimals else 1)


@register.filter
def yesno_words(value):
    return p.yes_no(value)


@register.inclusion_tag("core/_empty_state.html", takes_context=True)
def empty_state(context, need: str = "", message: str = "", hint: str = ""):
    """The one empty state: what is happening (live progress while the result it needs is being
    prepared) and what this user can do. ``need``: retention | quality_of_hire | forecasts | "".

    ``message`` is shown when the result exists but this selection is empty (e.g. "No technicians match
    these filters."); ``hint`` is the next step for that case.
    """
    from core.roles import user_can_view_sensitive
    from core.status import preparation_status

    request = context.get("request")
    user = getattr(request, "user", None)
    hr = user_can_view_sensitive(user)
    ctx = {"need": need, "message": message, "hint": hint, "hr": hr, "waiting": None, "missing": False}
    if need:
        status = preparation_status()
        ctx["waiting"] = status.waiting_for(need)
        ctx["missing"] = need not in status.ready and ctx["waiting"] is None
        if need in status.ready and ctx["waiting"] is not None and message:
            ctx["waiting"] = None  # a newer version is training; the current one answers
        ctx["thing"] = {
            "retention": "retention model",
            "quality_of_hire": "quality-of-hire model",
            "forecasts": "forecasts",
        }.get(need, need)
    return ctx


@register.filter
def points(value, decimals=0):
    """A change of a probability in percentage points: 0.123 → "+12"."""
    try:
        return p.signed(float(value) * 100, int(decimals))
    except (TypeError, ValueError):
        return "—"
