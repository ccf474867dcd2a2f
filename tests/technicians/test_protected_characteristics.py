"""Self-reported sex and race/ethnicity: HR only at every entry point, importable, never a feature source."""

import json

import pytest

from assistant import tools
from assistant.tool_runner import run_tool
from assistant.tool_schemas import Tool
from ingest.mapping import target_fields, validate_mapping
from technicians.exports import export_columns, export_csv
from technicians.importers import csv_import
from technicians.models import Candidate, Technician
from technicians.visibility import is_protected_name, is_sensitive_name

pytestmark = pytest.mark.django_db

PROTECTED = {"sex", "race_ethnicity", "gender", "ethnic_group"}


def _keys(obj) -> set[str]:
    if isinstance(obj, dict):
        return set(obj) | {k for v in obj.values() for k in _keys(v)}
    if isinstance(obj, list):
        return {k for v in obj for k in _keys(v)}
    return set()


@pytest.fixture
def marked(people):
    """Alice is recorded as female / Native Hawaiian or Pacific Islander (a value found nowhere else)."""
    alice = people["alice"]
    alice.sex, alice.race_ethnicity = "female", "native_hawaiian_pacific"
    alice.attributes = {**alice.attributes, "gender": "F", "ethnic_group": "pacific"}
    alice.save()
    Candidate.objects.filter(candidate_id="C501").update(sex="female", race_ethnicity="native_hawaiian_pacific")
    return people


def test_names_of_protected_characteristics_are_recognised():
    for name in ("sex", "race_ethnicity", "Gender", "attributes.ethnicGroup", "self_id_race", "sex_at_hire"):
        assert is_protected_name(name) and is_sensitive_name(name), name
    for name in ("commute_miles", "van_age_years", "trace_id", "essex_depot", "source"):
        assert not is_protected_name(name), name


@pytest.mark.parametrize(
    "path", ["technicians", "technicians/E100", "candidates", "candidates/C500", "candidates/C501"]
)
def test_api_recruiter_never_receives_protected_characteristics(client, marked, api_user, api_key_for, path):
    r = client.get(f"/api/v1/{path}", HTTP_AUTHORIZATION=f"Bearer {api_key_for(api_user)}")
    assert r.status_code == 200
    assert not (_keys(r.json()) & PROTECTED)
    assert "native_hawaiian_pacific" not in r.content.decode()


def test_api_hr_receives_them(client, marked, hr_admin, api_key_for):
    key = api_key_for(hr_admin)
    alice = client.get("/api/v1/technicians/E100", HTTP_AUTHORIZATION=f"Bearer {key}").json()
    assert (alice["sex"], alice["race_ethnicity"]) == ("female", "native_hawaiian_pacific")
    assert alice["attributes"]["gender"] == "F"
    cand = client.get("/api/v1/candidates/C501", HTTP_AUTHORIZATION=f"Bearer {key}").json()
    assert cand["race_ethnicity"] == "native_hawaiian_pacific"


def test_pages_show_them_to_hr_only(client, marked, recruiter, hr_admin):
    client.force_login(recruiter)
    page = client.get("/technicians/E100/").content.decode()
    assert "Alice" in page and "Pacific Islander" not in page and "self-reported" not in page.lower()
    client.force_login(hr_admin)
    page = client.get("/technicians/E100/").content.decode()
    assert "Native Hawaiian or Other Pacific Islander" in page


@pytest.mark.parametrize("kind", ["technicians", "candidates"])
def test_exports_carry_them_for_hr_only(marked, recruiter, hr_admin, kind):
    assert not set(export_columns(user=recruiter, kind=kind)) & PROTECTED
    assert "native_hawaiian_pacific" not in export_csv(user=recruiter, kind=kind)
    assert {"sex", "race_ethnicity"} <= set(export_columns(user=hr_admin, kind=kind))
    assert "native_hawaiian_pacific" in export_csv(user=hr_admin, kind=kind)


def _leaky(*, user, args):
    return {
        "rows": [{"employee_id": "E100", "sex": "female", "race_ethnicity": "asian", "attributes": {"gender": "F"}}]
    }


def test_assistant_tools_never_hand_them_to_a_recruiter(marked, recruiter, hr_admin, monkeypatch):
    monkeypatch.setitem(tools.TOOLS, "leaky", Tool("leaky", "leaky", "x", tools.Args, _leaky, "core.view_technicians"))
    rec = run_tool(user=recruiter, name="leaky", arguments="{}")
    assert rec.ok and not (_keys(rec.result) & PROTECTED)
    hr = run_tool(user=hr_admin, name="leaky", arguments="{}")
    assert hr.result["rows"][0]["sex"] == "female"
    real = run_tool(user=recruiter, name="query_technicians", arguments={"district": "dal"})
    assert "native_hawaiian_pacific" not in json.dumps(real.result, default=str)


def test_csv_import_accepts_common_spellings_and_defaults_to_not_disclosed(districts):
    data = (
        "employee_id,first_name,last_name,district,trade,hire_date,gender,race\n"
        "P1,Ann,A,phx,hvac,2024-01-02,F,Hispanic\n"
        "P2,Ben,B,phx,hvac,2024-01-02,Male,Black or African American\n"
        "P3,Cy,C,phx,hvac,2024-01-02,Prefer not to say,\n"
    )
    res = csv_import(kind="technicians", data=data)
    assert res.ok, res.rejected
    got = dict(Technician.objects.values_list("employee_id", "sex"))
    assert got == {"P1": "female", "P2": "male", "P3": "not_disclosed"}
    races = dict(Technician.objects.values_list("employee_id", "race_ethnicity"))
    assert races == {"P1": "hispanic_latino", "P2": "black", "P3": "not_disclosed"}


def test_csv_import_rejects_unknown_value_without_echoing_it(districts):
    data = "candidate_id,first_name,last_name,district,trade,source,applied_date,sex\nX1,A,B,phx,hvac,referral,2024-01-02,zzqq\n"
    res = csv_import(kind="candidates", data=data)
    assert not res.ok and res.rejected[0].column == "sex"
    assert "zzqq" not in res.rejected[0].reason and "not_disclosed" in res.rejected[0].reason
    assert not Candidate.objects.exists()


@pytest.mark.parametrize("kind", ["technicians", "candidates"])
def test_snowflake_mappings_can_target_them(kind):
    assert {"sex", "race_ethnicity"} <= set(target_fields(kind))
    key = "EMP_ID" if kind == "technicians" else "CAND_ID"
    column_map = {
        key: "employee_id" if kind == "technicians" else "candidate_id",
        "GENDER": "sex",
        "RACE": "race_ethnicity",
    }
    problems = validate_mapping(kind=kind, column_map=column_map, key_columns=[key])
    assert not [p for p in problems if "sex" in p.message or "race" in p.message]
