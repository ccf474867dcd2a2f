"""Reads for predictions. Every function taking ``user`` applies the visibility rule: hidden
(pay/performance) terms are folded into one restricted contribution and never named."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.db.models import Max, QuerySet, Sum
from django.http import Http404

from core.pagination import keyset_decode, keyset_encode
from predictions.explain import contributions_for, explanation_text, fold, top_folded, with_points
from predictions.features import label_for
from predictions.models import (
    CurrentScore,
    CurrentScoreSet,
    ModelStatus,
    ModelType,
    Prediction,
    RetentionProgram,
    ScoreCount,
    TrainedModel,
)
from technicians.selectors import candidate_get_for_user, places_validate, technician_get_for_user
from technicians.visibility import redact

BANDS = ("low", "medium", "high")


class NoModelError(LookupError):
    """No active model (or no stored prediction) yet."""

    def __init__(
        self, message: str = "No active model yet — train one (Models page, API POST /train or manage.py train_models)."
    ):
        super().__init__(message)
        self.message = message


def active_model(*, model_type: str) -> TrainedModel | None:
    return TrainedModel.objects.filter(model_type=model_type, status=ModelStatus.ACTIVE).first()


def _latest_as_of(model: TrainedModel, *, on_or_before: date | None = None) -> date | None:
    # the subject condition lets PostgreSQL use the partial (model, as_of, subject) index
    subject = "technician__isnull" if model.model_type == ModelType.RETENTION else "candidate__isnull"
    qs = Prediction.objects.filter(model=model, **{subject: False})
    if on_or_before:
        qs = qs.filter(as_of__lte=on_or_before)
    return qs.aggregate(d=Max("as_of"))["d"]


def _current(model_type: str) -> tuple[TrainedModel | None, QuerySet[Prediction]]:
    model = active_model(model_type=model_type)
    if model is None:
        return None, Prediction.objects.none()
    as_of = _latest_as_of(model)
    return model, Prediction.objects.filter(model=model, as_of=as_of)


def _top(user, model: TrainedModel, p: Prediction, k: int = 3) -> list[dict]:
    return top_folded(user, model, p, k)  # = fold(user, contributions_for(…))[:k], built for the top k only


def _tops(user, model: TrainedModel, preds: list[Prediction], k: int = 3) -> list[list[dict]]:
    """:func:`_top` of each of a page's predictions, their contributions decoded in one call (a codebook
    decode is a pass per term, whatever the number of rows: 25 rows at once cost about what one row does)."""
    if not preds:
        return []
    from predictions.codebook import decode_rows

    decoded = decode_rows(model, [p.contributions for p in preds]).tolist()
    return [top_folded(user, model, p, k, contributions=c) for p, c in zip(preds, decoded, strict=True)]


def _check_band(band: str | None) -> None:
    if band and band not in BANDS:
        raise ValueError(f"band must be one of {', '.join(BANDS)} (got {band!r})")


def _technician_filter(qs: QuerySet, region, district, trade, band) -> QuerySet:
    _check_band(band)
    places_validate(region=region, district=district)  # unknown code → SelectorError (422), not an empty list
    if region:
        qs = qs.filter(technician__district__region__code=region)
    if district:
        qs = qs.filter(technician__district__code=district)
    if trade:
        qs = qs.filter(technician__trade=trade)
    if band:
        qs = qs.filter(band=band)
    return qs


_WIDE_MODEL_FIELDS = ("shapes", "training_profile", "bias_audit", "promotion_overrides", "importances", "metrics")


def _current_set(model_type: str) -> tuple[TrainedModel | None, CurrentScoreSet | None]:
    """The active model and its current-score set (None before its first scoring has switched)."""
    state = (
        CurrentScoreSet.objects.select_related("model")
        .defer(*(f"model__{f}" for f in _WIDE_MODEL_FIELDS))  # a ranking needs terms, features and levels only
        .filter(model_type=model_type, model__status=ModelStatus.ACTIVE)
        .first()
    )
    if state is not None:
        return state.model, state
    return active_model(model_type=model_type), None


def _place_filter(region, district, trade, band=None) -> dict[str, str]:
    _check_band(band)
    places_validate(region=region, district=district)  # unknown code → SelectorError (422), not an empty list
    return {k: v for k, v in (("region", region), ("district", district), ("trade", trade), ("band", band)) if v}


def _ranked(
    model_type: str, where: dict, fields: tuple[str, ...], *, limit: int, offset: int, cursor: str | None,
    count: int | None = None,
):  # fmt: skip
    """One page of current scores in ranking order (score desc, business key), read by index, with the
    person's ``fields`` looked up for the page's rows only, plus the total from the scoring-time aggregates and the
    keyset cursor of the next page."""
    limit = max(1, min(int(limit), 500))
    offset = max(0, int(offset))
    qs = CurrentScore.objects.filter(model_type=model_type, **where).order_by("-score", "subject_key")
    if cursor:
        score, key = keyset_decode(cursor, types=(float, str))
        # ``score <= s`` is the index range (a seek, not a scan of the pages before); the rest only skips ties
        qs = qs.filter(score__lte=score).exclude(score=score, subject_key__lte=key)
        offset = 0
    # the page first, from the narrow table alone (an index scan that stops after limit + 1 rows, whatever
    # the planner would make of joins), then the people of those rows by primary key
    rows = list(qs.values("id", "prediction_id", "subject_key", "score", "band")[offset : offset + limit + 1])
    more, rows = len(rows) > limit, rows[:limit]
    ids = [r["id"] for r in rows]
    people = {r["id"]: r for r in CurrentScore.objects.filter(model_type=model_type, pk__in=ids).values("id", *fields)}
    rows = [{**r, **people[r["id"]]} for r in rows if r["id"] in people]
    if count is None:  # the caller may know it already (risk_page: from the band counts)
        count = ScoreCount.objects.filter(model_type=model_type, **where).aggregate(n=Sum("n"))["n"] or 0
    next_cursor = keyset_encode(rows[-1]["score"], rows[-1]["subject_key"]) if more and rows else None
    # the page's rows by id within the current (model, as_of): PostgreSQL reads that one partition's key index;
    # the explanation bytes and inputs only (the wide row's other columns are not read)
    current = CurrentScoreSet.objects.filter(model_type=model_type).values_list("model_id", "as_of").first()
    scored = Prediction.objects.filter(model_id=current[0], as_of=current[1]) if current else Prediction.objects
    preds = scored.only("id", "contributions", "feature_values").in_bulk([r["prediction_id"] for r in rows])
    rows = [r for r in rows if r["prediction_id"] in preds]  # pruned since the scoring run
    return rows, preds, count, next_cursor


def risk_ranking(
    *, user, region: str | None = None, district: str | None = None, trade: str | None = None,
    band: str | None = None, limit: int = 20, offset: int = 0, cursor: str | None = None,
) -> dict[str, Any]:  # fmt: skip
    """Active technicians by retention risk (current scores of the active model), highest first.

    Pages by ``offset`` or by the keyset ``cursor`` of the previous page (``next_cursor``); both read the
    narrow current-score table in index order and never touch the explanation bytes of other rows."""
    where = _place_filter(region, district, trade, band)
    model, state = _current_set(ModelType.RETENTION)
    return _risk_ranking(user, model, state, where, limit=limit, offset=offset, cursor=cursor)


def risk_page(
    *, user, region: str | None = None, district: str | None = None, trade: str | None = None,
    band: str | None = None, limit: int = 20, offset: int = 0,
) -> dict[str, Any]:  # fmt: skip
    """What the risk page shows, read once: ``ranking`` (as :func:`risk_ranking`), ``counts`` (as
    :func:`band_counts`, which ignore the band filter) and ``model``, the active retention model.

    One read of the current set instead of three, and the ranking's total taken from the band counts
    (the same scoring-time aggregates: the band's count, or their sum) instead of a query of its own."""
    where = _place_filter(region, district, trade, band)
    model, state = _current_set(ModelType.RETENTION)
    counts = dict.fromkeys(BANDS, 0)
    if state is None:
        return {"model": model, "counts": counts, "ranking": {"count": 0, "items": [], "next_cursor": None}}
    places = {k: v for k, v in where.items() if k != "band"}
    per_band = dict(
        ScoreCount.objects.filter(model_type=ModelType.RETENTION, **places)
        .values_list("band")
        .annotate(n=Sum("n"))
        .order_by()
    )
    counts = {b: per_band.get(b, 0) for b in BANDS}
    total = per_band.get(band, 0) if band else sum(per_band.values())
    ranking = _risk_ranking(user, model, state, where, limit=limit, offset=offset, cursor=None, count=total)
    return {"model": model, "counts": counts, "ranking": ranking}


def _risk_ranking(user, model, state, where: dict, *, limit: int, offset: int, cursor: str | None,
                  count: int | None = None) -> dict[str, Any]:  # fmt: skip
    if state is None:
        return {"count": 0, "items": [], "next_cursor": None}
    fields = ("technician__first_name", "technician__last_name", "technician__district__code",
              "technician__district__name", "technician__district__region__code", "technician__trade")  # fmt: skip
    rows, preds, count, next_cursor = _ranked(
        ModelType.RETENTION, where, fields, limit=limit, offset=offset, cursor=cursor, count=count
    )
    tops = _tops(user, model, [preds[r["prediction_id"]] for r in rows])
    items = []
    for r, top in zip(rows, tops, strict=True):
        items.append({
            "employee_id": r["subject_key"], "name": f"{r['technician__first_name']} {r['technician__last_name']}",
            "district": r["technician__district__code"], "district_name": r["technician__district__name"],
            "region": r["technician__district__region__code"], "trade": r["technician__trade"],
            "score": r["score"], "band": r["band"], "as_of": state.as_of, "model_version": model.version,
            "top_contributions": top,
        })  # fmt: skip
    return {"count": count, "items": items, "next_cursor": next_cursor}


def current_risk_scores() -> tuple[TrainedModel | None, QuerySet[Prediction]]:
    """The active retention model and its latest technician scores, as a queryset other apps may filter,
    annotate and sort (the risk worklist); empty before the first scoring."""
    model, qs = _current(ModelType.RETENTION)
    return model, qs.filter(technician__isnull=False)


def top_reasons(*, user, model: TrainedModel, prediction: Prediction, k: int = 3) -> list[dict]:
    """The k largest contributions of one stored score, restricted terms folded for ``user``."""
    return _top(user, model, prediction, k)


def band_counts(*, region=None, district=None, trade=None) -> dict[str, int]:
    """Current scores per band under the filters: a sum over the scoring-time aggregates."""
    where = _place_filter(region, district, trade)
    _, state = _current_set(ModelType.RETENTION)
    counts = {}
    if state is not None:
        qs = ScoreCount.objects.filter(model_type=ModelType.RETENTION, **where)
        counts = dict(qs.values_list("band").annotate(n=Sum("n")).order_by())
    return {b: counts.get(b, 0) for b in BANDS}


def latest_prediction_for_technician(*, user, employee_id: str) -> tuple[TrainedModel, Prediction]:
    if "\x00" in employee_id:  # PostgreSQL rejects NUL in text: it cannot be anyone's id
        raise Http404("No technician with that employee_id.")
    tech = technician_get_for_user(user=user, employee_id=employee_id)  # Http404 for unknown ids
    model = active_model(model_type=ModelType.RETENTION)
    if model is None:
        raise NoModelError()
    pred = Prediction.objects.filter(model=model, as_of=_latest_as_of(model), technician=tech).first()
    if pred is None:
        raise NoModelError(f"No score for {employee_id} yet — they may have no snapshots, or scoring has not run.")
    pred.technician = tech
    return model, pred


def mean_contributions(*, model: TrainedModel, as_of: date) -> dict[str, float]:
    """Average contribution of each term over everyone the model scored on ``as_of`` (cached: one read of the
    stored contributions, vectorised)."""
    from django.core.cache import cache
    from django.db import connection

    from predictions.codebook import decode_rows

    key = f"predictions:mean-contrib:{model.pk}:{as_of}"
    hit = cache.get(key)
    if hit is not None:
        return hit
    with connection.cursor() as cur:
        cur.execute(
            "SELECT contributions FROM predictions_prediction WHERE model_id = %s AND as_of = %s",
            [model.pk, as_of],
        )
        rows = cur.fetchall()
    means: dict[str, float] = {}
    if rows:
        m = decode_rows(model, [r[0] for r in rows])
        means = dict(zip(model.terms, m.mean(axis=0).tolist(), strict=True))
    cache.set(key, means, 600)
    return means


def _detail(user, model: TrainedModel, p: Prediction) -> dict[str, Any]:
    contribs = contributions_for(model.terms, p.contribution_list(model), model.features, p.value_list(model))
    contribs = fold(user, with_points(contribs, logit=p.logit, means=mean_contributions(model=model, as_of=p.as_of)))
    return {
        "score": p.score, "band": p.band, "as_of": p.as_of, "model_version": model.version,
        "model_id": str(model.id), "intercept": p.intercept, "logit": p.logit, "contributions": contribs,
        "explanation": explanation_text(contribs, model_type=model.model_type),
    }  # fmt: skip


def technician_risk(*, user, employee_id: str) -> dict[str, Any]:
    """Score, band and every term's contribution for one technician (hidden terms folded)."""
    model, p = latest_prediction_for_technician(user=user, employee_id=employee_id)
    t = p.technician
    return {"employee_id": t.employee_id, "name": t.full_name, "district": t.district.code, "trade": t.trade,
            **_detail(user, model, p)}  # fmt: skip


def candidate_ranking(
    *, user, district: str | None = None, region: str | None = None, trade: str | None = None,
    limit: int = 20, offset: int = 0, cursor: str | None = None,
) -> dict[str, Any]:  # fmt: skip
    """Open candidates by probability of still being employed 90 days after hire, highest first."""
    where = _place_filter(region, district, trade)
    model, state = _current_set(ModelType.QUALITY_OF_HIRE)
    if state is None:
        return {"count": 0, "items": [], "next_cursor": None}
    fields = ("candidate__first_name", "candidate__last_name", "candidate__district__code", "candidate__trade",
              "candidate__stage", "candidate__source")  # fmt: skip
    rows, preds, count, next_cursor = _ranked(
        ModelType.QUALITY_OF_HIRE, where, fields, limit=limit, offset=offset, cursor=cursor
    )
    tops = _tops(user, model, [preds[r["prediction_id"]] for r in rows])
    items = []
    for r, top in zip(rows, tops, strict=True):
        items.append({
            "candidate_id": r["subject_key"], "name": f"{r['candidate__first_name']} {r['candidate__last_name']}",
            "district": r["candidate__district__code"], "trade": r["candidate__trade"],
            "stage": r["candidate__stage"], "source": r["candidate__source"], "score": r["score"],
            "band": r["band"], "top_contributions": top,
        })  # fmt: skip
    return {"count": count, "items": items, "next_cursor": next_cursor}


def candidate_quality(*, user, candidate_id: str) -> dict[str, Any]:
    if "\x00" in candidate_id:
        raise Http404("No candidate with that candidate_id.")
    c = candidate_get_for_user(user=user, candidate_id=candidate_id)
    model = active_model(model_type=ModelType.QUALITY_OF_HIRE)
    if model is None:
        raise NoModelError()
    p = Prediction.objects.filter(model=model, as_of=_latest_as_of(model), candidate=c).first()
    if p is None:
        raise NoModelError(f"No score for candidate {candidate_id} yet (only open candidates are scored).")
    return {"candidate_id": c.candidate_id, "name": c.full_name, "district": c.district.code, "trade": c.trade,
            "stage": c.stage, **_detail(user, model, p)}  # fmt: skip


def expected_departures_by_district(*, as_of: date | None = None) -> dict[str, float]:
    """Sum of current retention probabilities (within the model horizon) per district code."""
    model = active_model(model_type=ModelType.RETENTION)
    if model is None:
        return {}
    latest = _latest_as_of(model, on_or_before=as_of)
    if latest is None:
        return {}
    rows = (
        Prediction.objects.filter(model=model, as_of=latest, technician__isnull=False)
        .values_list("technician__district__code")
        .annotate(total=Sum("score"))
    )
    return {code: float(total) for code, total in rows}


def expected_departures_by_district_trade(*, as_of: date | None = None) -> dict[tuple[str, str], float]:
    """Sum of current retention probabilities (within the model horizon) per (district code, trade)."""
    model = active_model(model_type=ModelType.RETENTION)
    if model is None:
        return {}
    latest = _latest_as_of(model, on_or_before=as_of)
    if latest is None:
        return {}
    rows = (
        Prediction.objects.filter(model=model, as_of=latest, technician__isnull=False)
        .values_list("technician__district__code", "technician__trade")
        .annotate(total=Sum("score"))
    )
    return {(code, trade): float(total) for code, trade, total in rows}


def candidate_stay_probabilities() -> dict:
    """{candidate pk: P(still employed 90 days after hire)} from the quality-of-hire model's current scores."""
    _, qs = _current(ModelType.QUALITY_OF_HIRE)
    return dict(qs.filter(candidate__isnull=False).values_list("candidate_id", "score"))


def cohort_predictions(*, model: TrainedModel, region=None, district=None, trade=None, band=None) -> list[Prediction]:
    as_of = _latest_as_of(model)
    qs = Prediction.objects.filter(model=model, as_of=as_of, technician__isnull=False)
    return list(_technician_filter(qs, region, district, trade, band).only("score", "feature_values"))


# ---------------------------------------------------------------------- models & programs
def model_list(*, model_type: str | None = None) -> QuerySet[TrainedModel]:
    qs = TrainedModel.objects.select_related("requested_by").order_by("model_type", "-version")
    if model_type:
        if model_type not in ModelType.values:
            raise ValueError(f"model_type must be one of {', '.join(ModelType.values)} (got {model_type!r})")
        qs = qs.filter(model_type=model_type)
    return qs


def model_get(*, model_id) -> TrainedModel:
    m = TrainedModel.objects.filter(pk=model_id).first() if _is_uuid(model_id) else None
    if m is None:
        raise Http404(f"No model with id {model_id!r}.")
    return m


def _is_uuid(v) -> bool:
    import uuid

    try:
        uuid.UUID(str(v))
        return True
    except ValueError:
        return False


def model_to_dict(*, user, model: TrainedModel, detail: bool = False) -> dict[str, Any]:
    """Registry row as the user may see it: hidden features' importances are folded/omitted."""
    importances = [{"feature": k, "label": label_for(k), "importance": v} for k, v in model.importance_list]
    visible = redact(user, {i["feature"]: i for i in importances})
    data = {
        "id": str(model.id), "run_id": str(model.run_id), "model_type": model.model_type,
        "algorithm": model.algorithm, "version": model.version, "status": model.status, "stage": model.stage,
        "progress": model.progress, "error": model.error or None, "window_start": model.window_start,
        "window_end": model.window_end, "metrics": model.metrics or {}, "created_at": model.created_at,
        "finished_at": model.finished_at, "activated_at": model.activated_at,
        "requested_by": model.requested_by.username if model.requested_by_id else None,
        "importances": [v for v in visible.values()],
    }  # fmt: skip
    if detail:
        data["features"] = redact(user, {f: True for f in model.features})
        data["features"] = list(data["features"])
        data["params"] = {k: v for k, v in (model.params or {}).items() if k not in ("categorical", "levels")}
        data["shapes"] = [s for s in model.shapes if s["feature"] in visible]
    return data


def program_list(*, active_only: bool = True) -> QuerySet[RetentionProgram]:
    qs = RetentionProgram.objects.all()
    return qs.filter(is_active=True) if active_only else qs


def program_get(*, program_id) -> RetentionProgram:
    try:
        pk = int(program_id)
    except (TypeError, ValueError):
        raise Http404(f"No retention program with id {program_id!r}.") from None
    p = RetentionProgram.objects.filter(pk=pk).first()
    if p is None:
        raise Http404(f"No retention program with id {program_id!r}.")
    return p


def drift_latest(*, model: TrainedModel) -> dict[str, Any] | None:
    """The latest drift report of a version (predictions.monitoring), or None before its first scoring run."""
    from predictions.models import DriftReport  # noqa: PLC0415 - keeps this module's imports flat

    r = DriftReport.objects.filter(model=model).order_by("-created_at").first()
    return None if r is None else r.as_dict()


def candidate_notice() -> dict[str, Any]:
    """The current candidate notice (newest admin-edited row, else the default text)."""
    from predictions.models import DEFAULT_CANDIDATE_NOTICE, CandidateNotice  # noqa: PLC0415

    n = CandidateNotice.objects.order_by("-created_at").first()
    return {"text": n.text if n else DEFAULT_CANDIDATE_NOTICE, "updated_at": n.created_at if n else None}


def operational_metrics() -> list:
    """Prometheus (core/metrics.py): training runs, and the age of the active model's newest scores."""
    from django.utils import timezone

    from core.metrics import Metric, run_metrics

    out = run_metrics(
        "training",
        TrainedModel,
        done=[ModelStatus.READY, ModelStatus.ACTIVE, ModelStatus.ARCHIVED],
        failed=ModelStatus.FAILED,
    )
    age = Metric(
        "ta_scores_age_seconds", "Age of the newest stored scores of the active model.", labels=("model_type",)
    )
    now = timezone.now()
    for model_type in ModelType.values:
        model = active_model(model_type=model_type)
        if model is None:
            continue
        subject = {"technician__isnull": False} if model_type == ModelType.RETENTION else {"candidate__isnull": False}
        newest = (
            Prediction.objects.filter(model=model, **subject)
            .order_by("-as_of")
            .values_list("created_at", flat=True)
            .first()
        )
        if newest is not None:
            age.samples[(model_type,)] = (now - newest).total_seconds()
    return [*out, age]


def models_in_preparation() -> dict[str, Any]:
    """For the "still being prepared" notes: model types with an active model, and runs in progress."""
    # one narrow query for both (it runs on every page, for the note): status and type of the active and
    # running rows, no model instances or JSON columns; the rows of runs in progress (the note describes
    # them) only when there are some, without the wide columns (shapes, profiles, audits)
    rows = list(
        TrainedModel.objects.filter(status__in=(ModelStatus.ACTIVE, ModelStatus.QUEUED, ModelStatus.TRAINING))
        .order_by("created_at")
        .values_list("pk", "model_type", "status")
    )
    active = {t for _, t, status in rows if status == ModelStatus.ACTIVE}
    running_ids = [pk for pk, _, status in rows if status != ModelStatus.ACTIVE]
    running = []
    if running_ids:
        found = TrainedModel.objects.defer(*_WIDE_MODEL_FIELDS).in_bulk(running_ids)
        running = [found[pk] for pk in running_ids if pk in found]  # created_at order, as before
    return {"active_types": active, "running": running}


# ---------------------------------------------------------------------- candidates side by side
MAX_COMPARED_CANDIDATES = 3


def candidate_compare(*, user, candidate_ids: list[str]) -> dict[str, Any]:
    """Two or three candidates side by side: score, band and, per model input, each one's value and its effect
    on the chance of staying (percentage points, as on the candidate page). Hidden inputs are folded into one
    restricted line for users who may not see them (the visibility rule), exactly as on the single page."""
    ids = list(dict.fromkeys(str(c).strip() for c in (candidate_ids or []) if str(c).strip()))
    if not 2 <= len(ids) <= MAX_COMPARED_CANDIDATES:
        raise ValueError(f"compare two or three candidates (got {len(ids)})")
    people = [candidate_quality(user=user, candidate_id=cid) for cid in ids]  # Http404 / NoModelError
    by_feature: dict[str, dict] = {}
    for i, q in enumerate(people):
        for c in q["contributions"]:
            row = by_feature.setdefault(c["feature"], {"feature": c["feature"], "label": c["label"],
                                                       "cells": [None] * len(people)})  # fmt: skip
            row["cells"][i] = {"value": c.get("value"), "contribution": c["contribution"], "points": c.get("points")}
    rows = sorted(by_feature.values(), key=lambda r: -max(abs(x["contribution"]) for x in r["cells"] if x))
    keep = ("candidate_id", "name", "district", "trade", "stage", "score", "band", "explanation", "contributions")
    return {
        "model_version": people[0]["model_version"],
        "as_of": people[0]["as_of"],
        "candidates": [{k: q[k] for k in keep} for q in people],
        "rows": rows,
    }
