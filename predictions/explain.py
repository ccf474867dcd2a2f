"""Turn a model's numbers into what a user may see: contribution lists and a plain-English sentence.

Hidden (pay/performance) terms are folded into one "Other (restricted) factors" entry for users who
may not see them, so the contributions still add up to the logit without naming the hidden features.
"""

from __future__ import annotations

import heapq
import math
from typing import Any

from core.roles import user_can_view_sensitive
from predictions.features import label_for
from predictions.models import _input_value
from technicians.visibility import is_sensitive_name

RESTRICTED = {"feature": "restricted", "label": "Other (restricted) factors", "value": None}
MINUS = "−"


def contributions_for(terms: list[str], contributions: list[float], features: list[str], values: list) -> list[dict]:
    """All terms as dicts, value filled for main-effect terms; sorted by |contribution| desc."""
    value_of = dict(zip(features, values, strict=False))
    out = []
    for term, c in zip(terms, contributions, strict=True):
        v = value_of.get(term) if " & " not in term else None
        if hasattr(v, "item"):  # numpy scalar → plain Python for JSON
            v = v.item()
        if isinstance(v, float) and math.isnan(v):
            v = None
        out.append({"feature": term, "label": label_for(term), "value": v, "contribution": float(c)})
    out.sort(key=lambda d: -abs(d["contribution"]))
    return out


def fold(user, contributions: list[dict]) -> list[dict]:
    """Contributions the user may see, plus one restricted entry carrying the sum of the rest."""
    visible, hidden, hidden_mean = [], 0.0, 0.0
    any_hidden = False
    sees_all = user_can_view_sensitive(user)  # once, not per term (field_visible's rule, hoisted)
    for c in contributions:
        if sees_all or not any(is_sensitive_name(part) for part in c["feature"].split(" & ")):
            visible.append(c)
        else:
            hidden += c["contribution"]
            hidden_mean += c.get("mean", 0.0)
            any_hidden = True
    if any_hidden:
        entry = {**RESTRICTED, "contribution": hidden}
        if "points" in (contributions[0] if contributions else {}):
            # the folded line's points are those of all hidden terms moved to their averages together
            entry["mean"] = hidden_mean
            entry["points"] = _points(contributions[0]["_logit"], hidden, hidden_mean)
        visible.append(entry)
    visible.sort(key=_strength)
    for c in visible:
        c.pop("_logit", None)
    return visible


def top_folded(user, model, prediction, k: int = 3, *, contributions: list[float] | None = None) -> list[dict]:
    """``fold(user, contributions_for(terms, contributions, features, values))[:k]`` — the same entries in
    the same order — without building an entry for every term: a ranking page asks for the top 3 reasons
    of 25-100 scores of a model with ~50 terms. The per-term work (label, visibility, input position) is
    done once per model and user kind and kept on the model instance (one request's object).

    ``contributions``: the prediction's decoded contributions when the caller decoded a whole page at once
    (:func:`predictions.codebook.decode_rows`: one pass per term for all rows, not one per row)."""
    if k <= 0:
        return fold(user, contributions_for(model.terms, prediction.contribution_list(model), model.features,
                                            prediction.value_list(model)))[:k]  # fmt: skip
    seen = model.__dict__.get("_top_folded_user")  # the permission check once per user, not once per row
    if seen is None or seen[0] is not user:
        seen = model.__dict__["_top_folded_user"] = (user, user_can_view_sensitive(user))
    sees_all = seen[1]
    prep = model.__dict__.setdefault("_top_folded", {}).get(sees_all)
    if prep is None:
        position = {f: i for i, f in enumerate(model.features)}  # a repeated name: the last wins, as in a dict
        prep = [
            (
                term,
                label_for(term),
                sees_all or not any(is_sensitive_name(part) for part in term.split(" & ")),
                None if " & " in term else position.get(term),
            )
            for term in model.terms
        ]
        model.__dict__["_top_folded"][sees_all] = prep
    if contributions is None:
        contributions = prediction.contribution_list(model)
    if len(contributions) != len(prep):
        raise ValueError(f"{len(contributions)} contributions for {len(prep)} terms")
    # fold's order: every term by |contribution| (stable), the hidden ones summed in that order, the
    # restricted entry placed after the visible ones of equal strength
    visible, hidden = [], []
    for i in range(len(contributions)):
        (visible if prep[i][2] else hidden).append(i)
    restricted = None
    if hidden:
        total = 0.0
        for i in sorted(hidden, key=lambda i: -abs(contributions[i])):
            total += float(contributions[i])
        restricted = total
    keyed = [(-abs(float(contributions[i])), i) for i in visible]
    if restricted is not None:
        keyed.append((-abs(restricted), len(prep)))
    top = heapq.nsmallest(k, keyed, key=lambda t: t[0])
    raw, levels, features = None, model.levels, model.features
    out = []
    for _, i in top:
        if i == len(prep):
            out.append({**RESTRICTED, "contribution": restricted})
            continue
        term, label, _, pos = prep[i]
        v = None
        if pos is not None:
            raw = prediction.raw_values() if raw is None else raw
            if pos < len(raw):
                v = _input_value(levels, features[pos], raw[pos])
                if hasattr(v, "item"):
                    v = v.item()
                if isinstance(v, float) and math.isnan(v):
                    v = None
        out.append({"feature": term, "label": label, "value": v, "contribution": float(contributions[i])})
    return out


