"""The risk worklist: every column sorts, filters combine, changes are all-or-nothing and leave a history, the
export follows the sort and the visibility rule, and only the roles that work the list can."""

from __future__ import annotations

import csv
import io
import json

import pytest

from worklist import selectors, services
from worklist.models import Case, CaseAction, Enrolment


def _ids(rows):
    return [r["employee_id"] for r in rows["items"]]


def test_every_column_sorts_both_ways(scored, recruiter):
    f = selectors.WorklistFilters
    assert _ids(selectors.worklist(user=recruiter, filters=f(sort="-score"))) == ["E3", "E1", "E5", "E2", "E4"]
    assert _ids(selectors.worklist(user=recruiter, filters=f(sort="name"))) == ["E1", "E2", "E3", "E4", "E5"]
    assert _ids(selectors.worklist(user=recruiter, filters=f(sort="-name")))[0] == "E5"
    for key in selectors.SORTS:  # every column answers in both directions, same people
        for sort in (key, f"-{key}"):
            assert sorted(_ids(selectors.worklist(user=recruiter, filters=f(sort=sort)))) == [
                "E1",
                "E2",
                "E3",
                "E4",
                "E5",
            ]
    with pytest.raises(ValueError, match="sort must be one of"):
        selectors.worklist(user=recruiter, filters=f(sort="pay_rate"))


def test_status_owner_note_and_history(scored, recruiter, recruiter_client, hr_admin):
    services.case_update(user=recruiter, employee_id="E1", status="contacted", owner="rec", note="Called, will meet")
    services.case_update(user=hr_admin, employee_id="E1", status="action_agreed", note="Overtime capped at 8 h")
    services.watch_set(user=recruiter, employee_ids=["E1", "E3"], watched=True)
    f = selectors.WorklistFilters
    assert _ids(selectors.worklist(user=recruiter, filters=f(status="action_agreed"))) == ["E1"]
    assert _ids(selectors.worklist(user=recruiter, filters=f(owner="me"))) == ["E1"]
    assert _ids(selectors.worklist(user=recruiter, filters=f(watched=True))) == ["E3", "E1"]
    assert _ids(selectors.worklist(user=hr_admin, filters=f(watched=True))) == []  # a watchlist is per manager
    # status sorts in workflow order (new < contacted < action agreed < closed), not alphabetically
    assert _ids(selectors.worklist(user=recruiter, filters=f(sort="-status")))[0] == "E1"

    page = recruiter_client.get("/worklist/technicians/E1/").content.decode()
    assert "Action agreed" in page and "Overtime capped at 8 h" in page and "Called, will meet" in page
    kinds = list(CaseAction.objects.filter(technician__employee_id="E1").values_list("kind", flat=True))
    assert sorted(kinds) == ["owner", "status", "status", "watch"]

    # bad input changes nothing and says which field
    before = CaseAction.objects.count()
    r = recruiter_client.post("/api/v1/worklist/technicians/E1", {"status": "done"}, content_type="application/json")
    assert r.status_code == 422 and "status" in r.json()["detail"]
    r = recruiter_client.post(
        "/api/v1/worklist/technicians/E1", {"owner": "nobody-here"}, content_type="application/json"
    )
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "owner"
    assert CaseAction.objects.count() == before and Case.objects.get().status == "action_agreed"


