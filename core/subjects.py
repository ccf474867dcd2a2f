"""Data-subject requests: export everything held about a person, or erase it.

A person is named by an ``employee_id`` (technician) or a ``candidate_id``; a technician's candidate
record and a candidate's hired technician are the same person and are included.

``subject_export`` returns one JSON-ready document. ``subject_erase`` removes or irreversibly
anonymises everything in ONE transaction: scores and explanations of every model version, the
similarity vector, snapshots, the change history (pghistory events), audit rows about the person,
assistant messages / tool calls naming them (text replaced by "[erased]"), Redis copies (chat context
and any cached value naming them), and the technician / candidate rows themselves (kept as anonymous
rows so headcount history and forecasts stay whole). It leaves one audit row saying an erasure
happened, with counts only. Models already trained on the person are listed; retraining (then
promoting the new version) is the documented remedy.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.forms.models import model_to_dict

from core.audit import APPEND_ONLY_TRIGGERS, audit_record
from core.models import AuditAction, AuditEvent

ERASED = "[erased]"


class SubjectNotFound(Exception):
    pass


@dataclass
class Subject:
    key: str
    technician: Any = None
    candidate: Any = None
    tokens: list[str] = field(default_factory=list)  # strings that identify the person (ids, names, email)
    keys: list[str] = field(default_factory=list)  # business keys (employee_id / candidate_id)


def subject_find(*, subject_id: str) -> Subject:
    from technicians.models import Candidate, Technician

    tech = Technician.objects.filter(employee_id=subject_id).first()
    cand = Candidate.objects.filter(candidate_id=subject_id).first()
    if tech is None and cand is None:
        raise SubjectNotFound(f"No technician or candidate with id {subject_id!r}.")
    if tech is not None and cand is None:
        cand = Candidate.objects.filter(hired_technician=tech).first()
    if cand is not None and tech is None:
        tech = cand.hired_technician
    s = Subject(key=subject_id, technician=tech, candidate=cand)
    for person in (tech, cand):
        if person is None:
            continue
        full = f"{person.first_name} {person.last_name}".strip()
        s.tokens += [t for t in (full, person.email, str(person.pk)) if t and len(t) >= 3]
    if tech is not None:
        s.keys.append(tech.employee_id)
    if cand is not None:
        s.keys.append(cand.candidate_id)
    s.tokens = sorted(set(s.tokens + s.keys), key=len, reverse=True)
    return s


def _rows(qs) -> list[dict]:
    return [_plain(model_to_dict(o)) | {"id": str(o.pk)} for o in qs]


def _plain(d: dict) -> dict:
    return {
        k: (v if isinstance(v, str | int | float | bool | type(None) | list | dict) else str(v)) for k, v in d.items()
    }


def _explanations(predictions) -> list[dict]:
    out = []
    for p in predictions.select_related("model"):
        m = p.model
        out.append({
            "model": f"{m.model_type} v{m.version}", "model_id": str(m.id), "as_of": str(p.as_of),
            "score": p.score, "band": p.band, "logit": p.logit, "intercept": p.intercept,
            "contributions": dict(zip(m.terms or [], p.contribution_list(m), strict=False)),
        })  # fmt: skip
    return out


def _trained_on(subject: Subject) -> list[dict]:
    """Model versions whose training data may include the person (trained after their record existed)."""
    from predictions.models import TrainedModel

    out = []
    for person, kind in ((subject.technician, "retention"), (subject.candidate, "quality_of_hire")):
        if person is None:
            continue
        for m in TrainedModel.objects.filter(model_type=kind, created_at__gte=person.created_at).order_by("version"):
            out.append({"id": str(m.id), "model_type": m.model_type, "version": m.version, "status": m.status,
                        "artifact": m.artifact_path})  # fmt: skip
    return out


def _related(subject: Subject) -> dict[str, Any]:
    """Querysets of everything held about the person."""
    from assistant.models import Message, TechnicianEmbedding, ToolCall
    from predictions.models import Prediction
    from technicians.models import CandidateEvent, TechnicianEvent, TechnicianSnapshot

    tech, cand, tokens = subject.technician, subject.candidate, subject.tokens
    return {
        "snapshots": TechnicianSnapshot.objects.filter(technician=tech) if tech else TechnicianSnapshot.objects.none(),
        "technician_predictions": Prediction.objects.filter(technician=tech) if tech else Prediction.objects.none(),
        "candidate_predictions": Prediction.objects.filter(candidate=cand) if cand else Prediction.objects.none(),
        "embeddings": TechnicianEmbedding.objects.filter(technician=tech) if tech else TechnicianEmbedding.objects.none(),
        "messages": _text_mentions(Message.objects.all(), ("content", "tools_used"), tokens),
        "tool_calls": _text_mentions(ToolCall.objects.all(), ("arguments",), tokens),
        "audit": AuditEvent.objects.filter(subjects__overlap=subject.keys),
        "technician_history": TechnicianEvent.objects.filter(pgh_obj_id=tech.pk) if tech else TechnicianEvent.objects.none(),
        "candidate_history": CandidateEvent.objects.filter(pgh_obj_id=cand.pk) if cand else CandidateEvent.objects.none(),
    }  # fmt: skip


def _text_mentions(qs, fields: tuple[str, ...], tokens: list[str]):
    """Rows where any of ``fields`` (text or JSON, read as text) contains any token, case-insensitively."""
    from django.db.models import Q, TextField
    from django.db.models.functions import Cast

    qs = qs.annotate(**{f"_t_{f}": Cast(f, TextField()) for f in fields})
    q = Q(pk__in=[])
    for f in fields:
        for t in tokens:
            q |= Q(**{f"_t_{f}__icontains": t})
    return qs.filter(q)


def subject_export(*, subject_id: str, user=None) -> dict[str, Any]:
    """Everything the system holds about the person, as one JSON-ready document (and an audit row)."""
    s = subject_find(subject_id=subject_id)
    rel = _related(s)
    doc = {
        "subject": subject_id,
        "technician": _plain(model_to_dict(s.technician)) | {"id": str(s.technician.pk)} if s.technician else None,
        "candidate": _plain(model_to_dict(s.candidate)) | {"id": str(s.candidate.pk)} if s.candidate else None,
        "snapshots": _rows(rel["snapshots"].order_by("month")),
        "scores": _explanations(rel["technician_predictions"]) + _explanations(rel["candidate_predictions"]),
        "embeddings": [
            {"technician": str(e.technician_id), "dimensions": len(e.embedding), "updated_at": str(e.updated_at)}
            for e in rel["embeddings"]
        ],
        "assistant_messages": [
            {
                "conversation": str(m.conversation_id),
                "role": m.role,
                "created_at": str(m.created_at),
                "content": m.content,
            }
            for m in rel["messages"]
        ],  # fmt: skip
        "assistant_tool_calls": [
            {"name": t.name, "arguments": t.arguments, "created_at": str(t.created_at)} for t in rel["tool_calls"]
        ],
        "audit": [
            {
                "at": str(a.at),
                "actor": a.actor_name,
                "action": a.action,
                "object_type": a.object_type,
                "object_id": a.object_id,
                "via": a.via,
            }
            for a in rel["audit"].order_by("at")
        ],  # fmt: skip
        "change_history": [
            {"at": str(e.pgh_created_at), "label": e.pgh_label}
            for e in [*rel["technician_history"], *rel["candidate_history"]]
        ],
        "models_trained_on_subject": _trained_on(s),
    }
    audit_record(user=user, action=AuditAction.SUBJECT_EXPORT, object_type="subject", subjects=s.keys,
                 via="command" if user is None else "admin")  # fmt: skip
    return doc


def _scrub(text: str, tokens: list[str]) -> str:
    for t in tokens:
        text = re.sub(re.escape(t), ERASED, text, flags=re.IGNORECASE)
    return text


def _scrub_json(data: Any, tokens: list[str]) -> Any:
    if isinstance(data, str):
        return _scrub(data, tokens)
    if isinstance(data, dict):
        return {_scrub(str(k), tokens): _scrub_json(v, tokens) for k, v in data.items()}
    if isinstance(data, list):
        return [_scrub_json(v, tokens) for v in data]
    return data


def _redis_client():
    import redis

    return redis.Redis.from_url(settings.REDIS_URL, socket_timeout=5)


def _redis_erase(tokens: list[str], conversation_ids: list[str], dry_run: bool) -> int:
    """Delete Redis keys naming the person (in the key or the stored value) and their chat contexts."""
    r = _redis_client()
    needles = [t.lower().encode() for t in tokens]
    doomed = set()
    for key in r.scan_iter(count=500):
        low = key.lower()
        if any(n in low for n in needles) or any(c.encode() in key for c in conversation_ids):
            doomed.add(key)
            continue
        if r.type(key) == b"string":
            value = (r.get(key) or b"").lower()
            if any(n in value for n in needles):
                doomed.add(key)
    if doomed and not dry_run:
        r.delete(*doomed)
    return len(doomed)


def subject_erase(*, subject_id: str, user=None, dry_run: bool = False) -> dict[str, Any]:
    """Erase / anonymise everything about the person in one transaction. ``dry_run`` only reports."""
    import pgtrigger

    from technicians.models import Candidate, Technician

    s = subject_find(subject_id=subject_id)
    with pgtrigger.ignore(*APPEND_ONLY_TRIGGERS), transaction.atomic():
        rel = _related(s)
        counts = {name: qs.count() for name, qs in rel.items()}
        conversation_ids = sorted({str(c) for c in rel["messages"].values_list("conversation_id", flat=True)})
        report = {
            "subject": subject_id, "dry_run": dry_run, "will_remove" if dry_run else "removed": counts,
            "records": {"technician": bool(s.technician), "candidate": bool(s.candidate)},
            "models_trained_on_subject": _trained_on(s),
            "remedy": "Retrain and promote new model versions to drop the person from the models listed.",
        }  # fmt: skip
        if dry_run:
            report["redis_keys"] = _redis_erase(s.tokens, conversation_ids, dry_run=True)
            transaction.set_rollback(True)
            return report
        for m in rel["messages"]:
            m.content = _scrub(m.content, s.tokens)
            m.tools_used = _scrub_json(m.tools_used, s.tokens)
            m.save(update_fields=["content", "tools_used"])
        for t in rel["tool_calls"]:
            t.arguments = _scrub_json(t.arguments, s.tokens)
            t.save(update_fields=["arguments"])
        for name in ("snapshots", "technician_predictions", "candidate_predictions", "embeddings"):
            rel[name].delete()
        for a in rel["audit"]:  # audit rows about the person: the person is removed, the row stays
            a.subjects = [k for k in a.subjects if k not in s.keys]
            a.object_id = _scrub(a.object_id, s.tokens)
            a.detail = _scrub_json(a.detail, s.tokens)
            a.save(update_fields=["subjects", "object_id", "detail"])
        token = uuid.uuid4().hex[:10]
        # Anonymous replacements under NEW primary keys (the old UUIDs left the system through the API, so
        # keeping them would let a copy be re-linked); the originals are deleted. Headcount history
        # (district, trade, hire/termination dates) stays whole for forecasts.
        new_tech = None
        if s.technician:
            new_tech = _anonymous_copy(s.technician, employee_id=f"ERASED-{token}", pay_rate=None,
                                       performance_rating=None, termination_reason="")  # fmt: skip
        if s.candidate:
            new_cand = _anonymous_copy(s.candidate, candidate_id=f"ERASED-C{token}", offered_pay_rate=None,
                                       hired_technician=new_tech)  # fmt: skip
            s.candidate.hired_technician = None
            s.candidate.save(update_fields=["hired_technician"])
            Candidate.objects.filter(pk=s.candidate.pk).delete()
            assert new_cand.pk != s.candidate.pk
        if s.technician:
            Technician.objects.filter(pk=s.technician.pk).delete()
        # the change history (including the events the anonymising updates just wrote)
        _related(s)["technician_history"].delete()
        _related(s)["candidate_history"].delete()
        _scrub_history_context(s.tokens)
        counts["other_columns"] = _sweep(s.tokens)
        audit_record(user=user, action=AuditAction.ERASE, object_type="subject", object_id=token,
                     via="command" if user is None else "admin", detail={"counts": counts})  # fmt: skip
        # Redis holds only caches (rebuilt from the database), so deleting them before the commit is safe
        # even if the transaction then rolls back; again after the commit for anything cached meanwhile.
        report["redis_keys"] = _redis_erase(s.tokens, conversation_ids, dry_run=False)
        transaction.on_commit(lambda: _redis_erase(s.tokens, conversation_ids, dry_run=False))
    return report


def _anonymous_copy(obj, **changes):
    """A copy of ``obj`` with a new primary key and no identifying fields."""
    data = {f.attname: getattr(obj, f.attname) for f in obj._meta.concrete_fields if not f.primary_key}
    data.update(first_name="Erased", last_name="Person", email="", notes="", attributes={})
    data.pop("hired_technician_id", None)
    data.pop("created_at", None)
    data.pop("updated_at", None)
    data.update(changes)
    copy = type(obj)(**data)
    copy.pk = uuid.uuid4()
    copy.save(force_insert=True)
    return copy


def _scrub_history_context(tokens: list[str]) -> None:
    """pghistory context rows (user, url) may carry a person's id in a URL: remove it."""
    with connection.cursor() as cur:
        for t in tokens:
            cur.execute(
                "UPDATE pghistory_context SET metadata = regexp_replace(metadata::text, %s, %s, 'gi')::jsonb "
                "WHERE metadata::text ILIKE %s",
                [re.escape(t), ERASED, f"%{t}%"],
            )


