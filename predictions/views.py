"""HTMX pages: risk dashboard, candidates, models, programs & ROI, technician panel with what-if.

Function views; a partial when ``request.htmx``, the full page otherwise.
"""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from core.access import allowed, requires
from core.params import page_number
from core.permissions import PROMOTE_MODEL, TRAIN_MODEL, VIEW_PREDICTIONS
from core.quotas import AlreadyRunning
from predictions import selectors, services
from predictions.artifacts import ArtifactError
from predictions.changes import ACTIONABLE, SCHEDULES
from predictions.features import label_for
from predictions.models import ModelType
from predictions.templatetags.predictions_format import value_text
from technicians.models import District, Region, Trade
from technicians.visibility import field_visible

PAGE = 25


def _filters(request) -> dict:
    g = request.GET
    return {k: (g.get(k) or None) for k in ("region", "district", "trade", "band")}


def _choices() -> dict:
    # the filter selects show code and name only: no timestamps or climate columns to load per option
    return {
        "regions": Region.objects.only("code", "name").order_by("name"),
        "districts": District.objects.only("code", "name").order_by("name"),
        "trades": Trade.choices,
        "bands": selectors.BANDS,
    }


def _page(request) -> int:
    return page_number(request, default=0, minimum=0)  # bounded: a bigint-sized page is a 400 page


@requires(VIEW_PREDICTIONS, audit="risk")
def risk_dashboard(request):
    f = _filters(request)
    page = _page(request)
    ctx = {"filters": f, "page": page, **_choices()}
    try:
        ctx.update(
            selectors.risk_page(user=request.user, limit=PAGE, offset=page * PAGE, **f)
        )  # ranking, counts, model
    except ValueError as exc:
        ctx["error"] = str(exc)
        ctx["ranking"] = {"count": 0, "items": []}
        ctx["model"] = selectors.active_model(model_type=ModelType.RETENTION)
    ctx["has_next"] = (page + 1) * PAGE < ctx["ranking"]["count"]
    template = "predictions/_risk_table.html" if request.htmx else "predictions/risk_dashboard.html"
    return render(request, template, ctx)


@requires(VIEW_PREDICTIONS, audit="candidate_quality")
def candidates(request):
    f = _filters(request)
    page = _page(request)
    error = None
    try:
        ranking = selectors.candidate_ranking(
            user=request.user, region=f["region"], district=f["district"], trade=f["trade"], limit=PAGE,
            offset=page * PAGE,
        )  # fmt: skip
    except ValueError as exc:  # unknown region/district code: say so, like the risk dashboard
        error, ranking = str(exc), {"count": 0, "items": []}
    ctx = {"filters": f, "page": page, "ranking": ranking, "has_next": (page + 1) * PAGE < ranking["count"],
           "model": selectors.active_model(model_type=ModelType.QUALITY_OF_HIRE), "error": error,
           **_choices()}  # fmt: skip
    template = "predictions/_candidate_table.html" if request.htmx else "predictions/candidates.html"
    return render(request, template, ctx)


@requires(VIEW_PREDICTIONS, audit="candidate_quality", subject="candidate_id")
def candidate_detail(request, candidate_id: str):
    """Quality of hire for one candidate: score, likelihood band, contributions chart, explanation."""
    if "\x00" in candidate_id:
        raise Http404("No such candidate.")
    ctx: dict = {"candidate_id": candidate_id, "chart_id": "contrib-candidate"}
    try:
        q = selectors.candidate_quality(user=request.user, candidate_id=candidate_id)
        ctx["q"] = q
        ctx["chart"] = _contrib_chart(q["contributions"])
    except selectors.NoModelError as exc:
        ctx["no_model"] = exc.message
    except ArtifactError as exc:
        ctx["no_model"] = str(exc)
    return render(request, "predictions/candidate.html", ctx)


@requires(VIEW_PREDICTIONS, audit="candidate_quality")
def candidate_compare(request):
    """Two or three candidates side by side (``?id=C1&id=C2[&id=C3]``): score, band, and each input with its
    effect on the chance of staying. Restricted inputs fold into one line for recruiters."""
    ids = [i for i in request.GET.getlist("id") if i.strip() and "\x00" not in i]
    ctx: dict = {"ids": ids}
    status = 200
    try:
        cmp = selectors.candidate_compare(user=request.user, candidate_ids=ids)
        ctx["cmp"] = cmp
        ctx["panels"] = [{"c": c, "chart_id": f"cmp-chart-{i}", "chart": _contrib_chart(c["contributions"], limit=8)}
                         for i, c in enumerate(cmp["candidates"], 1)]  # fmt: skip
    except selectors.NoModelError as exc:
        ctx["error"] = exc.message
    except Http404 as exc:
        ctx["error"], status = str(exc), 404
    except (ValueError, ArtifactError) as exc:
        ctx["error"], status = str(exc), (422 if ids else 200)  # no ids yet: the page explains what to do
    return render(request, "predictions/candidate_compare.html", ctx, status=status)


