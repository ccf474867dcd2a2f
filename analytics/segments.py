"""Segment comparison with an exact reason.

The retention model is additive in log-odds: ``logit_i = intercept + Σ_j c_ij``. So for two segments A and B
scored by the same model, the difference in mean log-odds is *exactly*

    mean_A(logit) − mean_B(logit) = Σ_j [ mean_A(c_j) − mean_B(c_j) ]

(the intercept cancels). Each term's share is translated into percentage points of average risk by scaling
with Δ(mean risk) / Δ(mean log-odds), so the points also add up exactly to the difference in average risk.
When the two differences point in opposite directions (possible because the logistic curve is not linear)
the local slope p̄(1−p̄) is used instead and the small remainder is shown as its own line.
Terms a user may not see (pay/performance) are folded into one "Other (restricted) factors" line.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

import numpy as np
from django.db import connection

from analytics.population import AnalyticsInputError, Filters, month_range, monthly, population
from predictions.codebook import decode_rows
from predictions.features import label_for
from technicians.models import District, Region, Trade
from technicians.visibility import field_visible

RESTRICTED_LABEL = "Other (restricted) factors"
BANDS = ("low", "medium", "high")
UNITS = {
    "tenure_years": ("years", 1),
    "overtime_hours": ("h/week", 1),
    "overtime_trend_3m": ("h/week", 1),
    "drive_time_minutes": ("min/day", 0),
    "commute_miles": ("miles", 1),
    "csat": ("of 5", 2),
    "first_time_fix_rate": ("%", 0),
    "callbacks": ("per month", 1),
    "jobs_completed": ("per month", 0),
    "utilization": ("%", 0),
    "training_hours": ("h/month", 1),
    "training_hours_6m": ("h", 1),
    "pay_rate": ("$/h", 2),
    "pay_vs_district_median": ("%", 0),
    "certifications": ("", 1),
}


def with_unit(feature: str, value: float | None) -> str | None:
    """A value in the unit people use: "14.2 h/week", "83%", "0.4 years"."""
    if value is None or not np.isfinite(value):
        return None
    unit, nd = UNITS.get(feature, ("", 2))
    if unit == "%":
        return f"{value * 100:.{nd}f}%"
    if unit == "$/h":
        return f"${value:.2f}/h"
    return f"{value:.{nd}f} {unit}".strip()


@dataclass(frozen=True)
class Segment:
    filters: Filters = field(default_factory=Filters)
    band: str | None = None
    as_of: date | None = None  # the scoring on or before this date (default: the latest)
    label: str = ""

    def validate(self) -> Segment:
        self.filters.validate()
        if self.band and self.band not in BANDS:
            raise AnalyticsInputError(f"band must be one of {', '.join(BANDS)} (got {self.band!r})")
        return self

    def describe(self) -> str:
        if self.label:
            return self.label
        f = self.filters
        bits = []
        if self.band:
            bits.append(f"{self.band.capitalize()}-risk")
        if f.trade:
            bits.append(dict(Trade.choices).get(f.trade, f.trade))
        if f.schedule:
            bits.append(f"{f.schedule} schedule")
        place = None
        if f.district:
            place = District.objects.filter(code=f.district).values_list("name", flat=True).first() or f.district
        elif f.region:
            place = "region " + (
                Region.objects.filter(code=f.region).values_list("name", flat=True).first() or f.region
            )
        text = " ".join(bits) + (" technicians" if bits else "")
        if place:
            text = f"{place}" + (f" ({text.strip()})" if bits else "")
        text = text.strip() or "Company"
        if self.as_of:
            text += f" as of {self.as_of:%Y-%m-%d}"
        return text


def _model():
    from predictions.selectors import NoModelError, active_model

    model = active_model(model_type="retention")
    if model is None:
        raise NoModelError()
    return model


def _scoring_date(model, on_or_before: date | None) -> date:
    from predictions.selectors import NoModelError

    sql = "SELECT max(as_of) FROM predictions_prediction WHERE model_id = %s AND technician_id IS NOT NULL"
    params: list = [model.pk]
    if on_or_before:
        sql += " AND as_of <= %s"
        params.append(on_or_before)
    with connection.cursor() as cur:
        cur.execute(sql, params)
        d = cur.fetchone()[0]
    if d is None:
        when = f" on or before {on_or_before}" if on_or_before else ""
        raise NoModelError(f"No scores from the active retention model{when}.")
    return d


def segment_matrix(*, model, segment: Segment) -> dict:
    """Scores, log-odds, contributions (n × terms) and input values (n × features) of one segment."""
    as_of = _scoring_date(model, segment.as_of)
    where, params = segment.filters.where()
    if segment.band:
        where += " AND p.band = %s"
        params.append(segment.band)
    sql = (
        "SELECT p.score, p.logit, p.contributions, p.feature_values FROM predictions_prediction p "  # noqa: S608
        f"JOIN technicians_technician t ON t.id = p.technician_id{segment.filters.joins()} "
        f"WHERE p.model_id = %s AND p.as_of = %s AND p.technician_id IS NOT NULL AND {where}"
    )
    with connection.cursor() as cur:
        cur.execute(sql, [model.pk, as_of, *params])
        rows = cur.fetchall()
    n_f = len(model.features)
    if not rows:
        return {"as_of": as_of, "n": 0}
    score, logit, contrib, values = zip(*rows, strict=True)
    return {
        "as_of": as_of,
        "n": len(rows),
        "score": np.asarray(score, dtype=float),
        "logit": np.asarray(logit, dtype=float),
        "contrib": decode_rows(model, contrib),
        "values": np.frombuffer(b"".join(bytes(v) for v in values), dtype="<f8").reshape(len(rows), n_f),
    }


def observed_turnover(*, filters: Filters, end: date) -> dict:
    """Voluntary turnover over the 12 complete months before ``end``'s month (T12M rate, percent)."""
    months = month_range(end=end, months=12)
    m = monthly(population(filters=filters), months=months)["total"]
    avg = float(np.mean(m["headcount"])) if m["headcount"] else 0.0
    left = int(sum(m["voluntary"]))
    return {
        "period": f"{months[0]:%Y-%m} to {months[-1]:%Y-%m}",
        "voluntary_departures": left,
        "average_headcount": round(avg, 1),
        "voluntary_rate": round(left / avg * 100, 2) if avg > 0 else None,
    }


