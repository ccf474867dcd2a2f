"""REST endpoints under /api/v1/predictions/. Thin: every call goes through selectors/services."""

from __future__ import annotations

from typing import Annotated, Any

from django.urls import reverse
from ninja import Path, Query, Router

from core.access import requires
from core.openapi import ErrorOut, domain_errors
from core.pagination import Cursor, clamp_limit
from core.params import Code, Limit, Offset
from core.permissions import PROMOTE_MODEL, TRAIN_MODEL, VIEW_PREDICTIONS
from predictions import promotion, selectors, services
from predictions.artifacts import ArtifactError
from predictions.schemas import (
    Band,
    CandidateCompareOut,
    CandidateQualityOut,
    CandidateRankingPage,
    MitigateIn,
    ModelTypeName,
    ProgramCompareOut,
    PromoteIn,
    RiskPage,
    ScoreIn,
    TechnicianRiskOut,
    TrainIn,
    TrainOut,
    WhatIfIn,
)
from technicians.models import Trade
from technicians.visibility import redact

router = Router(tags=["predictions"])


# domain errors → JSON 4xx (order matters: ModelStateError is a ValueError)
_errors = domain_errors({
    selectors.NoModelError: 409, services.WhatIfError: 422, services.ModelStateError: 409, ArtifactError: 503,
    ValueError: 422,
})  # fmt: skip


def _train_out(model) -> dict[str, Any]:
    return {
        "id": str(model.id), "run_id": str(model.run_id), "model_type": model.model_type, "algorithm": model.algorithm,
        "version": model.version, "status": model.status, "stage": model.stage, "progress": model.progress,
        "error": model.error or None, "status_url": reverse("api:prediction_train_status", args=[model.id]),
    }  # fmt: skip


@router.get("models", summary="Model versions with metrics and global importances")
@_errors
@requires(VIEW_PREDICTIONS)
def list_models(request, model_type: ModelTypeName | None = None):
    return [selectors.model_to_dict(user=request.user, model=m) for m in selectors.model_list(model_type=model_type)]


@router.get("models/{model_id}", summary="One model: metrics, calibration, importances, shape functions")
@_errors
@requires(VIEW_PREDICTIONS)
def get_model(request, model_id: str):
    return selectors.model_to_dict(user=request.user, model=selectors.model_get(model_id=model_id), detail=True)


@router.post(
    "models/{model_id}/promote",
    response={200: TrainOut, 409: dict},
    summary="Make this version the active one (HR), through the bias-audit gate",
    description="If any impact ratio is below 0.8 or the audit is missing/stale, send a written "
    "`justification`; without one the answer is 409 with the gate's reasons and the numbers.",
)
@_errors
@requires(PROMOTE_MODEL)
def promote_model(request, model_id: str, payload: PromoteIn | None = None):
    model = selectors.model_get(model_id=model_id)
    try:
        promoted = promotion.model_promote_checked(
            model=model, user=request.user, justification=payload.justification if payload else "", via="api"
        )
    except promotion.PromotionBlocked as exc:
        return 409, {"detail": str(exc), "gate": exc.gate.as_dict()}
    return 200, _train_out(promoted)


@router.get("models/{model_id}/audit", summary="The version's bias audit (holdout + current population) and gate")
@_errors
@requires(VIEW_PREDICTIONS)
def model_audit(request, model_id: str):
    model = selectors.model_get(model_id=model_id)
    return {
        "model": model.label,
        "audit": model.bias_audit or {},
        "gate": promotion.promotion_gate(model=model).as_dict(),
    }


@router.post("models/{model_id}/audit", summary="Re-run the version's bias audit now (HR)")
@_errors
@requires(TRAIN_MODEL)
def model_audit_refresh(request, model_id: str):
    model = promotion.model_audit_refresh(model=selectors.model_get(model_id=model_id))
    return {"model": model.label, "audit": model.bias_audit, "gate": promotion.promotion_gate(model=model).as_dict()}


@router.post("models/{model_id}/mitigate", response={202: TrainOut}, summary="Retrain without chosen features (HR)")
@_errors
@requires(TRAIN_MODEL)
def model_mitigate(request, model_id: str, payload: MitigateIn):
    base = selectors.model_get(model_id=model_id)
    m = promotion.model_train_mitigated(base=base, exclude_features=payload.exclude_features, requested_by=request.user)
    return 202, _train_out(m)


@router.post("train", response={202: TrainOut}, summary="Start a training run (HR); poll status_url")
@_errors
@requires(TRAIN_MODEL)
def train(request, payload: TrainIn):
    m = services.model_train(
        model_type=payload.model_type, algorithm=payload.algorithm, params=payload.params, requested_by=request.user
    )
    return 202, _train_out(m)


