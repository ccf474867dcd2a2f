"""Pages for lawful use: a version's bias audit with the promotion gate and mitigation, model cards, the
published audit summary per model type, and drift monitoring. Thin: selectors/services do the work."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from core.access import declare, requires
from core.permissions import PROMOTE_MODEL, TRAIN_MODEL, VIEW_PREDICTIONS
from core.roles import user_can_view_sensitive
from predictions import cards, promotion, selectors
from predictions.models import DriftReport, ModelType
from predictions.services import ModelStateError


def _download(response, filename: str):
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@requires(VIEW_PREDICTIONS)
def model_audit_page(request, model_id):
    model = selectors.model_get(model_id=model_id)
    ctx = {
        "m": model,
        "audit": model.bias_audit or {},
        "gate": promotion.promotion_gate(model=model),
        "can_act": user_can_view_sensitive(request.user),
        "compare": promotion.mitigation_compare(model=model),
        "features": model.features or [],
        "min_chars": settings.BIAS_JUSTIFICATION_MIN_CHARS,
        "impact_ratio_min": settings.BIAS_IMPACT_RATIO_MIN,
    }
    return render(request, "predictions/model_audit.html", ctx)


@requires(PROMOTE_MODEL)
@require_POST
def model_promote_view(request, model_id):
    m = selectors.model_get(model_id=model_id)
    audit_url = reverse("predictions:model_audit", args=[m.id])
    try:
        m = promotion.model_promote_checked(
            model=m, user=request.user, justification=request.POST.get("justification", ""), via="page"
        )
        if m.status == "active":
            messages.success(request, f"{m.label} is active.")
        else:
            messages.success(
                request, f"{m.label} is being scored; it becomes active once every technician has its score."
            )
    except promotion.PromotionBlocked as exc:
        messages.error(request, str(exc))
        return redirect(audit_url)
    except ModelStateError as exc:
        messages.error(request, str(exc))
    return redirect(f"{reverse('predictions:models')}?id={m.id}")


@requires(TRAIN_MODEL)
@require_POST
def model_audit_refresh_view(request, model_id):
    m = selectors.model_get(model_id=model_id)
    try:
        promotion.model_audit_refresh(model=m)
        messages.success(request, f"Bias audit of {m.label} re-run.")
    except (ModelStateError, ValueError) as exc:
        messages.error(request, str(exc))
    return redirect(reverse("predictions:model_audit", args=[m.id]))


@requires(TRAIN_MODEL)
@require_POST
def model_mitigate_view(request, model_id):
    base = selectors.model_get(model_id=model_id)
    try:
        new = promotion.model_train_mitigated(
            base=base, exclude_features=request.POST.getlist("exclude"), requested_by=request.user
        )
    except ValueError as exc:
        messages.error(request, str(exc))
        return redirect(reverse("predictions:model_audit", args=[base.id]))
    messages.success(request, f"Training {new.label} without {', '.join(new.excluded_features)}.")
    return redirect(reverse("predictions:model_audit", args=[new.id]))


@requires(VIEW_PREDICTIONS)
def model_card_page(request, model_id):
    model = selectors.model_get(model_id=model_id)
    card = cards.model_card(model=model)
    download = request.GET.get("download") == "1"
    ctx = {"card": card, "base_template": "predictions/standalone.html" if download else "base.html"}
    response = render(request, "predictions/model_card.html", ctx)
    return _download(response, f"model-card-{model.model_type}-v{model.version}.html") if download else response


@declare(VIEW_PREDICTIONS)
def audit_summary_page(request, model_type: str):
    """The posting LL144 asks for: public when BIAS_AUDIT_SUMMARY_PUBLIC (read per request, so the setting
    can change without a restart), else for users who may view predictions (core.access, like every page)."""
    if settings.BIAS_AUDIT_SUMMARY_PUBLIC:
        return _audit_summary(request, model_type)
    return _audit_summary_for_readers(request, model_type)


def _audit_summary(request, model_type: str):
    if model_type not in ModelType.values:
        raise Http404(f"No model type {model_type!r}.")
    summary = cards.audit_summary(model_type=model_type)
    if request.GET.get("format") == "pdf":
        response = HttpResponse(cards.audit_summary_pdf(summary), content_type="application/pdf")
        return _download(response, f"bias-audit-summary-{model_type}.pdf")
    download = request.GET.get("download") == "1"
    ctx = {"s": summary, "base_template": "predictions/standalone.html" if download else "base.html"}
    response = render(request, "predictions/audit_summary.html", ctx)
    return _download(response, f"bias-audit-summary-{model_type}.html") if download else response


@requires(VIEW_PREDICTIONS)
def monitoring_page(request):
    reports = list(DriftReport.objects.select_related("model").order_by("-created_at")[:60])
    by_type: dict[str, list] = {}
    for r in reports:
        by_type.setdefault(r.model.model_type, []).append(r)
    panels = []
    for value, label in ModelType.choices:
        rs = by_type.get(value, [])
        latest = rs[0] if rs else None
        # each run's largest feature PSI (not the stored object's first entry: jsonb does not keep the order)
        tops = [max((r.feature_psi or {}).values(), default=None) for r in rs]
        chart = {
            "labels": [f"{r.as_of} {r.created_at:%H:%M}" for r in reversed(rs)],
            "score_psi": [r.score_psi for r in reversed(rs)],
            "max_feature_psi": tops[::-1],
            "threshold": settings.DRIFT_PSI_ALERT,
        }
        calibration = [
            {"predicted": c["predicted"], "observed": c["realised"]} for c in (latest.calibration if latest else [])
        ]
        panels.append({
            "type": value, "label": label, "latest": latest, "chart": chart,
            "reports": list(zip(rs[:10], tops, strict=False)),
            "calibration": calibration, "chart_id": f"drift-{value}", "calib_id": f"calib-{value}",
            # the features the report alerted on (above the threshold *and* above sampling noise)
            "alerted": {a.get("feature") for a in (latest.alerts if latest else []) if a.get("kind") == "feature_psi"},
            # largest shift first (the stored JSON object does not keep the order it was written in)
            "feature_psi": sorted((latest.feature_psi or {}).items(), key=lambda kv: -kv[1]) if latest else [],
        })  # fmt: skip
    ctx = {
        "panels": panels,
        "psi_alert": settings.DRIFT_PSI_ALERT,
        "cal_alert": settings.DRIFT_CALIBRATION_ALERT,
        "can_act": user_can_view_sensitive(request.user),
    }
    return render(request, "predictions/monitoring.html", ctx)


@requires(VIEW_PREDICTIONS)
def candidate_notice_export(request, candidate_id: str):
    """The candidate-facing sheet (HTML download): the notice about the automated tool, and what it
    assessed for this candidate, as the requesting user may see it (no pay terms for recruiters)."""
    from technicians.selectors import candidate_get_for_user

    if "\x00" in candidate_id:
        raise Http404("No such candidate.")
    cand = candidate_get_for_user(user=request.user, candidate_id=candidate_id)
    ctx = {"cand": cand, "notice": selectors.candidate_notice(), "base_template": "predictions/standalone.html"}
    try:
        ctx["q"] = selectors.candidate_quality(user=request.user, candidate_id=candidate_id)
    except selectors.NoModelError as exc:
        ctx["no_model"] = exc.message
    response = render(request, "predictions/candidate_notice.html", ctx)
    return _download(response, f"candidate-{cand.candidate_id}-assessment.html")


_audit_summary_for_readers = requires(VIEW_PREDICTIONS)(_audit_summary)