def _panel_context(request, employee_id: str) -> dict:
    if "\x00" in employee_id:
        raise Http404("No such technician.")
    ctx: dict = {"employee_id": employee_id, "can_pay": field_visible(request.user, "pay_rate")}
    try:
        risk = selectors.technician_risk(user=request.user, employee_id=employee_id)
    except selectors.NoModelError as exc:
        ctx["no_model"] = exc.message
        return ctx
    except ArtifactError as exc:
        ctx["no_model"] = str(exc)
        return ctx
    ctx["risk"] = risk
    values = {c["feature"]: c["value"] for c in risk["contributions"]}
    for c in risk["contributions"]:  # an interaction's value is its two factors' values ("11.5 years × 88%")
        if " & " in c["feature"]:
            c["parts"] = [(part, values.get(part)) for part in c["feature"].split(" & ")]
    if risk["band"] == "high":  # the smallest changes that would help, up front (one vectorised scoring call)
        ctx["suggestions"] = services.technician_suggestions(user=request.user, employee_id=employee_id)
    ctx["chart"] = _contrib_chart(risk["contributions"])
    ctx["chart_id"] = f"contrib-{employee_id}"
    ctx["whatif_fields"] = [
        {
            "name": k,
            "label": label_for(k),
            "unit": WHATIF_UNITS.get(k, ""),
            "value": values.get(k),
            "min": v[0],
            "max": v[1],
        }
        for k, v in ACTIONABLE.items()
        if k != "schedule_type" and field_visible(request.user, k)
    ]
    ctx["schedules"] = SCHEDULES
    ctx["schedule"] = values.get("schedule_type")
    return ctx


WHATIF_UNITS = {
    "overtime_hours": "h/week",
    "pay_rate": "$/h",
    "commute_miles": "miles",
    "drive_time_minutes": "min/day",
    "training_hours": "h/month",
}


def _contrib_chart(contribs: list[dict], limit: int = 12) -> dict:
    """The strongest effects as a bar chart: percentage points against the average when known, else log-odds."""
    top = contribs[:limit]
    if top and all(c.get("points") is not None for c in top):
        return {"labels": [c["label"] for c in top], "values": [round(c["points"], 2) for c in top],
                "unit": "percentage points vs. average"}  # fmt: skip
    return {"labels": [c["label"] for c in top], "values": [round(c["contribution"], 4) for c in top],
            "unit": "effect (log-odds)"}  # fmt: skip


@requires(VIEW_PREDICTIONS, audit="risk", subject="employee_id")
def technician_panel(request, employee_id: str):
    """The HTMX partial loaded into the technician detail page (and the full-page fallback)."""
    ctx = _panel_context(request, employee_id)  # Http404 for unknown ids
    if request.htmx or request.resolver_match.url_name == "technician_panel":
        return render(request, "predictions/_panel.html", ctx)
    return render(request, "predictions/technician.html", ctx)


@requires(VIEW_PREDICTIONS, audit="risk", subject="employee_id")
@require_POST
def technician_what_if(request, employee_id: str):
    changes: dict = {}
    for key in ACTIONABLE:
        raw = request.POST.get(key, "").strip()
        if raw != "":
            changes[key] = raw
    if "\x00" in employee_id:
        raise Http404("No such technician.")
    ctx = {"employee_id": employee_id}
    try:
        # only send what actually changed, so an untouched form field is not a "change"
        risk = selectors.technician_risk(user=request.user, employee_id=employee_id)
        current = {c["feature"]: c["value"] for c in risk["contributions"]}
        changes = {k: v for k, v in changes.items() if not _unchanged(v, current.get(k))}
        if not changes:
            ctx["error"] = "Change at least one value to see a new score."
        else:
            result = services.what_if(user=request.user, employee_id=employee_id, changes=changes)
            ctx["result"] = result
            # the change in words ("Overtime: 17.1 h/week → 6 h/week"), so the result reads as an answer
            ctx["changed"] = [
                {"label": label_for(k), "from": value_text(k, current.get(k)), "to": value_text(k, v)}
                for k, v in result["changes"].items()
            ]
            ctx["chart"] = _contrib_chart(result["after"]["contributions"])
    except services.WhatIfError as exc:
        ctx["error"] = str(exc)
        ctx["field"] = exc.field
        # htmx does not swap 4xx bodies by default, so the inline error comes back as 200 for htmx
        return render(request, "predictions/_what_if_result.html", ctx, status=200 if request.htmx else 422)
    except selectors.NoModelError as exc:
        ctx["error"] = exc.message
    return render(request, "predictions/_what_if_result.html", ctx)


