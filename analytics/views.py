"""People analytics pages: overview (the home page), trends, survival, segment comparison, risk history partial.

Function views; an HTMX request gets the results partial, a normal request the full page; every control is a
plain GET form (works without JavaScript). Charts are drawn by static/js/analytics.js from json_script data.
"""

from __future__ import annotations

from datetime import date

from django.http import Http404
from django.shortcuts import render

from analytics import selectors
from analytics.population import SPLITS, AnalyticsInputError, Filters
from analytics.segments import Segment
from core.access import requires
from core.params import is_code
from core.permissions import VIEW_PREDICTIONS, VIEW_TECHNICIANS
from technicians.models import District, Region, ScheduleType, Trade

TREND_METRICS = [
    ("voluntary_rate", "Voluntary turnover (% per month)"),
    ("involuntary_rate", "Involuntary turnover (% per month)"),
    ("first_year_rate", "First-year turnover (% per month)"),
    ("headcount", "Headcount"),
    ("hires", "Hires"),
]
SPLIT_LABELS = {"region": "Region", "district": "District", "trade": "Trade", "source": "Hire source",
                "schedule": "Schedule", "tenure_band": "Tenure band"}  # fmt: skip
SURVIVAL_LABELS = {"cohort": "Hire year", "region": "Region", "district": "District", "trade": "Trade",
                   "source": "Hire source", "schedule": "Schedule"}  # fmt: skip


def analytics_view(view):
    """Login required; users without core.view_technicians (no role) get the no-access page."""
    return requires(VIEW_TECHNICIANS)(view)


def _choices() -> dict:
    return {
        "regions": Region.objects.order_by("name"),
        "districts": District.objects.select_related("region").order_by("name"),
        "trades": Trade.choices,
        "schedules": ScheduleType.choices,
    }


def _text(value: str | None) -> str | None:
    """A code from the query string, or None when empty or unusable (NUL bytes, absurd length)."""
    return value if is_code(value) else None


def _clean(value: str | None, valid) -> str | None:
    return value if value in valid else None


def _place(g, prefix: str = "") -> Filters:
    """Filters from the query string; unknown values are dropped (the page says so) rather than failing."""
    region = _text(g.get(prefix + "region"))
    district = _text(g.get(prefix + "district"))
    return Filters(
        region=region if region and Region.objects.filter(code=region).exists() else None,
        district=district if district and District.objects.filter(code=district).exists() else None,
        trade=_clean(g.get(prefix + "trade"), Trade.values),
        schedule=_clean(g.get(prefix + "schedule"), ScheduleType.values),
    )


def _dropped(g, f: Filters, prefix: str = "") -> list[str]:
    return [f"Unknown {k} “{g.get(prefix + k)}” ignored." for k in ("region", "district", "trade", "schedule")
            if g.get(prefix + k) and not getattr(f, k)]  # fmt: skip


def _template(request, partial: str, full: str) -> str:
    return partial if request.htmx and not request.htmx.boosted else full


@analytics_view
def overview(request):
    f = _place(request.GET)
    ctx = {"filters": f, "errors": _dropped(request.GET, f), **_choices()}
    ctx["data"] = selectors.overview(filters=f)
    return render(request, _template(request, "analytics/_overview_tiles.html", "analytics/overview.html"), ctx)


@analytics_view
def trends(request):
    g = request.GET
    f = _place(g)
    split = _clean(g.get("split"), SPLITS)
    metric = _clean(g.get("metric"), [m for m, _ in TREND_METRICS]) or "voluntary_rate"
    try:
        months = max(3, min(120, int(g.get("months") or 24)))
    except ValueError:
        months = 24
    data = selectors.trends(filters=f, split=split, months=months)
    chart = {
        "labels": data["months"],
        "metric": metric,
        "lines": [{"label": grp["label"], "values": grp[metric]} for grp in data["groups"]]
        or [{"label": "Selection", "values": data["total"][metric]}],
        "company": data["company"][metric],
    }
    ctx = {"filters": f, "split": split, "metric": metric, "months": months, "data": data, "chart": chart,
           "metrics": TREND_METRICS, "splits": SPLIT_LABELS, "errors": _dropped(g, f), **_choices(),
           "metric_label": dict(TREND_METRICS)[metric]}  # fmt: skip
    return render(request, _template(request, "analytics/_trends_result.html", "analytics/trends.html"), ctx)


