"""The recruiter pages: HTMX partial vs full page, filters, sort, pagination, detail, 403/404."""

import re
from datetime import date, timedelta

import pytest

from tests.factories import TechnicianFactory, make_user

pytestmark = pytest.mark.django_db

HX = {"HTTP_HX_REQUEST": "true"}


def _ids(html: str, people) -> list[str]:
    """Employee ids in the order they appear in the page."""
    found = [(html.find(f">{t.employee_id}<"), t.employee_id) for t in people.values()]
    return [e for pos, e in sorted(found) if pos >= 0]


def test_full_page_has_layout_and_filters(recruiter_client, people):
    html = recruiter_client.get("/technicians/").content.decode()
    assert "<html" in html and 'id="tech-filters"' in html and 'id="tech-results"' in html
    assert _ids(html, people) == ["E100", "E101", "E102", "E103"]


def test_htmx_request_gets_only_the_results_partial(recruiter_client, people):
    r = recruiter_client.get("/technicians/", {"district": "dal"}, **HX)
    html = r.content.decode()
    assert r.status_code == 200
    assert "<html" not in html and "<body" not in html
    assert html.lstrip().startswith('<div id="tech-results"')
    assert _ids(html, people) == ["E100", "E101"]
    # the district select comes along out-of-band so it can narrow with the region
    assert 'id="id_district" name="district" hx-swap-oob="true"' in html


def test_htmx_response_pushes_a_clean_url(recruiter_client, people):
    params = {"q": "", "region": "west", "district": "", "trade": "hvac", "status": "", "hire_year": "", "sort": ""}
    r = recruiter_client.get("/technicians/", params, **HX)
    assert r["HX-Push-Url"] == "/technicians/?region=west&trade=hvac"


def test_history_restore_gets_the_full_page(recruiter_client, people):
    r = recruiter_client.get("/technicians/", HTTP_HX_REQUEST="true", HTTP_HX_HISTORY_RESTORE_REQUEST="true")
    assert "<html" in r.content.decode()


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"region": "west"}, ["E100", "E101", "E102"]),
        ({"trade": "hvac"}, ["E100", "E102"]),
        ({"status": "left"}, ["E101"]),
        ({"hire_year": "2021"}, ["E100", "E103"]),
        ({"q": "clark"}, ["E102"]),
    ],
)
def test_filters(recruiter_client, people, params, expected):
    html = recruiter_client.get("/technicians/", params, **HX).content.decode()
    assert _ids(html, people) == expected


def test_region_narrows_the_district_choices(recruiter_client, people):
    html = recruiter_client.get("/technicians/", {"region": "east"}, **HX).content.decode()
    oob = html[html.index('id="id_district"') :]
    assert 'value="bos"' in oob and 'value="dal"' not in oob


def test_district_of_another_region_is_dropped_not_an_empty_list(recruiter_client, people):
    html = recruiter_client.get("/technicians/", {"region": "east", "district": "dal"}, **HX).content.decode()
    assert _ids(html, people) == ["E103"]


def test_unknown_codes_and_bad_values_show_a_message_not_a_500(recruiter_client, people):
    r = recruiter_client.get("/technicians/", {"region": "mars", "trade": "astronaut", "hire_year": "x"})
    html = r.content.decode()
    assert r.status_code == 200
    assert "unknown region" in html and "trade:" in html and "hire_year:" in html
    assert _ids(html, people) == ["E100", "E101", "E102", "E103"]


def test_empty_state_offers_clear_filters(recruiter_client, people):
    html = recruiter_client.get("/technicians/", {"q": "nobody-like-this"}).content.decode()
    assert "No technicians match these filters" in html and "Clear filters" in html


def test_sort_links_toggle_and_keep_filters(recruiter_client, people):
    html = recruiter_client.get("/technicians/", {"sort": "-hire_date", "region": "west"}).content.decode()
    assert _ids(html, people) == ["E102", "E101", "E100"]
    # the active column's link flips the direction and keeps the region filter, with an href fallback
    assert 'href="?region=west&amp;sort=hire_date"' in html
    assert 'hx-get="?region=west&amp;sort=hire_date"' in html