def compare(*, user, a: Segment, b: Segment) -> dict:
    """Difference in average predicted risk of A vs B, decomposed exactly by model term, plus observed turnover."""
    a, b = a.validate(), b.validate()
    model = _model()
    ma, mb = segment_matrix(model=model, segment=a), segment_matrix(model=model, segment=b)
    la, lb = a.describe(), b.describe()
    for m, label, key in ((ma, la, "A"), (mb, lb, "B")):
        if m["n"] == 0:
            raise AnalyticsInputError(f"segment {key} ({label}) has no scored technicians as of {m['as_of']}")
    mean_a, mean_b = ma["contrib"].mean(axis=0), mb["contrib"].mean(axis=0)
    delta = mean_a - mean_b
    d_logit = float(ma["logit"].mean() - mb["logit"].mean())
    p_a, p_b = float(ma["score"].mean()), float(mb["score"].mean())
    d_risk = p_a - p_b
    pbar = (p_a + p_b) / 2
    if abs(d_logit) > 1e-9 and d_risk * d_logit > 0:
        scale, remainder = d_risk / d_logit, 0.0
    else:
        scale = pbar * (1 - pbar)
        remainder = d_risk - scale * d_logit
    terms = list(model.terms)
    feat_index = {f: i for i, f in enumerate(model.features)}
    categorical = set(model.categorical)
    factors, hidden = [], None
    for j, term in enumerate(terms):
        visible = all(field_visible(user, part) for part in term.split(" & "))
        row = {
            "feature": term,
            "label": label_for(term),
            "logit": float(delta[j]),
            "points": float(delta[j] * scale * 100),
            "a_contribution": float(mean_a[j]),
            "b_contribution": float(mean_b[j]),
            "a_value": None,
            "b_value": None,
        }
        if not visible:
            hidden = hidden or {"feature": "restricted", "label": RESTRICTED_LABEL, "logit": 0.0, "points": 0.0,
                                "a_contribution": 0.0, "b_contribution": 0.0, "a_value": None, "b_value": None}  # fmt: skip
            for k in ("logit", "points", "a_contribution", "b_contribution"):
                hidden[k] += row[k]
            continue
        i = feat_index.get(term)
        if i is not None and term not in categorical:
            va, vb = _nanmean(ma["values"][:, i]), _nanmean(mb["values"][:, i])
            row["a_value"], row["b_value"] = with_unit(term, float(va)), with_unit(term, float(vb))
        factors.append(row)
    if hidden is not None:
        factors.append(hidden)
    if abs(remainder) > 1e-12:
        factors.append({"feature": "nonlinearity", "label": "Averaging on the risk scale", "logit": 0.0,
                        "points": remainder * 100, "a_contribution": 0.0, "b_contribution": 0.0,
                        "a_value": None, "b_value": None})  # fmt: skip
    factors.sort(key=lambda r: -abs(r["points"]))
    obs_a = observed_turnover(filters=a.filters, end=ma["as_of"])
    obs_b = observed_turnover(filters=b.filters, end=mb["as_of"])
    diff_obs = (
        round(obs_a["voluntary_rate"] - obs_b["voluntary_rate"], 2)
        if obs_a["voluntary_rate"] is not None and obs_b["voluntary_rate"] is not None
        else None
    )
    result = {
        "model_version": model.version,
        "a": {"label": la, "as_of": ma["as_of"], "technicians": ma["n"], "mean_risk": p_a, "mean_risk_percent": round(p_a * 100, 1),
              "mean_logit": float(ma["logit"].mean()), "observed": obs_a, "filters": a.filters.as_dict() | ({"band": a.band} if a.band else {})},
        "b": {"label": lb, "as_of": mb["as_of"], "technicians": mb["n"], "mean_risk": p_b, "mean_risk_percent": round(p_b * 100, 1),
              "mean_logit": float(mb["logit"].mean()), "observed": obs_b, "filters": b.filters.as_dict() | ({"band": b.band} if b.band else {})},
        "difference": {"risk_points": d_risk * 100, "logit": d_logit, "observed_voluntary_rate_points": diff_obs},
        "factors": factors,
        "check": {"sum_of_factor_logits": float(delta.sum()), "difference_in_mean_logit": d_logit,
                  "sum_of_factor_points": float(sum(f["points"] for f in factors))},
    }  # fmt: skip
    result["summary"] = summary(result)
    return result