def test_bulk_enrol_is_all_or_nothing_and_never_duplicates(scored, recruiter_client):
    pid = scored["program"].pk
    r = recruiter_client.post("/api/v1/worklist/enrol", {"employee_ids": ["E1", "NOPE"], "program_id": pid},
                              content_type="application/json")  # fmt: skip
    assert r.status_code == 422 and "NOPE" in r.json()["detail"]
    assert not Enrolment.objects.exists()
    r = recruiter_client.post("/worklist/bulk", {"action": "enrol", "program": pid, "employee_ids": ["E1", "E5"]})
    assert r.status_code == 302 and Enrolment.objects.count() == 2
    r = recruiter_client.post("/api/v1/worklist/enrol", {"employee_ids": ["E1", "E5", "E2"], "program_id": pid},
                              content_type="application/json")  # fmt: skip
    assert r.json() == {"program": "Overtime cap", "enrolled": 1, "already": 2}
    assert Enrolment.objects.count() == 3
    assert CaseAction.objects.filter(kind="enrol").count() == 3
    row = next(
        i
        for i in recruiter_client.get("/api/v1/worklist/?sort=employee_id").json()["items"]
        if i["employee_id"] == "E1"
    )
    assert row["programs"] == ["Overtime cap"]


def test_export_follows_sort_filters_and_visibility(scored, recruiter, recruiter_client, hr_admin):
    from django.test import Client

    hr_client = Client()
    hr_client.force_login(hr_admin)
    services.case_update(user=recruiter, employee_id="E2", status="contacted", note='=HYPERLINK("x")')
    r = recruiter_client.get("/worklist/export.csv?district=hou&sort=score")
    assert r.status_code == 200
    rows = list(csv.reader(io.StringIO(b"".join(r.streaming_content).decode("utf-8-sig"))))
    assert "pay_rate" not in rows[0] and rows[0][:2] == ["employee_id", "name"]
    assert [x[0] for x in rows[1:]] == ["E2", "E5", "E1"]  # Houston only, lowest risk first
    assert rows[1][rows[0].index("note")].startswith("'=")  # spreadsheet formulas neutralised
    # the page's reasons fold pay into one restricted line for recruiters; HR admins see it named
    rec = recruiter_client.get("/api/v1/worklist/?limit=5").json()["items"]
    assert all("pay_rate" not in {c["feature"] for c in i["top_contributions"]} for i in rec)
    hr = hr_client.get("/api/v1/worklist/?limit=5").json()["items"]
    assert any("pay_rate" in {c["feature"] for c in i["top_contributions"]} for i in hr)


def test_only_roles_that_work_the_list(scored, client, api_user, api_key_for):
    from tests.factories import make_user

    client.force_login(make_user("nobody", None))
    assert client.get("/worklist/").status_code == 403
    key = api_key_for(api_user)
    r = client.get("/api/v1/worklist/", HTTP_AUTHORIZATION=f"Bearer {key}")
    assert r.status_code == 403 and "work_risk_list" in json.loads(r.content)["detail"]


def test_assistant_tool_reads_the_same_worklist(scored, recruiter, api_user):
    from assistant.tool_runner import run_tool

    services.watch_set(user=recruiter, employee_ids=["E2", "E1"], watched=True)
    services.case_update(user=recruiter, employee_id="E1", status="contacted", owner="rec")
    out = run_tool(user=recruiter, name="worklist", arguments={"watched": True, "band": "high"})
    assert out.ok and out.result["count"] == 1
    row = out.result["items"][0]
    assert (row["employee_id"], row["status"], row["owner"], row["score"]) == ("E1", "contacted", "rec", 0.72)
    assert "Pay" not in " ".join(row["top_reasons"])  # restricted reasons stay folded for recruiters
    assert not run_tool(user=api_user, name="worklist", arguments={}).ok  # API consumers do not work the list


def test_offline_planner_answers_watchlist_questions(scored, recruiter):
    from assistant import planner
    from assistant.tool_runner import run_tool

    services.watch_set(user=recruiter, employee_ids=["E1", "E4"], watched=True)
    services.case_update(user=recruiter, employee_id="E1", status="contacted", owner="rec")
    p = planner.plan(text="Who on my watchlist is high-risk?")
    assert p.intent == "worklist"
    name, args = p.steps[0]([])
    answer = p.render([run_tool(user=recruiter, name=name, arguments=args)])
    assert answer.startswith("1 technician(s) high-risk on your watchlist")
    assert "Tech1 Adams (E1, hou) — 72% risk (high), status contacted, owner rec" in answer
