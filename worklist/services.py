"""Writes for the risk worklist. Every change, its history entry (CaseAction) and its audit row commit in one
transaction; bad input raises WorklistError naming the field and changes nothing (no partial bulk writes)."""

from __future__ import annotations

from django.db import transaction

from core.access import check
from core.audit import audit_record
from core.models import AuditAction
from core.permissions import WORK_RISK_LIST
from predictions.selectors import program_get
from technicians.selectors import technician_get_for_user
from worklist.models import ActionKind, Case, CaseAction, CaseStatus, Enrolment, Watch
from worklist.selectors import owner_choices, technicians_by_employee_ids

MAX_BULK = 500
MAX_NOTE = 2000
UNSET = object()


class WorklistError(ValueError):
    def __init__(self, field: str, message: str):
        super().__init__(f"{field}: {message}")
        self.field, self.message = field, message


def _actor(user) -> str:
    return user.get_username() if getattr(user, "is_authenticated", False) else ""


def _technicians(employee_ids) -> list:
    """The technicians named by ``employee_ids`` (deduplicated, order kept), or WorklistError listing unknown ids."""
    ids = list(dict.fromkeys(str(e) for e in employee_ids or ()))
    if not ids:
        raise WorklistError("employee_ids", "choose at least one technician")
    if len(ids) > MAX_BULK:
        raise WorklistError("employee_ids", f"at most {MAX_BULK} technicians at once (got {len(ids)})")
    found = technicians_by_employee_ids(employee_ids=ids)
    missing = [e for e in ids if e not in found]
    if missing:
        raise WorklistError("employee_ids", f"no technician with employee_id {', '.join(map(repr, missing[:10]))}")
    return [found[e] for e in ids]


def case_update(*, user, employee_id: str, status: str | None = None, owner=UNSET, note: str | None = None,
                via: str = "page") -> Case:  # fmt: skip
    """Set a technician's status, owner (a username, or None to clear) and/or add a note."""
    check(user, WORK_RISK_LIST)
    tech = technician_get_for_user(user=user, employee_id=employee_id)  # Http404 for unknown ids
    if status is not None and status not in CaseStatus.values:
        raise WorklistError("status", f"must be one of {', '.join(CaseStatus.values)} (got {status!r})")
    new_owner = None
    if owner is not UNSET and owner not in (None, ""):
        new_owner = owner_choices().filter(username=owner).first()
        if new_owner is None:
            raise WorklistError("owner", f"{owner!r} is not a user who works the risk list")
    note = (note or "").strip()
    if len(note) > MAX_NOTE:
        raise WorklistError("note", f"at most {MAX_NOTE} characters (got {len(note)})")
    with transaction.atomic():
        case, _ = Case.objects.select_for_update().get_or_create(technician=tech)
        actions = []
        row = {"technician": tech, "actor": user if user.is_authenticated else None, "actor_name": _actor(user)}
        if status is not None and status != case.status:
            actions.append(
                CaseAction(kind=ActionKind.STATUS, from_value=case.status, to_value=status, note=note, **row)
            )
            case.status = status
        if owner is not UNSET and (new_owner.pk if new_owner else None) != case.owner_id:
            old = case.owner.username if case.owner_id else ""
            actions.append(CaseAction(kind=ActionKind.OWNER, from_value=old, to_value=new_owner.username if new_owner else "",
                                      **row))  # fmt: skip
            case.owner = new_owner
        if note and not any(a.kind == ActionKind.STATUS for a in actions):
            actions.append(CaseAction(kind=ActionKind.NOTE, note=note, **row))
        if note:
            case.note = note
        if not actions:
            return case
        case.save()
        CaseAction.objects.bulk_create(actions)
        audit_record(user=user, action=AuditAction.CHANGE, object_type="worklist_case", object_id=tech.employee_id,
                     subjects=[tech.employee_id], via=via,
                     detail={"changes": [{"kind": a.kind, "from": a.from_value, "to": a.to_value} for a in actions]})  # fmt: skip
    return case


def watch_set(*, user, employee_ids, watched: bool, via: str = "page") -> int:
    """Add technicians to (or remove them from) the user's watchlist. Returns how many changed."""
    check(user, WORK_RISK_LIST)
    techs = _technicians(employee_ids)
    with transaction.atomic():
        already = set(Watch.objects.filter(user=user, technician__in=techs).values_list("technician_id", flat=True))
        if watched:
            changed = [t for t in techs if t.pk not in already]
            Watch.objects.bulk_create([Watch(user=user, technician=t) for t in changed], ignore_conflicts=True)
        else:
            changed = [t for t in techs if t.pk in already]
            Watch.objects.filter(user=user, technician__in=changed).delete()
        kind = ActionKind.WATCH if watched else ActionKind.UNWATCH
        CaseAction.objects.bulk_create(
            [CaseAction(technician=t, actor=user, actor_name=_actor(user), kind=kind) for t in changed]
        )
    return len(changed)


def programs_enrol(*, user, employee_ids, program_id, via: str = "page") -> dict:
    """Enrol technicians in an active retention program (bulk, all-or-nothing). Someone already enrolled in it
    is skipped, not duplicated. Returns {"program", "enrolled", "already"}."""
    check(user, WORK_RISK_LIST)
    try:
        program = program_get(program_id=program_id)
    except Exception as exc:  # Http404 from the selector: a field error here
        raise WorklistError("program_id", str(exc) or "no such program") from exc
    if not program.is_active:
        raise WorklistError("program_id", f"{program.name!r} is not an active program")
    techs = _technicians(employee_ids)
    with transaction.atomic():
        already = set(
            Enrolment.objects.filter(program=program, technician__in=techs).values_list("technician_id", flat=True)
        )
        new = [t for t in techs if t.pk not in already]
        Enrolment.objects.bulk_create([Enrolment(technician=t, program=program, enrolled_by=user) for t in new],
                                      ignore_conflicts=True)  # fmt: skip
        CaseAction.objects.bulk_create([
            CaseAction(technician=t, actor=user, actor_name=_actor(user), kind=ActionKind.ENROL, to_value=program.name[:150])
            for t in new
        ])  # fmt: skip
        if new:
            audit_record(user=user, action=AuditAction.CREATE, object_type="program_enrolment", object_id=program.pk,
                         subjects=[t.employee_id for t in new], via=via,
                         detail={"program": program.name, "enrolled": len(new)})  # fmt: skip
    return {"program": program.name, "enrolled": len(new), "already": len(already)}