def _unchanged(raw: str, current) -> bool:
    """The form shows numbers to one decimal: a value within that rounding of the current one was not changed
    (so an untouched $27.95/h, shown as 28.0, is not sent as a pay change)."""
    if current is None:
        return raw == ""
    if isinstance(current, int | float) and not isinstance(current, bool):
        try:
            return abs(float(raw) - float(current)) <= 0.05 + 1e-9
        except ValueError:
            return False
    return str(raw) == str(current)


@requires(VIEW_PREDICTIONS)
def models_page(request):
    models = list(selectors.model_list())
    selected = None
    sel_id = request.GET.get("id")
    if sel_id:
        selected = selectors.model_get(model_id=sel_id)
    else:
        selected = next((m for m in models if m.status == "active"), models[0] if models else None)
    ctx = {"models": models, "selected": selected, "can_train": allowed(request.user, TRAIN_MODEL),
           "model_types": ModelType.choices}  # fmt: skip
    if selected is not None:
        data = selectors.model_to_dict(user=request.user, model=selected, detail=True)
        ctx["data"] = data
        shapes = sorted(data["shapes"], key=lambda s: -s.get("importance", 0))[:12]
        ctx["shape_list"] = [{"label": label_for(s["feature"])} for s in shapes]
        ctx["chart_parts"] = {
            "importances": {"labels": [i["label"] for i in data["importances"][:15]],
                            "values": [round(i["importance"], 4) for i in data["importances"][:15]]},
            "calibration": data["metrics"].get("calibration", []),
            "shapes": [{"feature": s["feature"], "kind": s["kind"], "x": s["x"], "y": s["y"]} for s in shapes],
        }  # fmt: skip
        ctx["compare"] = [m for m in models if m.model_type == selected.model_type and m.metrics][:6]
    return render(request, "predictions/models.html", ctx)


@requires(TRAIN_MODEL)
@require_POST
def model_train_view(request):
    try:
        m = services.model_train(
            model_type=request.POST.get("model_type", ""),
            algorithm=request.POST.get("algorithm", "ebm"),
            requested_by=request.user,
        )
    except (ValueError, AlreadyRunning) as exc:
        messages.error(request, str(exc))
        return redirect("predictions:models")
    if request.htmx:
        return render(request, "predictions/_train_progress.html", {"m": m})
    return redirect(f"{reverse('predictions:models')}?id={m.id}")


@requires(VIEW_PREDICTIONS)
def model_status(request, model_id):
    """The progress box, polled while a model trains. When it finishes, the Models page reloads on that
    version so the versions table shows it (and its Promote button) without a manual reload."""
    m = selectors.model_get(model_id=model_id)
    if request.htmx and not m.is_running:
        response = HttpResponse(status=204)
        response["HX-Redirect"] = f"{reverse('predictions:models')}?id={m.id}"
        return response
    return render(request, "predictions/_train_progress.html", {"m": m})


@requires(PROMOTE_MODEL)
@require_POST
def model_promote_view(request, model_id):
    m = selectors.model_get(model_id=model_id)
    try:
        services.model_promote(model=m, promoted_by=request.user)
        messages.success(request, f"{m.label} is now active; scores are being refreshed.")
    except services.ModelStateError as exc:
        messages.error(request, str(exc))
    return redirect(f"{reverse('predictions:models')}?id={m.id}")


@requires(VIEW_PREDICTIONS)
def programs(request):
    """Programs side by side for one cohort (tick several; one ``program`` link still works as before)."""
    f = _filters(request)
    progs = [
        {"pk": p.pk, "name": p.name, "description": p.description, "cost_per_technician": p.cost_per_technician,
         "effect": services.program_effect_text(request.user, p.change)}  # a pay rule is HR-only (visibility)
        for p in selectors.program_list()
    ]  # fmt: skip
    chosen = [p for p in request.GET.getlist("program") if p.strip()]
    ctx = {"programs": progs, "filters": f, "chosen": chosen, **_choices()}
    if chosen:
        try:
            cmp = services.programs_compare(user=request.user, program_ids=chosen, **f)
            ctx["cmp"] = cmp
            ctx["chart"] = {
                "labels": [r["name"] for r in cmp["programs"]],
                "values": [round(r["net_benefit"]) for r in cmp["programs"]],
                "low": [round(r["net_benefit_range"][0]) for r in cmp["programs"]],
                "high": [round(r["net_benefit_range"][1]) for r in cmp["programs"]],
                "label": "Net benefit ($)",
            }
        except selectors.NoModelError as exc:
            ctx["error"] = exc.message
        except (ValueError, Http404) as exc:
            ctx["error"] = str(exc)
    template = "predictions/_roi.html" if request.htmx else "predictions/programs.html"
    return render(request, template, ctx)