def test_recruiter_cannot_sort_by_pay(recruiter_client, people):
    html = recruiter_client.get("/technicians/", {"sort": "-pay_rate"}).content.decode()
    assert "ordering must be one of" in html and _ids(html, people) == ["E100", "E101", "E102", "E103"]


def test_pagination_links_work_without_js(recruiter_client, people, monkeypatch):
    monkeypatch.setattr("technicians.views.PAGE_SIZE", 3)
    first = recruiter_client.get("/technicians/").content.decode()
    assert _ids(first, people) == ["E100", "E101", "E102"]
    assert 'href="?page=2"' in first and "page 1 of 2" in first
    second = recruiter_client.get("/technicians/", {"page": "2"}).content.decode()
    assert _ids(second, people) == ["E103"]
    # out-of-range and junk page numbers land on a real page
    assert _ids(recruiter_client.get("/technicians/", {"page": "99"}).content.decode(), people) == ["E103"]
    assert "page 1 of 2" in recruiter_client.get("/technicians/", {"page": "x"}).content.decode()


def test_counts_and_badges(recruiter_client, people):
    html = recruiter_client.get("/technicians/", {"district": "dal"}).content.decode()
    assert 'badge active">Active' in html and 'badge left">Left' in html
    assert '<div class="v">2</div><div class="k">matching' in html


def test_detail_page_shows_profile_snapshots_and_candidate(recruiter_client, people):
    html = recruiter_client.get("/technicians/E100/").content.decode()
    assert "Alice Adams" in html and "Dallas" in html and "West" in html and "HVAC" in html
    assert html.count("<tr>") >= 4  # header + 3 snapshot months
    assert "tech-chart-data" in html and "chart-4.6.1.umd.min.js" in html
    assert "C500" in html


def test_risk_panel_only_when_predictions_provides_it(recruiter_client, people):
    from django.urls import NoReverseMatch, reverse

    html = recruiter_client.get("/technicians/E100/").content.decode()
    try:
        url = reverse("predictions:technician_panel", args=["E100"])
    except NoReverseMatch:
        assert 'id="risk-panel"' not in html
    else:
        assert f'hx-get="{url}"' in html


def test_unknown_technician_is_404(recruiter_client, people):
    assert recruiter_client.get("/technicians/NOPE/").status_code == 404


def test_login_required(client, people):
    r = client.get("/technicians/")
    assert r.status_code == 302 and r.url.startswith("/accounts/login/")


def test_user_without_a_role_gets_403(client, people):
    client.force_login(make_user("norole", None))
    r = client.get("/technicians/")
    assert r.status_code == 403 and "No access" in r.content.decode()
    assert client.get("/technicians/E100/").status_code == 403


def test_tenure_is_shown_with_its_unit_and_sorts(recruiter_client, db):
    TechnicianFactory(employee_id="E900", hire_date=date(date.today().year - 2, 1, 1))
    TechnicianFactory(employee_id="E901", hire_date=date.today() - timedelta(days=150))
    TechnicianFactory(employee_id="E902", hire_date=date(date.today().year - 9, 1, 1),
                      termination_date=date(date.today().year - 8, 7, 1))  # fmt: skip
    html = recruiter_client.get("/technicians/").content.decode()
    assert re.search(r"<td class=\"num\">0\.4 years</td>", html)
    # tenure sorts by time employed (to the leaving date for those who left), not by hire date
    html = recruiter_client.get("/technicians/?sort=-tenure").content.decode()
    assert re.findall(r"(E90\d)</a>", html) == ["E900", "E902", "E901"]
    assert "ordering must be" not in html


def test_nul_in_a_filter_is_a_400_page_not_a_traceback(recruiter_client, people):
    # core.middleware.HostileInputMiddleware: one rule for every page's query values (issue 9)
    r = recruiter_client.get("/technicians/", {"q": "cl\x00ark"})
    assert r.status_code == 400 and b"NUL" in r.content and b"Traceback" not in r.content