def _strength(c: dict) -> float:
    """Sort key: the largest effect first — in points when known (what the page shows), else log-odds."""
    return -abs(c["points"] if c.get("points") is not None else c["contribution"])


def _effect(c: dict) -> float:
    return c["points"] if c.get("points") is not None else c["contribution"]


def _sigmoid(z: float) -> float:
    return 1 / (1 + math.exp(-z)) if z >= 0 else math.exp(z) / (1 + math.exp(z))


def _points(logit: float, contribution: float, mean: float) -> float:
    return (_sigmoid(logit) - _sigmoid(logit - contribution + mean)) * 100


def with_points(contributions: list[dict], *, logit: float, means: dict[str, float]) -> list[dict]:
    """Each term's effect in percentage points of probability: the exact change in this score when that term
    alone is set to its population-average contribution (``means``: term → mean contribution). Call before
    ``fold`` so a folded restricted line gets the points of all hidden terms together."""
    for c in contributions:
        m = float(means.get(c["feature"], 0.0))
        c["mean"] = m
        c["points"] = _points(logit, c["contribution"], m)
        c["_logit"] = logit
    contributions.sort(key=_strength)
    return contributions


def format_value(feature: str, value: Any) -> str:
    """A feature value phrased for a sentence ("Overtime of 14 h/week")."""
    if value is None:
        return label_for(feature)
    if isinstance(value, str):
        return f"{label_for(feature)} “{value}”"
    v = float(value)
    phrases = {
        "overtime_hours": f"Overtime of {v:.0f} h/week",
        "overtime_trend_3m": (
            f"Overtime {'rising' if v > 0 else 'falling'} by {abs(v):.0f} h/week over the last 3 months"
            if round(v) != 0
            else "Steady overtime over the last 3 months"
        ),
        "tenure_years": f"{v:.0f} years of tenure" if v >= 1.5 else _months(v * 12, "of tenure"),
        "drive_time_minutes": f"Drive time of {v:.0f} min/day",
        "commute_miles": f"A commute of {v:.0f} miles",
        "csat": f"A CSAT of {v:.1f}",
        "first_time_fix_rate": f"A first-time fix rate of {v:.0%}",
        "utilization": f"Utilisation of {v:.0%}",
        "training_hours": f"{v:.0f} h of training this month",
        "training_hours_6m": f"{v:.0f} h of training in 6 months",
        "pay_rate": f"Pay of ${v:.2f}/h",
        "pay_vs_district_median": f"Pay at {v:.0%} of the district median",
        "offered_pay_vs_district_median": f"An offer at {v:.0%} of the district median",
        "offered_pay_rate": f"An offer of ${v:.2f}/h",
        "years_experience": f"{v:.0f} years of experience",
        "assessment_score": f"An assessment score of {v:.0f}",
        "interview_score": f"An interview score of {v:.1f}",
        "certifications": f"{v:.0f} certification{'s' if v != 1 else ''}",
        "callbacks": f"{v:.0f} callbacks",
        "jobs_completed": f"{v:.0f} jobs completed",
    }
    return phrases.get(feature, f"{label_for(feature)} of {v:g}")


def _months(m: float, what: str) -> str:
    n = max(round(m), 0)
    return f"{'Under a month' if n == 0 else f'{n} month' + ('s' if n != 1 else '')} {what}"


def signed(x: float) -> str:
    return f"+{x:.2f}" if x >= 0 else f"{MINUS}{abs(x):.2f}"


def explanation_text(contributions: list[dict], *, model_type: str = "retention") -> str:
    """One or two sentences naming the strongest visible push up and the strongest push down.

    With points (``with_points``) the effect is said in percentage points against an average person's
    level of that factor ("+4.1 points"); otherwise in the model's log-odds."""
    named = [c for c in contributions if c["feature"] != "restricted" and abs(c["contribution"]) >= 0.005]
    in_points = bool(named) and all(c.get("points") is not None for c in named)
    if in_points:
        named = [c for c in named if abs(c["points"]) >= 0.05]
    up = max((c for c in named if _effect(c) > 0), key=_effect, default=None)
    down = min((c for c in named if _effect(c) < 0), key=_effect, default=None)
    thing = "this risk" if model_type == "retention" else "the chance of staying 90 days"

    def amount(c: dict, first: bool) -> str:
        if in_points:
            unit = " percentage points vs. average" if first else " points"
            return f"{signed_points(c['points'])}{unit}"
        return f"{signed(c['contribution'])} log-odds" if first else signed(c["contribution"])

    parts = []
    if up:
        parts.append(f"{format_value(up['feature'], up['value'])} adds the most to {thing} ({amount(up, True)})")
    if down:
        verb = "lowers it" if up else f"lowers {thing} the most"
        parts.append(f"{_lower_first(format_value(down['feature'], down['value']))} {verb} ({amount(down, not up)})")
    if not parts:
        return "No single visible factor moves this score much; it is close to the average."
    return "; ".join(parts) + "."


def signed_points(x: float) -> str:
    return f"+{x:.1f}" if x >= 0 else f"{MINUS}{abs(x):.1f}"


def _lower_first(s: str) -> str:
    first = s.split(" ", 1)[0]
    return s if (len(first) > 1 and first.isupper()) else s[:1].lower() + s[1:]