@analytics_view
def survival(request):
    g = request.GET
    f = _place(g)
    by = _clean(g.get("by"), SURVIVAL_LABELS) or "trade"
    event = "any" if g.get("event") == "any" else "voluntary"
    ctx = {"filters": f, "by": by, "event": event, "labels": SURVIVAL_LABELS, "errors": _dropped(g, f), **_choices()}
    try:
        data = selectors.survival_curves(
            filters=f, by=by, event=event, group_a=g.get("group_a") or None, group_b=g.get("group_b") or None
        )
    except AnalyticsInputError as exc:
        ctx["errors"].append(str(exc))
        data = selectors.survival_curves(filters=f, by=by, event=event)
    ctx["data"] = data
    ctx["chart"] = {"months": data["months"], "groups": [
        {"label": grp["label"], "survival": grp["survival"], "low": grp["low"], "high": grp["high"]}
        for grp in data["groups"][:8]]}  # fmt: skip
    return render(request, _template(request, "analytics/_survival_result.html", "analytics/survival.html"), ctx)


def _segment(g, p: str) -> Segment:
    band = _clean(g.get(p + "band"), ("low", "medium", "high"))
    as_of = None
    if g.get(p + "as_of"):
        try:
            as_of = date.fromisoformat(g[p + "as_of"])
        except ValueError:
            as_of = None
    return Segment(_place(g, p), band=band, as_of=as_of)


@analytics_view
def compare(request):
    from predictions.selectors import NoModelError

    g = request.GET
    a, b = _segment(g, "a_"), _segment(g, "b_")
    ctx = {"a": a, "b": b, "errors": _dropped(g, a.filters, "a_") + _dropped(g, b.filters, "b_"), **_choices(),
           "bands": ("low", "medium", "high"), "asked": any(k.startswith(("a_", "b_")) for k in g)}  # fmt: skip
    if ctx["asked"]:
        try:
            r = selectors.segment_compare(user=request.user, a=a, b=b)
            ctx["result"] = r
            shown = [x for x in r["factors"] if abs(x["points"]) >= 0.05][:12]
            ctx["chart"] = {"labels": [x["label"] for x in shown], "values": [round(x["points"], 2) for x in shown]}
        except (AnalyticsInputError, NoModelError) as exc:
            ctx["errors"].append(getattr(exc, "message", None) or str(exc))
    return render(request, _template(request, "analytics/_compare_result.html", "analytics/compare.html"), ctx)


@requires(VIEW_PREDICTIONS)
@analytics_view
def risk_history(request, employee_id: str):
    if "\x00" in employee_id:
        raise Http404("No such technician.")
    points = selectors.risk_history(user=request.user, employee_id=employee_id)
    chart = {"labels": [str(p["as_of"]) for p in points], "values": [round(p["score"] * 100, 1) for p in points]}
    ctx = {"points": points, "chart": chart, "employee_id": employee_id}
    return render(request, _template(request, "analytics/_risk_history.html", "analytics/risk_history.html"), ctx)


PIPELINE_LABELS = {"source": "Source", "district": "District", "region": "Region", "trade": "Trade"}


def _date(value: str | None) -> date | None:
    try:
        return date.fromisoformat(value) if value and len(value) <= 10 else None
    except ValueError:
        return None


@analytics_view
def pipeline(request):
    """Hiring pipeline: yield (applied → hired → still employed at 90 days) and time-to-fill per source/place."""
    g = request.GET
    f = _place(g)
    by = _clean(g.get("by"), PIPELINE_LABELS) or "source"
    start, end = _date(g.get("start")), _date(g.get("end"))
    errors = _dropped(g, f) + [f"Unreadable {k} date “{g.get(k)}” ignored." for k, v in (("start", start), ("end", end))
                               if g.get(k) and v is None]  # fmt: skip
    try:
        data = selectors.pipeline_yield(filters=f, by=by, start=start, end=end)
    except AnalyticsInputError as exc:
        errors.append(str(exc))
        data = selectors.pipeline_yield(filters=f, by=by)
    shown = data["groups"][:12]
    chart = {"labels": [r["label"] for r in shown], "series": [
        {"label": "Applied", "values": [r["applied"] for r in shown]},
        {"label": "Hired", "values": [r["hired"] for r in shown]},
        {"label": "Still employed at 90 days", "values": [r["still_employed_90_days"] for r in shown]}]}  # fmt: skip
    ctx = {"filters": f, "by": by, "labels": PIPELINE_LABELS, "data": data, "chart": chart, "errors": errors,
           "start": data["start"], "end": data["end"], "by_label": PIPELINE_LABELS[by], **_choices()}  # fmt: skip
    return render(request, _template(request, "analytics/_pipeline_result.html", "analytics/pipeline.html"), ctx)
