"""Data-subject export then erase of a seeded technician: afterwards no table, vector or Redis key names them."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal

import pytest
from django.core.cache import cache
from django.core.management import call_command
from django.db import connection

from core.models import AuditAction, AuditEvent

EMP, NAME, EMAIL, CAND = "E918273", "Quillon Vantwerp", "q.vantwerp@example.org", "C918273"


@pytest.fixture
def person(db, hr_admin, recruiter, client, api_key_for):
    from assistant.models import Message, TechnicianEmbedding, ToolCall
    from assistant.services import conversation_create
    from predictions.models import Prediction, TrainedModel
    from tests.factories import CandidateFactory, SnapshotFactory, TechnicianFactory

    tech = TechnicianFactory(employee_id=EMP, first_name="Quillon", last_name="Vantwerp", email=EMAIL,
                             pay_rate=Decimal("40.10"), notes="Spoke with Quillon Vantwerp about overtime")  # fmt: skip
    other = TechnicianFactory(employee_id="E000111", first_name="Other", last_name="Person")
    SnapshotFactory(technician=tech, month=date(2024, 1, 1))
    CandidateFactory(candidate_id=CAND, first_name="Quillon", last_name="Vantwerp", email=EMAIL, hired_technician=tech)
    model = TrainedModel.objects.create(model_type="retention", version=1, status="ready", terms=["a"], features=["a"])
    Prediction.objects.create(model=model, technician=tech, as_of=date(2024, 2, 1), score=0.4, band="medium",
                              logit=-0.4, intercept=-1.0, contributions=b"\0" * 8, feature_values=b"\0" * 8)  # fmt: skip
    TechnicianEmbedding.objects.create(technician=tech, embedding=[0.1] * 1536)
    conv = conversation_create(user=recruiter, title="risk questions")
    msg = Message.objects.create(conversation=conv, role="user", content=f"Why might {NAME} ({EMP}) leave?")
    Message.objects.create(conversation=conv, role="assistant", content=f"{NAME} has high overtime.",
                           tools_used=[f"looked up: technician risk, {EMP}"])  # fmt: skip
    ToolCall.objects.create(message=msg, user=recruiter, call_id="c1", name="technician_risk",
                            arguments={"employee_id": EMP})  # fmt: skip
    cache.set(f"assistant:ctx:{conv.pk}", [{"role": "user", "content": f"about {NAME}"}], 600)
    cache.set("some:cached:page", {"rows": [EMP, "E000111"]}, 600)
    # a view (audit row) and a change (pghistory event) through real entry points
    headers = {"HTTP_AUTHORIZATION": f"Bearer {api_key_for(hr_admin)}"}
    assert client.get(f"/api/v1/technicians/{EMP}", **headers).status_code == 200
    client.force_login(hr_admin)
    r = client.post(f"/admin/technicians/technician/{tech.pk}/change/", {})  # opens the form (no save): fine
    assert r.status_code in (200, 302)
    tech.notes = f"{tech.notes} (updated)"
    tech.save()
    return {"tech": tech, "other": other}


def _db_hits(needles: list[str]) -> list[str]:
    hits = []
    with connection.cursor() as cur:
        cur.execute(
            "SELECT table_name, column_name FROM information_schema.columns WHERE table_schema = current_schema() "
            "AND data_type IN ('text', 'character varying', 'json', 'jsonb', 'uuid', 'ARRAY')"
        )
        for table, column in cur.fetchall():
            for n in needles:
                cur.execute(f'SELECT count(*) FROM "{table}" WHERE "{column}"::text ILIKE %s', [f"%{n}%"])  # noqa: S608
                if cur.fetchone()[0]:
                    hits.append(f"{table}.{column} ~ {n}")
    return hits


def _redis_hits(needles: list[str]) -> list[str]:
    from core.subjects import _redis_client

    r, hits = _redis_client(), []
    for key in r.scan_iter(count=500):
        blob = key + (r.get(key) or b"" if r.type(key) == b"string" else b"")
        hits += [f"{key!r} ~ {n}" for n in needles if n.lower().encode() in blob.lower()]
    return hits


def test_export_then_erase_leaves_no_trace(person, capsys):
    tech = person["tech"]
    needles = [EMP, NAME, "Vantwerp", EMAIL, CAND, str(tech.pk)]
    call_command("subject_export", EMP)
    doc = json.loads(capsys.readouterr().out)
    assert doc["technician"]["employee_id"] == EMP and doc["candidate"]["candidate_id"] == CAND
    assert len(doc["snapshots"]) == 1 and doc["scores"][0]["model"] == "retention v1"
    assert doc["embeddings"][0]["dimensions"] == 1536
    assert len(doc["assistant_messages"]) == 2 and doc["assistant_tool_calls"][0]["arguments"]["employee_id"] == EMP
    assert any(a["action"] == "view" for a in doc["audit"]) and doc["change_history"]
    assert doc["models_trained_on_subject"][0]["version"] == 1
    assert _db_hits(needles) and _redis_hits(needles)  # the search below can find them

    call_command("subject_erase", EMP, "--dry-run")
    dry = json.loads(capsys.readouterr().out)
    assert dry["will_remove"]["snapshots"] == 1 and dry["redis_keys"] >= 2
    assert _db_hits([EMP])  # a dry run changes nothing

    call_command("subject_erase", EMP)
    report = json.loads(capsys.readouterr().out.split("\nModels trained")[0])
    assert report["removed"]["technician_predictions"] == 1
    assert _db_hits(needles) == []
    assert _redis_hits(needles) == []
    erasure = AuditEvent.objects.get(action=AuditAction.ERASE)
    assert erasure.subjects == [] and EMP not in json.dumps(erasure.detail)
    # other people are untouched
    person["other"].refresh_from_db()
    assert person["other"].first_name == "Other" and cache.get("some:cached:page") is None  # it named the person


def test_erase_is_one_transaction(person, monkeypatch):
    from core import subjects

    def boom(tokens):
        raise RuntimeError("disk full")

    monkeypatch.setattr(subjects, "_sweep", boom)
    with pytest.raises(RuntimeError):
        subjects.subject_erase(subject_id=EMP)
    assert _db_hits([EMP]) and not AuditEvent.objects.filter(action=AuditAction.ERASE).exists()


def test_unknown_subject_is_a_clear_error(db):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="No technician or candidate"):
        call_command("subject_export", "NOPE-1")