def _nanmean(a: np.ndarray) -> float:
    finite = a[~np.isnan(a)]
    return float(finite.mean()) if len(finite) else float("nan")


def _possessive(label: str) -> str:
    return label + ("'" if label.endswith("s") else "'s")


def _lower_first(s: str) -> str:
    first = s.split(" ", 1)[0]
    return s if (len(first) > 1 and first[1:2].isupper()) else s[:1].lower() + s[1:]


def _pts(x: float) -> str:
    return f"{'+' if x >= 0 else '−'}{abs(x):.1f}"


def summary(r: dict) -> str:
    """ "Houston's average risk is 4.1 points higher than Boston's (23.4% vs 19.3%), mostly from overtime
    (+2.3: 14.0 h/week vs 6.0 h/week) and drive time (+1.2)." """
    a, b, d = r["a"], r["b"], r["difference"]["risk_points"]
    if abs(d) < 0.05:
        head = f"{a['label']} and {b['label']} have the same average risk ({a['mean_risk']:.1%})"
    else:
        head = (
            f"{_possessive(a['label'])} average risk is {abs(d):.1f} points {'higher' if d > 0 else 'lower'} than "
            f"{_possessive(b['label'])} ({a['mean_risk']:.1%} vs {b['mean_risk']:.1%})"
        )
    same_way = [f for f in r["factors"] if f["points"] * d > 0 and abs(f["points"]) >= 0.05][:2]
    against = [f for f in r["factors"] if f["points"] * d < 0 and abs(f["points"]) >= 0.05][:1]

    def part(f):
        vals = f" — {f['a_value']} vs {f['b_value']}" if f.get("a_value") and f.get("b_value") else ""
        return f"{_lower_first(f['label']) if f['feature'] != 'restricted' else f['label']} ({_pts(f['points'])}{vals})"

    text = head
    if same_way and abs(d) >= 0.05:
        text += ", mostly from " + " and ".join(part(f) for f in same_way)
    if against and abs(d) >= 0.05:
        text += "; partly offset by " + part(against[0])
    text += "."
    oa, ob = a["observed"]["voluntary_rate"], b["observed"]["voluntary_rate"]
    if oa is not None and ob is not None:
        text += (
            f" Observed voluntary turnover over the last 12 months: {oa:.1f}% vs {ob:.1f}% ({_pts(oa - ob)} points)."
        )
    return text
