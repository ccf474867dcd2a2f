"""The technicians REST API: pagination bounds, filters, 404s and clear 4xx errors (never a 500)."""

import pytest
from django.test import override_settings

pytestmark = pytest.mark.django_db


@pytest.fixture
def api(client, hr_admin, api_key_for):
    key = api_key_for(hr_admin)

    def get(path, **params):
        return client.get(f"/api/v1/{path}", params, HTTP_AUTHORIZATION=f"Bearer {key}")

    return get


def test_list_returns_count_limit_offset_and_items(api, people):
    body = api("technicians").json()
    assert body["count"] == 4 and body["offset"] == 0
    assert body["limit"] == 50  # API_DEFAULT_LIMIT
    assert [t["employee_id"] for t in body["items"]] == ["E100", "E101", "E102", "E103"]


def test_pagination_slices_and_keeps_the_total(api, people):
    body = api("technicians", limit=2, offset=1).json()
    assert body["count"] == 4 and body["limit"] == 2 and body["offset"] == 1
    assert [t["employee_id"] for t in body["items"]] == ["E101", "E102"]


@pytest.mark.parametrize("params", [{"limit": 0}, {"limit": -3}, {"offset": -1}, {"limit": "ten"}])
def test_bad_page_params_are_422_naming_the_parameter(api, people, params):
    r = api("technicians", **params)
    assert r.status_code == 422
    assert next(iter(params)) in r.json()["detail"]


@override_settings(API_MAX_LIMIT=3)
def test_limit_over_the_max_is_422_naming_the_bound(api, people):
    r = api("technicians", limit=4)
    assert r.status_code == 422
    assert "between 1 and 3" in r.json()["detail"]
    assert api("technicians", limit=3).status_code == 200


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"region": "west"}, {"E100", "E101", "E102"}),
        ({"district": "dal"}, {"E100", "E101"}),
        ({"trade": "hvac"}, {"E100", "E102"}),
        ({"status": "left"}, {"E101"}),
        ({"status": "active"}, {"E100", "E102", "E103"}),
        ({"hire_year": 2021}, {"E100", "E103"}),
        ({"q": "carol"}, {"E102"}),
        ({"q": "e10"}, {"E100", "E101", "E102", "E103"}),
        ({"region": "west", "trade": "hvac", "status": "active"}, {"E100", "E102"}),
    ],
)
def test_filters(api, people, params, expected):
    body = api("technicians", **params).json()
    assert {t["employee_id"] for t in body["items"]} == expected
    assert body["count"] == len(expected)


@pytest.mark.parametrize(
    ("params", "named"),
    [
        ({"trade": "astronaut"}, "trade"),
        ({"status": "retired"}, "status"),
        ({"ordering": "favourite"}, "ordering"),
        ({"hire_year": "twenty"}, "hire_year"),
        ({"region": "mars"}, "mars"),
        ({"district": "nowhere"}, "nowhere"),
        ({"district": "d\x00l"}, "district"),
        ({"trade": "hv\x00ac"}, "trade"),
    ],
)
def test_bad_filter_values_are_422_naming_the_parameter(api, people, params, named):
    r = api("technicians", **params)
    assert r.status_code == 422
    assert named in r.json()["detail"]


def test_unknown_region_lists_the_valid_codes(api, people):
    detail = api("technicians", region="mars").json()["detail"]
    assert "east" in detail and "west" in detail


def test_nul_byte_in_search_is_a_422_naming_q_not_a_500(api, people):
    # core.params.Text: free text with a NUL is refused at the boundary (issue 9), the same on every endpoint
    r = api("technicians", q="Ali\x00ce")
    assert r.status_code == 422
    assert "q" in r.json()["detail"] and "NUL" in r.json()["detail"]


def test_ordering_descending_by_hire_date(api, people):
    body = api("technicians", ordering="-hire_date").json()
    assert [t["employee_id"] for t in body["items"]] == ["E102", "E101", "E103", "E100"]


def test_technician_by_employee_id(api, people):
    body = api("technicians/E100").json()
    assert body["district"] == "dal" and body["region"] == "west" and body["trade"] == "hvac"
    assert body["is_active"] is True and body["tenure_years"] > 3


@pytest.mark.parametrize("employee_id", ["E999", "E1%00", "x" * 300])
def test_unknown_technician_is_404_json(api, people, employee_id):
    r = api(f"technicians/{employee_id}")
    assert r.status_code == 404
    assert "employee_id" in r.json()["detail"]


def test_snapshots_are_paginated_newest_first(api, people):
    body = api("technicians/E100/snapshots", limit=2).json()
    assert body["count"] == 3
    assert [s["month"] for s in body["items"]] == ["2024-03-01", "2024-02-01"]
    assert api("technicians/E100/snapshots", limit=2, offset=2).json()["items"][0]["month"] == "2024-01-01"
    assert api("technicians/NOPE/snapshots").status_code == 404


def test_candidates_list_filters_and_detail(api, people):
    assert api("candidates").json()["count"] == 2
    body = api("candidates", region="east", stage="interview", source="agency").json()
    assert [c["candidate_id"] for c in body["items"]] == ["C501"]
    assert api("candidates/C500").json()["hired_employee_id"] == "E100"
    assert api("candidates/C999").status_code == 404
    assert "stage" in api("candidates", stage="dreaming").json()["detail"]


def test_regions_and_districts(api, people):
    regions = {r["code"]: r for r in api("regions").json()}
    assert regions["west"]["district_count"] == 2 and regions["west"]["active_technicians"] == 2
    body = api("districts", region="west").json()
    assert [d["code"] for d in body["items"]] == ["dal", "phx"] and body["count"] == 2
    dal = api("districts/dal").json()
    assert dal["region"] == "west" and dal["active_technicians"] == 1
    assert api("districts/zzz").status_code == 404
    assert api("districts", region="mars").status_code == 422


def test_me_reports_role_and_pay_visibility(api, people):
    assert api("me").json() == {"username": "hr", "role": "HR admin", "can_view_sensitive": True}


def test_openapi_schema_lists_the_endpoints(client):
    paths = client.get("/api/v1/openapi.json").json()["paths"]
    for p in ("/api/v1/technicians", "/api/v1/technicians/{employee_id}", "/api/v1/candidates", "/api/v1/districts"):
        assert p in paths


def test_docs_page_renders(client):
    assert client.get("/api/v1/docs").status_code == 200
    assert client.get("/api/docs").url == "/api/v1/docs"
