"""The audit log: who viewed/exported whose data, who trained/promoted/published what, every tool call.

``audit_record`` writes one ``AuditEvent`` in the caller's transaction, so a change and the row that
records it commit or roll back together. Row-level before/after history of technicians, candidates
and retention programs is kept by django-pghistory (database triggers, same transaction as the write;
see ``change_history``). Both are append-only (database triggers refuse UPDATE/DELETE); only a
data-subject erasure (core.subjects) lifts that, inside its own transaction.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable
from typing import Any

from django.db.models import QuerySet

from core.models import AuditAction, AuditEvent

# pgtrigger URIs of every append-only trigger; a data-subject erasure ignores these in its transaction.
APPEND_ONLY_TRIGGERS = (
    "core.AuditEvent:append_only",
    "technicians.TechnicianEvent:append_only",
    "technicians.CandidateEvent:append_only",
    "predictions.RetentionProgramEvent:append_only",
)


def _actor(user):
    if user is not None and getattr(user, "is_authenticated", False) and getattr(user, "pk", None):
        return user, user.get_username()
    return None, ""


def audit_record(
    *,
    user,
    action: str,
    object_type: str = "",
    object_id: Any = "",
    subjects: Iterable[str] = (),
    via: str = "",
    detail: dict | None = None,
) -> AuditEvent:
    """Append one audit row (in the current transaction)."""
    actor, name = _actor(user)
    return AuditEvent.objects.create(
        actor=actor,
        actor_name=name,
        action=action,
        object_type=object_type,
        object_id=_text(str(object_id or "")[:100]),
        subjects=sorted({_text(str(s))[:40] for s in subjects if s})[:500],
        via=via,
        detail=_clean(detail or {}),
    )


def _text(value: str) -> str:
    """PostgreSQL text/JSONB refuse NUL and lone surrogates: an audit row must never fail on hostile input."""
    return value.replace("\x00", "").encode("utf-8", "replace").decode("utf-8")


def _clean(data: Any) -> Any:
    if isinstance(data, str):
        return _text(data)
    if isinstance(data, dict):
        return {_text(str(k)): _clean(v) for k, v in data.items()}
    if isinstance(data, list | tuple):
        return [_clean(v) for v in data]
    if data is None or isinstance(data, bool | int | float):
        return data
    return _text(str(data))


def via_of(request) -> str:
    return "api" if request.path.startswith("/api/") else "admin" if request.path.startswith("/admin/") else "page"


def subjects_in(data: Any) -> list[str]:
    """employee_id / candidate_id values found in a response payload (lists of people)."""
    found: set[str] = set()

    def walk(d, depth=0):
        if depth > 4:
            return
        if isinstance(d, dict):
            for k in ("employee_id", "candidate_id"):
                if isinstance(d.get(k), str):
                    found.add(d[k])
            for v in d.values():
                if isinstance(v, list | dict):
                    walk(v, depth + 1)
        elif isinstance(d, list):
            for v in d:
                walk(v, depth + 1)

    walk(data)
    return sorted(found)


def audit_view_decorator(object_type: str, *, subject_kwarg: str | None = None, action: str = AuditAction.VIEW):
    """For an endpoint/page that shows personal data: after a successful response, record who viewed what.

    The subject is the URL kwarg ``subject_kwarg`` (one person) or, for a list, the people found in the
    returned payload (ninja endpoints return plain data).
    """
    from functools import wraps

    def decorate(view):
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            result = view(request, *args, **kwargs)
            status = getattr(result, "status_code", None)
            if isinstance(result, tuple) and result and isinstance(result[0], int):
                status = result[0]
            if status is None or 200 <= status < 300:
                subject = kwargs.get(subject_kwarg) if subject_kwarg else None
                payload = result[1] if isinstance(result, tuple) else result
                subjects = [str(subject)] if subject else subjects_in(payload)
                query = {k: v[:100] for k, v in request.GET.items()}
                audit_record(
                    user=getattr(request, "auth", None) or request.user,
                    action=action,
                    object_type=object_type,
                    object_id=subject or "",
                    subjects=subjects,
                    via=via_of(request),
                    detail={"path": request.path[:300], **({"query": query} if query else {})},
                )
            return result

        return wrapper

    return decorate


def audit_rows_csv(rows: QuerySet, out) -> None:
    """Write audit rows as CSV (values neutralised against spreadsheet formulas)."""
    w = csv.writer(out)
    w.writerow(["at", "actor", "action", "object_type", "object_id", "subjects", "via", "detail"])
    for e in rows.iterator():
        cells = [e.at.isoformat(), e.actor_name, e.action, e.object_type, e.object_id, " ".join(e.subjects), e.via,
                 e.detail]  # fmt: skip
        w.writerow([_safe(c) for c in cells])


def _safe(value) -> str:
    text = str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def change_history(*, obj) -> list[dict]:
    """pghistory events (before/after diffs) of one tracked record, oldest first."""
    import pghistory.models

    events = pghistory.models.Events.objects.tracks(obj).order_by("pgh_created_at")
    return [
        {"at": e.pgh_created_at, "label": e.pgh_label, "diff": e.pgh_diff, "context": e.pgh_context} for e in events
    ]
