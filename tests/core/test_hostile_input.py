"""No 500 from any input: the request shapes of issue 9 answer a specific 4xx (JSON under /api/, a page elsewhere)."""

import pytest

pytestmark = pytest.mark.django_db

HUGE = "9" * 31  # beyond bigint
NUL = "%00"


@pytest.fixture
def world(db):
    from tests.factories import CandidateFactory, DistrictFactory, RegionFactory, TechnicianFactory

    region = RegionFactory(code="west", name="West")
    district = DistrictFactory(code="dal", name="Dallas", region=region)
    TechnicianFactory(employee_id="E000001", district=district)
    CandidateFactory(candidate_id="C000001", district=district)
    return district


@pytest.fixture
def hr_key(hr_admin, api_key_for):
    return {"Authorization": f"Bearer {api_key_for(hr_admin)}"}


API_GETS = [
    f"/api/v1/technicians?region={NUL}",
    f"/api/v1/technicians?district=a{NUL}b",
    f"/api/v1/technicians?trade={NUL}",
    f"/api/v1/technicians?q={NUL}",
    f"/api/v1/technicians?offset={HUGE}",
    f"/api/v1/candidates?source={NUL}",
    f"/api/v1/candidates?region={NUL}",
    f"/api/v1/districts?region={NUL}",
    f"/api/v1/predictions/risk?region={NUL}",
    f"/api/v1/predictions/risk?district={NUL}",
    f"/api/v1/predictions/risk?trade={NUL}",
    f"/api/v1/predictions/risk?band={NUL}",
    f"/api/v1/predictions/risk?offset={HUGE}",
    f"/api/v1/predictions/candidates?offset={HUGE}",
    f"/api/v1/predictions/candidates?limit={HUGE}",
    f"/api/v1/predictions/candidates?district={NUL}",
    f"/api/v1/predictions/models?model_type={NUL}",
    f"/api/v1/predictions/programs/1/roi?region={NUL}",
    f"/api/v1/predictions/programs/{HUGE}/roi",
    f"/api/v1/assistant/conversations?offset={HUGE}",
    f"/api/v1/assistant/conversations?limit={HUGE}",
    f"/api/v1/forecasts/runs?offset={HUGE}",
    f"/api/v1/forecasts/hiring-plan?region={NUL}",
    f"/api/v1/forecasts/hiring-plan?district={NUL}",
    f"/api/v1/forecasts/hiring-plan.csv?trade={NUL}",
    f"/api/v1/forecasts/series?metric=headcount&level=district&key={NUL}",
    f"/api/v1/ingest/runs?source={NUL}",
    f"/api/v1/analytics/overview?region={NUL}",
    f"/api/v1/analytics/trends?district={NUL}&split={NUL}",
    f"/api/v1/analytics/trends?months={HUGE}",
    f"/api/v1/analytics/survival?by=district&group_a={NUL}&group_b=x",
    f"/api/v1/analytics/compare?a_district={NUL}&b_as_of={NUL}",
    f"/api/v1/analytics/counts/departures?year={HUGE}&district={NUL}",
    "/api/v1/technicians?region=" + "x" * 5000,
    "/api/v1/technicians?q=" + "x" * 5000,
]

ID_404 = [
    "/api/v1/technicians/a%2Fb",
    "/api/v1/technicians/a%2Fb/snapshots",
    "/api/v1/candidates/a%2Fb",
    "/api/v1/districts/a%2Fb",
    "/api/v1/predictions/models/a%2Fb",
    "/api/v1/predictions/train/a%2Fb",
    "/api/v1/predictions/technicians/a%2Fb/risk",
    "/api/v1/predictions/candidates/a%2Fb/quality",
    "/api/v1/forecasts/runs/a%2Fb",
    "/api/v1/forecasts/runs/a%2Fb/status",
    "/api/v1/assistant/conversations/a%2Fb",
    "/api/v1/ingest/runs/a%2Fb",
    "/api/v1/analytics/technicians/a%2Fb/risk-history",
    "/api/v1/ingest/runs/a%2Fb/rejected",
    "/api/v1/no-such-route",
    "/api/v1/technicians/E000001/no-such",
    "/api/nothing-here",
]


def _json_error(r) -> bool:
    return r["Content-Type"].startswith("application/json") and bool(r.json().get("detail"))


def test_api_hostile_query_values_answer_json_4xx(world, client, hr_key):
    bad = []
    for url in API_GETS:
        r = client.get(url, headers=hr_key)
        if not (400 <= r.status_code < 500 and _json_error(r)):
            bad.append((url, r.status_code, r.content[:200]))
    assert not bad


