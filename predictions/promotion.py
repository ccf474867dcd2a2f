"""The promotion gate, audit refresh and the bias mitigation retrain (services; entry points call these).

Before a version goes live, ``promotion_gate`` reads its stored bias audit. If any impact ratio (holdout
or current population, any sex / race-ethnicity / intersectional category) is below
``BIAS_IMPACT_RATIO_MIN`` (0.8, the four-fifths rule), or the audit is missing, failed or older than
``BIAS_AUDIT_MAX_AGE_DAYS``, ``model_promote_checked`` refuses unless an HR admin gives a written
justification; the justification and the numbers it overrode are recorded with the promotion (on the
model row's ``promotion_overrides`` and, where the core audit log exists, as an audit event) in the same
transaction. The activation itself is ``services.model_promote`` — this module only decides whether it
may be called.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pandas as pd
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from core.roles import user_can_view_sensitive
from predictions import bias, ebm, features, services
from predictions.models import ModelStatus, TrainedModel


class PromotionBlocked(ValueError):
    """The gate needs an HR admin's written justification; ``gate`` says why."""

    def __init__(self, message: str, gate: Gate):
        super().__init__(message)
        self.gate = gate


@dataclass
class Gate:
    model_id: str
    audited_at: str | None
    age_days: int | None
    min_impact_ratio: float | None
    flags: list[dict[str, Any]] = field(default_factory=list)
    reasons: list[str] = field(default_factory=list)

    @property
    def needs_justification(self) -> bool:
        return bool(self.reasons)

    def as_dict(self) -> dict[str, Any]:
        return {
            "model_id": self.model_id, "audited_at": self.audited_at, "age_days": self.age_days,
            "min_impact_ratio": self.min_impact_ratio, "flags": self.flags, "reasons": self.reasons,
            "needs_justification": self.needs_justification,
        }  # fmt: skip


def promotion_gate(*, model: TrainedModel) -> Gate:
    audit = model.bias_audit or {}
    age = None
    if model.bias_audited_at:
        age = (timezone.now() - model.bias_audited_at).days
    gate = Gate(
        model_id=str(model.pk),
        audited_at=model.bias_audited_at.isoformat() if model.bias_audited_at else None,
        age_days=age,
        min_impact_ratio=bias.audit_min_ratio(audit),
        flags=bias.audit_flags(audit),
    )
    if not audit or "holdout" not in audit or model.bias_audited_at is None:
        gate.reasons.append(
            "no bias audit on record" + (f" (the audit failed: {audit['error']})" if audit.get("error") else "")
        )
    elif age is not None and age > settings.BIAS_AUDIT_MAX_AGE_DAYS:
        gate.reasons.append(f"the bias audit is {age} days old (limit {settings.BIAS_AUDIT_MAX_AGE_DAYS})")
    if gate.flags:
        worst = min(gate.flags, key=lambda f: f["impact_ratio"])
        gate.reasons.append(
            f"{len(gate.flags)} impact ratio(s) below {settings.BIAS_IMPACT_RATIO_MIN} — lowest "
            f"{worst['impact_ratio']:.2f} ({worst['dimension']} {worst['category']}, {worst['metric']} rate, "
            f"{worst['population']})"
        )
    return gate


def _record_elsewhere(*, user, model: TrainedModel, detail: dict, via: str) -> None:
    """Also write the override to the core audit log when that app provides one."""
    try:
        from core.audit import audit_record  # noqa: PLC0415 - optional until the audit log lands in core
    except ImportError:
        return
    audit_record(
        user=user, action="promote", object_type="predictions.TrainedModel", object_id=model.pk, via=via, detail=detail
    )


