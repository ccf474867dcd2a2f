"""Pages (full and HTMX partial), API endpoints and permissions of people analytics, on the trained world."""

from __future__ import annotations

import pytest

PAGES = ["/", "/analytics/", "/analytics/trends/?split=district&metric=headcount", "/analytics/survival/?by=cohort",
         "/analytics/compare/?a_district=d0&b_district=d1"]  # fmt: skip


@pytest.mark.parametrize("url", PAGES)
def test_pages_render_full_and_partial(adb, hr_client, url):
    full = hr_client.get(url)
    assert full.status_code == 200
    assert b"<html" in full.content and b"Overview" in full.content
    part = hr_client.get(url, headers={"HX-Request": "true"})
    assert part.status_code == 200 and b"<html" not in part.content


def test_user_without_role_sees_nothing(adb, client, django_user_model):
    u = django_user_model.objects.create_user("norole", password="pw-12345678")
    client.force_login(u)
    for url in PAGES:
        assert client.get(url).status_code == 403
    assert client.get("/api/v1/analytics/overview").status_code == 403


def test_compare_page_shows_the_sentence_and_recruiter_gets_no_pay(adb, recruiter_client):
    r = recruiter_client.get("/analytics/compare/?a_district=d0&b_district=d1")
    html = r.content.decode()
    assert 'id="compare-summary"' in html and "points" in html
    assert "Other (restricted) factors" in html
    assert "Pay rate" not in html and "pay_rate" not in html


def test_bad_inputs_are_4xx_json(adb, hr_client):
    assert hr_client.get("/api/v1/analytics/trends?split=shoe").status_code == 422
    assert hr_client.get("/api/v1/analytics/trends?district=nowhere").status_code == 422
    assert hr_client.get("/api/v1/analytics/survival?by=district&group_a=x&group_b=y").status_code == 422
    r = hr_client.get("/api/v1/analytics/compare?a_trade=plumbing")
    assert r.status_code == 422 and "no scored technicians" in r.json()["detail"]
    assert hr_client.get("/api/v1/analytics/compare?a_as_of=1999-01-01").status_code == 409
    assert hr_client.get("/api/v1/analytics/technicians/NOPE/risk-history").status_code == 404
    assert hr_client.get("/api/v1/analytics/counts/departures?year=1800").status_code == 422
    # pages never fail on junk: unknown values are dropped with a message
    page = hr_client.get("/analytics/trends/?district=nowhere&split=shoe&months=abc")
    assert page.status_code == 200 and "Unknown district" in page.content.decode()


def test_api_overview_and_counts_match_the_database(adb, api_user, api_key_for, client):
    from datetime import date

    from technicians.models import Technician

    key = api_key_for(api_user)
    h = {"Authorization": f"Bearer {key}"}
    ov = client.get("/api/v1/analytics/overview?district=d0", headers=h)
    assert ov.status_code == 200
    tiles = {t["key"]: t for t in ov.json()["tiles"]}
    assert tiles["headcount"]["value"] == Technician.objects.active(date.today()).filter(district__code="d0").count()
    assert tiles["high_risk"]["value"] is not None
    year = date.today().year - 1
    dep = client.get(f"/api/v1/analytics/counts/departures?year={year}&kind=voluntary", headers=h).json()
    assert (
        dep["count"] == Technician.objects.filter(termination_type="voluntary", termination_date__year=year).count() > 0
    )
    hist = client.get("/api/v1/analytics/technicians/T00001/risk-history", headers=h).json()
    assert len(hist) == 1 and 0 <= hist[0]["score"] <= 1
    assert "/api/v1/analytics/compare" in client.get("/api/v1/openapi.json").content.decode()