def test_api_unknown_routes_and_slash_ids_answer_json_404(world, client, hr_key):
    bad = []
    for url in ID_404:
        r = client.get(url, headers=hr_key)
        if not (r.status_code == 404 and _json_error(r)):
            bad.append((url, r.status_code, r.content[:200]))
    assert not bad


BODY_URLS = [
    "/api/v1/forecasts/runs",
    "/api/v1/predictions/train",
    "/api/v1/predictions/score",
    "/api/v1/assistant/conversations",
]


def test_api_json_body_of_the_wrong_type_is_422_and_starts_nothing(world, client, hr_key):
    from assistant.models import Conversation
    from forecasts.models import ForecastRun
    from predictions.models import TrainedModel

    bad = []
    for url in BODY_URLS:
        for body, status in [("null", 422), ("[]", 422), ('"x"', 422), ("1", 422), ("{", 400),
                             ('{"title": "a\\u0000b", "params": {"k": "\\u0000"}}', 422)]:  # fmt: skip
            r = client.post(url, body, content_type="application/json", headers=hr_key)
            if not (r.status_code == status and _json_error(r)):
                bad.append((url, body, r.status_code, r.content[:200]))
    assert not bad
    assert ForecastRun.objects.count() == 0 and TrainedModel.objects.count() == 0 and Conversation.objects.count() == 0


def test_api_text_plain_body_is_not_parsed_as_json(world, client, hr_key):
    from forecasts.models import ForecastRun

    r = client.post("/api/v1/forecasts/runs", '{"metric": "headcount"}', content_type="text/plain", headers=hr_key)
    assert r.status_code == 415, r.content
    assert "application/json" in r.json()["detail"]
    assert ForecastRun.objects.count() == 0


def test_unknown_district_in_rankings_is_422_like_the_technicians_list(world, client, hr_key):
    for url in (
        "/api/v1/technicians?district=nope",
        "/api/v1/predictions/risk?district=nope",
        "/api/v1/predictions/candidates?district=nope",
        "/api/v1/predictions/risk?region=nope",
    ):
        r = client.get(url, headers=hr_key)
        assert r.status_code == 422, (url, r.status_code, r.content[:300])
        assert "nope" in r.json()["detail"]


PAGES = [
    f"/predictions/?page={HUGE}",
    f"/predictions/?region={NUL}",
    f"/predictions/?district={NUL}",
    f"/predictions/candidates/?page={HUGE}",
    f"/predictions/candidates/?trade={NUL}",
    f"/technicians/?region={NUL}",
    f"/technicians/?q={NUL}",
    f"/technicians/?page={HUGE}",
    f"/forecasts/?metric=headcount&level=district&key={NUL}",
    f"/forecasts/hiring-plan/?region={NUL}",
    f"/forecasts/hiring-plan/?weeks={HUGE}",
    f"/forecasts/hiring-plan.csv?district={NUL}",
    f"/predictions/programs/?program={HUGE}",
    f"/predictions/models/?id={NUL}",
    "/technicians/a%00b/",
    f"/?region={NUL}&district=a{NUL}",
    f"/analytics/trends/?district={NUL}&split={NUL}&months={HUGE}",
    f"/analytics/survival/?by={NUL}&group_a={NUL}&region={NUL}",
    f"/analytics/compare/?a_district={NUL}&b_as_of={NUL}&a_band={NUL}",
    "/analytics/technicians/a%00b/risk-history/",
    "/predictions/technicians/a%00b/panel",
    "/technicians/?q=" + "x" * 5000,
]


def test_pages_answer_a_page_never_a_traceback(world, hr_client):
    bad = []
    for url in PAGES:
        r = hr_client.get(url)
        ok = r.status_code in (200, 400, 404)
        if r.status_code >= 400:
            ok = ok and r["Content-Type"].startswith("text/html") and b"Traceback" not in r.content
        if not ok:
            bad.append((url, r.status_code))
    assert not bad


def test_bigint_page_on_a_ranked_page_is_a_400_page(world, hr_client):
    r = hr_client.get(f"/predictions/?page={HUGE}")
    assert r.status_code == 400 and b"page must be a whole number" in r.content


def test_lone_surrogate_in_a_json_body_is_replaced_not_stored_broken(world, client, hr_key):
    r = client.post(
        "/api/v1/assistant/conversations", '{"title": "hi \\ud800 there"}', content_type="application/json",
        headers=hr_key,
    )  # fmt: skip
    assert r.status_code == 201, r.content
    assert r.json()["title"] == "hi \ufffd there"