def model_promote_checked(
    *, model: TrainedModel, user, justification: str = "", via: str = "", enqueue: bool = True
) -> TrainedModel:
    """Promote through the gate. Raises PromotionBlocked (nothing changes) when a justification is needed
    and missing or too short, PermissionError if ``user`` is not an HR admin."""
    if not user_can_view_sensitive(user):
        raise PermissionError("Only HR admins can promote models.")
    gate = promotion_gate(model=model)
    justification = (justification or "").strip()
    if gate.needs_justification and len(justification) < settings.BIAS_JUSTIFICATION_MIN_CHARS:
        raise PromotionBlocked(
            f"Promotion needs an HR admin's written justification (at least "
            f"{settings.BIAS_JUSTIFICATION_MIN_CHARS} characters): " + "; ".join(gate.reasons),
            gate,
        )
    with transaction.atomic():
        if gate.needs_justification:
            record = {
                "at": timezone.now().isoformat(),
                "by": user.get_username(),
                "via": via,
                "justification": justification[:5000],
                "reasons": gate.reasons,
                "min_impact_ratio": gate.min_impact_ratio,
                "overridden": gate.flags,
                "audited_at": gate.audited_at,
            }
            locked = TrainedModel.objects.select_for_update().get(pk=model.pk)
            locked.promotion_overrides = [*(locked.promotion_overrides or []), record]
            locked.save(update_fields=["promotion_overrides", "updated_at"])
            _record_elsewhere(user=user, model=model, detail={"gate_override": record}, via=via)
        else:
            _record_elsewhere(user=user, model=model, detail={"gate": "passed", **gate.as_dict()}, via=via)
        return services.model_promote(model=model, enqueue=enqueue)


def model_audit_refresh(*, model: TrainedModel) -> TrainedModel:
    """Re-run a version's bias audit now (same holdout months, today's data and population)."""
    if not model.artifact_sha256:
        raise services.ModelStateError(f"{model.label} has no artifact to audit (status {model.status})")
    fitted = services.load_fitted(model)
    frame = services._training_frame(model.model_type)
    hold_from = (model.metrics or {}).get("holdout_from")
    if frame.X.empty or not hold_from:
        raise services.ModelStateError("no labelled holdout rows to audit")
    test = (pd.to_datetime(frame.keys["as_of"]).dt.to_period("M") >= pd.Period(hold_from)).to_numpy()
    idx = test.nonzero()[0]
    holdout = features.Frame(
        frame.X.iloc[idx], frame.keys.iloc[idx].reset_index(drop=True), frame.categorical, frame.y[idx]
    )
    end = model.window_end.strftime("%Y-%m") if model.window_end else "now"
    audit = bias.audit_for_fitted(model=model, fitted=fitted, holdout=holdout, period=f"{hold_from} to {end}")
    TrainedModel.objects.filter(pk=model.pk).update(
        bias_audit=audit, bias_audited_at=timezone.now(), updated_at=timezone.now()
    )
    model.refresh_from_db()
    return model


def model_train_mitigated(*, base: TrainedModel, exclude_features: list[str], requested_by=None) -> TrainedModel:
    """Retrain ``base``'s type and algorithm without ``exclude_features`` (compare with ``mitigation_compare``)."""
    exclude = sorted({str(f) for f in exclude_features or []})
    if not exclude:
        raise ValueError("choose at least one feature to exclude")
    unknown = [f for f in exclude if f not in (base.features or [])]
    if unknown:
        raise ValueError(f"not features of {base.label}: {', '.join(unknown)}")
    if len(set(base.features) - set(exclude)) < 1:
        raise ValueError("cannot exclude every feature")
    params = {k: v for k, v in (base.params or {}).items() if k in _param_names(base.algorithm)}
    return services.model_train(
        model_type=base.model_type,
        algorithm=base.algorithm,
        params=params,
        requested_by=requested_by,
        exclude_features=sorted(set(exclude) | set(base.excluded_features or [])),
        derived_from=base,
    )


def _param_names(algorithm: str) -> set[str]:
    return ebm.EBM_PARAM_NAMES if algorithm == "ebm" else ebm.TREE_PARAM_NAMES


def mitigation_compare(*, model: TrainedModel) -> dict[str, Any] | None:
    """Before/after audit and accuracy of a mitigation run and the version it derives from."""
    base = model.derived_from
    if base is None:
        return None

    def side(m: TrainedModel) -> dict[str, Any]:
        met = m.metrics or {}
        return {
            "label": m.label, "status": m.status, "excluded": m.excluded_features or [],
            "roc_auc": met.get("roc_auc"), "brier": met.get("brier"),
            "min_impact_ratio": bias.audit_min_ratio(m.bias_audit or {}), "flags": bias.audit_flags(m.bias_audit or {}),
            "ready": m.status in (ModelStatus.READY, ModelStatus.ACTIVE, ModelStatus.ARCHIVED),
        }  # fmt: skip

    return {"before": side(base), "after": side(model), "excluded": model.excluded_features or []}