_SKIP_TABLES = {"django_migrations", "auth_permission", "django_content_type", "django_session"}


def _sweep(tokens: list[str]) -> int:
    """Last pass: any text/JSON column of any table still naming the person is anonymised in place.

    Driven by information_schema, so tables added later (by any app) are covered without a list.
    """
    if not tokens:
        return 0
    changed = 0
    with connection.cursor() as cur:
        cur.execute(
            "SELECT table_name, column_name, data_type FROM information_schema.columns "
            "WHERE table_schema = current_schema() AND data_type IN ('text', 'character varying', 'json', 'jsonb')"
        )
        columns = [row for row in cur.fetchall() if row[0] not in _SKIP_TABLES]
        pattern = "|".join(re.escape(t) for t in tokens)
        for table, column, kind in columns:
            col = connection.ops.quote_name(column)
            as_text = f"{col}::text" if kind in ("json", "jsonb") else col
            replaced = f"regexp_replace({as_text}, %s, %s, 'gi')"
            if kind in ("json", "jsonb"):
                replaced = f"({replaced})::{kind}"
            cur.execute(
                f"UPDATE {connection.ops.quote_name(table)} SET {col} = {replaced} WHERE {as_text} ~* %s",  # noqa: S608
                [pattern, ERASED, pattern],
            )
            changed += cur.rowcount
    return changed