@router.get("train/{model_id}", response=TrainOut, url_name="prediction_train_status", summary="Training status")
@_errors
@requires(VIEW_PREDICTIONS)
def train_status(request, model_id: str):
    return _train_out(selectors.model_get(model_id=model_id))


@router.get("risk", response=RiskPage, summary="Technicians ranked by retention risk")
@_errors
@requires(VIEW_PREDICTIONS, audit="risk")
def risk(request, region: Code | None = None, district: Code | None = None, trade: Trade | None = None,
         band: Band | None = None, limit: Limit | None = None, offset: Offset = 0,
         cursor: Cursor | None = None):  # fmt: skip
    return selectors.risk_ranking(
        user=request.user,
        region=region,
        district=district,
        trade=trade,
        band=band,
        limit=clamp_limit(limit),
        offset=offset,
        cursor=cursor,
    )


@router.get("technicians/{employee_id}/risk", response=TechnicianRiskOut, summary="Risk and contributions")
@_errors
@requires(VIEW_PREDICTIONS, audit="risk", subject="employee_id")
def technician_risk(request, employee_id: str):
    return selectors.technician_risk(user=request.user, employee_id=employee_id)


@router.post("technicians/{employee_id}/what-if", response={200: dict, 422: dict}, summary="Rescore with changes")
@_errors
@requires(VIEW_PREDICTIONS, audit="risk", subject="employee_id")
def what_if(request, employee_id: str, payload: WhatIfIn):
    return services.what_if(user=request.user, employee_id=employee_id, changes=payload.changes)


@router.get("candidates", response=CandidateRankingPage, summary="Open candidates ranked by quality of hire")
@_errors
@requires(VIEW_PREDICTIONS, audit="candidate_quality")
def candidates(request, region: Code | None = None, district: Code | None = None, trade: Trade | None = None,
               limit: Limit | None = None, offset: Offset = 0, cursor: Cursor | None = None):  # fmt: skip
    return selectors.candidate_ranking(
        user=request.user,
        region=region,
        district=district,
        trade=trade,
        limit=clamp_limit(limit),
        offset=offset,
        cursor=cursor,
    )


@router.get(
    "candidates/compare", response={200: CandidateCompareOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut},
    summary="Two or three candidates side by side: score and each input with its effect",
)  # fmt: skip
@_errors
@requires(VIEW_PREDICTIONS, audit="candidate_quality")
def candidate_compare(request, id: Annotated[list[str], Query(description="Candidate ids (2–3), repeated.")] = ()):  # noqa: A002
    return selectors.candidate_compare(user=request.user, candidate_ids=id)


@router.get("candidates/{candidate_id}/quality", response=CandidateQualityOut, summary="Quality of hire")
@_errors
@requires(VIEW_PREDICTIONS, audit="candidate_quality", subject="candidate_id")
def candidate_quality(request, candidate_id: str):
    return selectors.candidate_quality(user=request.user, candidate_id=candidate_id)


@router.post("score", response={200: dict, 422: dict}, summary="Score an ad-hoc feature payload")
@_errors
@requires(VIEW_PREDICTIONS)
def score(request, payload: ScoreIn):
    return services.score_payload(user=request.user, model_type=payload.model_type, payload=payload.features)


@router.get("programs", summary="Retention programs")
@requires(VIEW_PREDICTIONS)
def programs(request):
    return [
        {"id": p.pk, "name": p.name, "description": p.description,
         "cost_per_technician": float(p.cost_per_technician), "change": redact(request.user, p.change),
         "effect": services.program_effect_text(request.user, p.change)}
        for p in selectors.program_list()
    ]  # fmt: skip


@router.get(
    "programs/compare", response={200: ProgramCompareOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut},
    summary="Several retention programs side by side for one cohort, with bootstrap ranges and break-even cost",
)  # fmt: skip
@_errors
@requires(VIEW_PREDICTIONS)
def programs_compare(request, program: Annotated[list[int], Query(description="Program ids (1–6), repeated.")] = (),
                     region: Code | None = None, district: Code | None = None, trade: Trade | None = None,
                     band: Band | None = None):  # fmt: skip
    return services.programs_compare(
        user=request.user, program_ids=program, region=region, district=district, trade=trade, band=band
    )


@router.get("programs/{program_id}/roi", summary="ROI of a program for a cohort")
@_errors
@requires(VIEW_PREDICTIONS)
def program_roi(request, program_id: Annotated[int, Path(ge=1, le=2**31 - 1)], region: Code | None = None,
                district: Code | None = None, trade: Trade | None = None, band: Band | None = None):  # fmt: skip
    return services.program_roi(
        user=request.user, program_id=program_id, region=region, district=district, trade=trade, band=band
    )


@router.get("expected-departures", summary="Expected voluntary departures per district within the horizon")
@requires(VIEW_PREDICTIONS)
def expected_departures(request):
    return selectors.expected_departures_by_district()
