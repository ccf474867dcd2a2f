"""The audit log: rows for views, exports, changes, training and tool calls; same transaction as the change;
append-only; HR-only in the admin (filter, CSV export)."""

from __future__ import annotations

import pytest
from django.db import DatabaseError, transaction

from core.models import AuditAction, AuditEvent


@pytest.fixture
def tech(db):
    from tests.factories import TechnicianFactory

    return TechnicianFactory(employee_id="E5150", first_name="Ada", last_name="Lovel")


def test_views_exports_and_tool_calls_are_recorded(tech, recruiter, client, api_key_for):
    from assistant.models import Message
    from assistant.services import conversation_create, tool_call_record
    from assistant.tool_runner import run_tool

    key = api_key_for(recruiter)
    assert client.get("/api/v1/technicians/E5150", HTTP_AUTHORIZATION=f"Bearer {key}").status_code == 200
    view = AuditEvent.objects.get(action=AuditAction.VIEW)
    assert (view.actor, view.subjects, view.via, view.object_type) == (recruiter, ["E5150"], "api", "technician")

    client.force_login(recruiter)
    assert client.get("/technicians/export.csv").status_code == 200
    export = AuditEvent.objects.get(action=AuditAction.EXPORT)
    assert export.subjects == ["E5150"] and export.object_type == "technicians"

    msg = Message.objects.create(conversation=conversation_create(user=recruiter), role="assistant")
    outcome = run_tool(user=recruiter, name="query_technicians", arguments={"search": "Lovel"})
    tool_call_record(message_id=msg.pk, user=recruiter, call_id="c1", outcome=outcome)
    call = AuditEvent.objects.get(action=AuditAction.TOOL_CALL)
    assert call.object_id == "query_technicians" and call.via == "assistant" and call.actor == recruiter


def test_an_unauthorised_view_is_not_recorded_as_a_view(tech, client, api_key_for):
    from tests.factories import make_user

    nobody = make_user("nobody", None)
    key = api_key_for(nobody)
    before = AuditEvent.objects.count()  # rows committed by earlier live-server/worker tests may exist
    r = client.get("/api/v1/technicians/E5150", HTTP_AUTHORIZATION=f"Bearer {key}")
    assert r.status_code == 403 and AuditEvent.objects.count() == before


def test_audit_rows_and_change_history_roll_back_with_a_failed_change(tech, hr_admin, monkeypatch):
    import core.queueing
    from predictions import services
    from predictions.models import TrainedModel
    from technicians.models import TechnicianEvent

    monkeypatch.setattr(core.queueing, "enqueue_on_commit", lambda *a, **k: None)
    before = TechnicianEvent.objects.filter(pgh_obj_id=tech.pk).count()
    audit_before = AuditEvent.objects.count()
    with pytest.raises(RuntimeError), transaction.atomic():
        services.model_train(model_type="retention", requested_by=hr_admin)
        tech.notes = "changed"
        tech.save()
        assert AuditEvent.objects.filter(action=AuditAction.TRAIN, actor=hr_admin).exists()
        raise RuntimeError("the change fails after the audit rows were written")
    assert AuditEvent.objects.count() == audit_before and not TrainedModel.objects.exists()
    assert TechnicianEvent.objects.filter(pgh_obj_id=tech.pk).count() == before
    services.model_train(model_type="retention", requested_by=hr_admin)
    assert AuditEvent.objects.filter(action=AuditAction.TRAIN, actor=hr_admin).count() == 1


def test_change_history_keeps_before_and_after(tech):
    from core.audit import change_history

    tech.last_name = "Lovelace"
    tech.save()
    diffs = [e["diff"] for e in change_history(obj=tech) if e["diff"]]
    assert {"last_name": ["Lovel", "Lovelace"]}.items() <= diffs[-1].items()


def test_the_log_is_append_only_in_the_database(tech, recruiter):
    from core.audit import audit_record

    row = audit_record(user=recruiter, action=AuditAction.VIEW, subjects=["E5150"])
    for attempt in (lambda: AuditEvent.objects.filter(pk=row.pk).update(action="export"),
                    lambda: AuditEvent.objects.filter(pk=row.pk).delete()):  # fmt: skip
        with pytest.raises(DatabaseError, match="Cannot update or delete"), transaction.atomic():
            attempt()


def test_hr_reads_filters_and_exports_the_log_recruiters_cannot(tech, hr_admin, recruiter, client):
    from core.audit import audit_record

    row = audit_record(user=recruiter, action=AuditAction.VIEW, object_type="technician", subjects=["E5150"])
    recruiter.is_staff = True  # even a staff recruiter (admin access) may not read the log
    recruiter.save()
    client.force_login(recruiter)
    assert client.get("/admin/core/auditevent/").status_code == 403
    assert client.get("/admin/pghistory/events/").status_code == 403
    client.force_login(hr_admin)
    page = client.get("/admin/core/auditevent/?q=E5150&action__exact=view")
    assert page.status_code == 200 and "E5150" in page.content.decode()
    r = client.post("/admin/core/auditevent/", {"action": "export_csv", "_selected_action": [row.pk]})
    body = r.content.decode()
    assert r["Content-Type"].startswith("text/csv") and "rec,view,technician" in body and "E5150" in body
    assert client.post(f"/admin/core/auditevent/{row.pk}/delete/", {"post": "yes"}).status_code == 403
    assert AuditEvent.objects.filter(pk=row.pk).exists()
