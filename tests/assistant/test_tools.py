"""Tools: validation errors go back to the model, results are compact JSON, visibility applies."""

import json

import pytest

from assistant import tool_runner, tools
from assistant.tool_runner import run_tool, tool_specs
from assistant.tool_schemas import Args, Tool


def test_every_tool_has_an_object_json_schema():
    specs = tool_specs()
    names = [s["function"]["name"] for s in specs]
    assert len(names) == len(set(names)) >= 12
    for s in specs:
        params = s["function"]["parameters"]
        assert params["type"] == "object" and params.get("additionalProperties") is False


@pytest.mark.parametrize(
    "arguments,needle",
    [
        ('{"district": "Dallas", "limit": ', "not valid JSON"),
        ('["Dallas"]', "must be a JSON object"),
        ('{"limit": 5000}', "limit"),
        ('{"trade": "astronaut"}', "trade"),
        ('{"fields": ["pay_rate"]}', "fields"),
    ],
)
def test_malformed_arguments_return_validation_error_not_crash(world, recruiter, arguments, needle):
    out = run_tool(user=recruiter, name="query_technicians", arguments=arguments)
    assert not out.ok
    assert "error" in out.result
    assert needle in out.content


def test_unknown_district_is_a_clear_error_listing_known_ones(world, recruiter):
    out = run_tool(user=recruiter, name="query_technicians", arguments={"district": "Atlantis"})
    assert not out.ok and "Unknown district 'Atlantis'" in out.result["error"] and "Dallas" in out.result["error"]


def test_unknown_tool_is_reported(recruiter):
    out = run_tool(user=recruiter, name="drop_tables", arguments="{}")
    assert not out.ok and "Unknown tool" in out.result["error"]


def test_query_technicians_counts_groups_and_averages(world, recruiter):
    out = run_tool(
        user=recruiter, name="query_technicians", arguments={"region": "Region West", "group_by": "district"}
    )
    assert out.ok
    assert out.result["count"] == 6
    assert out.result["groups"] == {"Dallas": 3, "Phoenix": 3}
    assert out.result["latest_month"] == "2024-02-01"
    assert out.result["averages_latest_month"]["avg_overtime_hours"] == pytest.approx(
        (14 + 2 + 9 + 3 + 4 + 12) / 6, abs=0.01
    )
    assert out.label == "looked up: technicians, Region West"


def test_missing_dependency_returns_not_available_message(recruiter, monkeypatch):
    def boom(*, user, args):
        tools.app_attr("predictions.nonexistent_module_xyz", "risk_ranking")

    monkeypatch.setitem(
        tools.TOOLS,
        "risk_ranking",
        Tool("risk_ranking", "risk ranking", "x", tools.RiskRankingArgs, boom, "core.view_predictions"),
    )
    out = run_tool(user=recruiter, name="risk_ranking", arguments={})
    assert not out.ok and out.result["error"].startswith("not available yet")


class _LeakArgs(Args):
    pass


def _leaky(*, user, args):
    return {"rows": [{"employee_id": "E1", "pay_rate": 31.5, "detail": {"performance_rating": 4.5, "csat": 4.8}}]}


def test_safety_net_strips_pay_for_recruiter_but_not_hr(recruiter, hr_admin, monkeypatch):
    monkeypatch.setitem(tools.TOOLS, "leaky", Tool("leaky", "leaky", "x", _LeakArgs, _leaky, "core.view_technicians"))
    rec = run_tool(user=recruiter, name="leaky", arguments="{}")
    hr = run_tool(user=hr_admin, name="leaky", arguments="{}")
    assert "pay" not in rec.content and "performance" not in rec.content and "csat" in rec.content
    assert json.loads(hr.content)["rows"][0]["pay_rate"] == 31.5


def test_huge_results_are_truncated_to_valid_json(settings):
    settings.ASSISTANT_MAX_TOOL_RESULT_CHARS = 500
    text = tool_runner.compact_json(
        {"count": 1000, "items": [{"employee_id": f"E{i}", "name": "x" * 20} for i in range(1000)]}
    )
    data = json.loads(text)
    assert len(text) <= 500 and data["truncated"] and data["count"] == 1000 and data["items"]


def test_every_tool_declares_a_permission_and_undeclared_tools_are_refused(hr_admin, monkeypatch):
    assert all(t.permission for t in tools.TOOLS.values())
    monkeypatch.setitem(tools.TOOLS, "leaky", Tool("leaky", "leaky", "x", _LeakArgs, _leaky))  # no permission
    out = run_tool(user=hr_admin, name="leaky", arguments="{}")
    assert not out.ok and "no access" in out.result["error"]


def test_a_user_without_a_role_gets_a_refusal_from_every_tool(db):
    from tests.factories import make_user

    nobody = make_user("nobody", None)
    for name in tools.TOOLS:
        out = run_tool(user=nobody, name=name, arguments="{}")
        assert not out.ok and "no access" in out.result["error"], name
