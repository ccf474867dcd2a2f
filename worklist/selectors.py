"""Reads for the risk worklist: the active model's latest scores joined (in SQL) to owner, status, note,
watchlist and program enrolments; sortable by any column, filtered like the risk list."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.postgres.expressions import ArraySubquery
from django.db.models import Case as DbCase
from django.db.models import CharField, Exists, F, IntegerField, OuterRef, Q, QuerySet, Value, When
from django.db.models.functions import Coalesce

from core.permissions import WORK_RISK_LIST
from predictions import selectors as predictions
from technicians.selectors import SelectorError, places_validate, technician_get_for_user
from technicians.visibility import visible_names
from worklist.models import STATUS_ORDER, Case, CaseAction, CaseStatus, Enrolment, Watch

BANDS = ("low", "medium", "high")
# sort key -> ORDER BY expressions (annotations added by ``_annotated``); every column of the list is sortable
SORTS: dict[str, tuple[str, ...]] = {
    "score": ("score",),
    "name": ("technician__last_name", "technician__first_name"),
    "employee_id": ("technician__employee_id",),
    "region": ("technician__district__region__name",),
    "district": ("technician__district__name",),
    "trade": ("technician__trade",),
    "band": ("band_rank",),
    "status": ("status_rank",),
    "owner": ("owner_name",),
    "updated": ("case_updated",),
    "watched": ("watched",),
}
EXPORT_COLUMNS = ["employee_id", "name", "region", "district", "trade", "score", "band", "as_of", "status",
                  "owner", "watched", "programs", "note", "updated_at"]  # fmt: skip


@dataclass(frozen=True)
class WorklistFilters:
    region: str | None = None
    district: str | None = None
    trade: str | None = None
    band: str | None = None
    status: str | None = None
    owner: str | None = None  # "me", "none" or a username
    watched: bool = False
    sort: str = "-score"

    def as_query(self) -> dict[str, str]:
        """The non-empty filters as query-string pairs (links keep them)."""
        out = {k: v for k, v in self.__dict__.items() if v and k != "watched"}
        if self.watched:
            out["watched"] = "1"
        return out


def filters_validate(f: WorklistFilters) -> None:
    """Raise SelectorError (a ValueError) naming the bad parameter and the valid values."""
    places_validate(region=f.region, district=f.district)
    if f.band and f.band not in BANDS:
        raise SelectorError(f"band must be one of {', '.join(BANDS)} (got {f.band!r}).")
    if f.status and f.status not in CaseStatus.values:
        raise SelectorError(f"status must be one of {', '.join(CaseStatus.values)} (got {f.status!r}).")
    if f.sort.lstrip("-") not in SORTS:
        raise SelectorError(f"sort must be one of {', '.join(SORTS)}, optionally prefixed with '-' (got {f.sort!r}).")


def _annotated(user, qs: QuerySet) -> QuerySet:
    case = "technician__worklist_case__"
    return qs.annotate(
        status=Coalesce(F(case + "status"), Value(CaseStatus.NEW), output_field=CharField()),
        status_rank=DbCase(
            *[When(status=s, then=Value(i)) for s, i in STATUS_ORDER.items()], output_field=IntegerField()
        ),
        band_rank=DbCase(*[When(band=b, then=Value(i)) for i, b in enumerate(BANDS)], output_field=IntegerField()),
        owner_name=F(case + "owner__username"),
        case_note=F(case + "note"),
        case_updated=F(case + "updated_at"),
        watched=Exists(Watch.objects.filter(user=user, technician=OuterRef("technician_id"))),
        program_names=ArraySubquery(
            Enrolment.objects.filter(technician=OuterRef("technician_id"))
            .order_by("enrolled_on", "id")
            .values("program__name")
        ),
    )


def worklist_queryset(*, user, filters: WorklistFilters) -> tuple[Any, QuerySet]:
    """(active retention model, annotated and sorted queryset of its latest technician scores)."""
    filters_validate(filters)
    model, qs = predictions.current_risk_scores()
    qs = _annotated(user, qs)
    f = filters
    if f.region:
        qs = qs.filter(technician__district__region__code=f.region)
    if f.district:
        qs = qs.filter(technician__district__code=f.district)
    if f.trade:
        qs = qs.filter(technician__trade=f.trade)
    if f.band:
        qs = qs.filter(band=f.band)
    if f.status:
        qs = qs.filter(status=f.status)
    if f.owner == "me":
        qs = qs.filter(technician__worklist_case__owner=user)
    elif f.owner == "none":
        qs = qs.filter(Q(technician__worklist_case__isnull=True) | Q(technician__worklist_case__owner__isnull=True))
    elif f.owner:
        qs = qs.filter(technician__worklist_case__owner__username=f.owner)
    if f.watched:
        qs = qs.filter(watched=True)
    desc = f.sort.startswith("-")
    order = [F(c).desc(nulls_last=True) if desc else F(c).asc(nulls_last=True) for c in SORTS[f.sort.lstrip("-")]]
    qs = qs.select_related("technician__district__region").order_by(*order, "technician__employee_id")
    return model, qs


def _row(p, model) -> dict[str, Any]:
    t = p.technician
    return {
        "employee_id": t.employee_id, "name": t.full_name, "region": t.district.region.code,
        "district": t.district.code, "district_name": t.district.name, "trade": t.trade, "score": p.score,
        "band": p.band, "as_of": p.as_of, "model_version": model.version, "status": p.status,
        "owner": p.owner_name, "note": p.case_note or "", "updated_at": p.case_updated, "watched": p.watched,
        "programs": list(p.program_names or []),
    }  # fmt: skip


def worklist(*, user, filters: WorklistFilters, limit: int = 25, offset: int = 0) -> dict[str, Any]:
    """One page of the worklist: count, rows (with the top reasons, restricted terms folded) and the scoring."""
    model, qs = worklist_queryset(user=user, filters=filters)
    limit = max(1, min(int(limit), 500))
    offset = max(0, int(offset))
    if model is None:
        return {"count": 0, "items": [], "as_of": None, "model_version": None}
    page = list(qs[offset : offset + limit])
    items = []
    for p in page:
        row = _row(p, model)
        row["top_contributions"] = predictions.top_reasons(user=user, model=model, prediction=p)
        items.append(row)
    return {"count": qs.count(), "items": items, "as_of": page[0].as_of if page else None,
            "model_version": model.version}  # fmt: skip


def worklist_export_rows(*, user, filters: WorklistFilters):
    """The header, then one row per technician on the filtered, sorted list (plain values, streamed in chunks).
    Columns go through the visibility rule like every export (none of these is pay or performance today)."""
    model, qs = worklist_queryset(user=user, filters=filters)
    columns = visible_names(user, EXPORT_COLUMNS)
    yield columns
    if model is None:
        return
    fields = {"employee_id": "technician__employee_id", "first": "technician__first_name",
              "last": "technician__last_name", "region": "technician__district__region__code",
              "district": "technician__district__code", "trade": "technician__trade", "score": "score", "band": "band",
              "as_of": "as_of", "status": "status", "owner": "owner_name", "watched": "watched", "note": "case_note",
              "updated_at": "case_updated", "programs": "program_names"}  # fmt: skip
    for values in qs.values_list(*fields.values()).iterator(chunk_size=5000):
        r = dict(zip(fields, values, strict=True))
        r["name"] = f"{r['first']} {r['last']}"
        r["score"] = round(r["score"], 4)
        r["programs"] = "; ".join(r["programs"] or [])
        r["note"] = r["note"] or ""
        yield [r[c] for c in columns]


def worklist_subjects(*, user, filters: WorklistFilters, limit: int = 500) -> list[str]:
    """employee_ids of the first rows of a filtered list (the audit log's record of whose data was exported)."""
    _, qs = worklist_queryset(user=user, filters=filters)
    return list(qs.values_list("technician__employee_id", flat=True)[:limit])


def technician_worklist(*, user, employee_id: str) -> dict[str, Any]:
    """A technician's worklist record: status, owner, note, watched by this user, programs, and history."""
    tech = technician_get_for_user(user=user, employee_id=employee_id)  # Http404 for unknown ids
    case = Case.objects.filter(technician=tech).select_related("owner").first()
    actions = CaseAction.objects.filter(technician=tech).order_by("-at", "-id")[:200]
    enrolments = (
        Enrolment.objects.filter(technician=tech).select_related("program", "enrolled_by").order_by("enrolled_on")
    )
    return {
        "employee_id": tech.employee_id, "name": tech.full_name,
        "status": case.status if case else CaseStatus.NEW,
        "status_label": CaseStatus(case.status).label if case else CaseStatus.NEW.label,
        "owner": case.owner.username if case and case.owner_id else None,
        "note": case.note if case else "",
        "updated_at": case.updated_at if case else None,
        "watched": Watch.objects.filter(user=user, technician=tech).exists(),
        "programs": [{"program_id": e.program_id, "name": e.program.name, "enrolled_on": e.enrolled_on,
                      "enrolled_by": e.enrolled_by.username if e.enrolled_by_id else None} for e in enrolments],
        "history": [{"at": a.at, "actor": a.actor_name, "kind": a.kind, "kind_label": a.get_kind_display(),
                     "from_value": a.from_value, "to_value": a.to_value, "note": a.note} for a in actions],
    }  # fmt: skip


def owner_choices() -> QuerySet:
    """Active users who may own worklist cases (they hold core.work_risk_list through a role, or are superusers)."""
    app, codename = WORK_RISK_LIST.split(".", 1)
    perm = Q(groups__permissions__codename=codename, groups__permissions__content_type__app_label=app)
    return get_user_model().objects.filter(perm | Q(is_superuser=True), is_active=True).distinct().order_by("username")


def technicians_by_employee_ids(*, employee_ids: list[str]) -> dict[str, Any]:
    """{employee_id: Technician} for the ids that exist (one query)."""
    from technicians.models import Technician

    return {t.employee_id: t for t in Technician.objects.filter(employee_id__in=employee_ids)}


def watch_count(*, user) -> int:
    return Watch.objects.filter(user=user).count()
