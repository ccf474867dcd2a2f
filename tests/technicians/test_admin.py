"""Django Admin for HR admins: every page loads with data, filters and search work, actions run."""

from datetime import date

import pytest
from django.urls import reverse

from technicians.models import Technician
from tests.factories import CandidateFactory, DemandWeekFactory, SnapshotFactory, TechnicianFactory

MODELS = ["region", "district", "technician", "techniciansnapshot", "candidate", "demandweek"]


@pytest.fixture
def data(districts):
    ana = TechnicianFactory(employee_id="T1", first_name="Ana", district=districts["phx"], hire_date=date(2021, 5, 3))
    ben = TechnicianFactory(
        employee_id="T2", first_name="Ben", district=districts["dal"], hire_date=date(2022, 2, 1),
        termination_date=date(2023, 6, 30), termination_type="voluntary",
    )  # fmt: skip
    for m in range(1, 4):
        SnapshotFactory(technician=ana, month=date(2024, m, 1))
    SnapshotFactory(technician=ben, month=date(2023, 5, 1))
    cand = CandidateFactory(candidate_id="C1", district=districts["phx"], hired_technician=ana)
    demand = DemandWeekFactory(district=districts["phx"], week_start=date(2024, 1, 1))
    return {"ana": ana, "ben": ben, "cand": cand, "demand": demand, "district": districts["phx"]}


@pytest.mark.django_db
@pytest.mark.parametrize("model", MODELS)
def test_changelist_and_add_pages_load(hr_client, data, model):
    resp = hr_client.get(reverse(f"admin:technicians_{model}_changelist"))
    assert resp.status_code == 200
    assert hr_client.get(reverse(f"admin:technicians_{model}_add")).status_code == 200


@pytest.mark.django_db
def test_change_pages_load_with_computed_fields_and_inline(hr_client, data):
    resp = hr_client.get(reverse("admin:technicians_technician_change", args=[data["ana"].pk]))
    body = resp.content.decode()
    assert resp.status_code == 200
    assert "tenure (years)" in body.lower() and "active" in body
    assert "latest 24 months" in body and "March 1, 2024" in body
    assert "HR only" in body and "pay_rate" in body
    pages = [("candidate", data["cand"]), ("demandweek", data["demand"]), ("district", data["district"]),
             ("region", data["district"].region)]  # fmt: skip
    for model, obj in pages:
        assert hr_client.get(reverse(f"admin:technicians_{model}_change", args=[obj.pk])).status_code == 200
    snap = data["ana"].snapshots.first()
    assert hr_client.get(reverse("admin:technicians_techniciansnapshot_change", args=[snap.pk])).status_code == 200


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("query", "shown", "hidden"),
    [
        ("status=active", "T1", "T2"),
        ("status=left", "T2", "T1"),
        ("region=south", "T2", "T1"),
        ("hire_year=2021", "T1", "T2"),
        ("q=Ben", "T2", "T1"),
        ("trade__exact=hvac&o=-6", "T1", None),
    ],
)
def test_technician_filters_search_and_sorting(hr_client, data, query, shown, hidden):
    resp = hr_client.get(reverse("admin:technicians_technician_changelist") + "?" + query)
    assert resp.status_code == 200
    results = [t.employee_id for t in resp.context["cl"].result_list]
    assert shown in results
    if hidden:
        assert hidden not in results


@pytest.mark.django_db
def test_snapshot_and_candidate_filters(hr_client, data):
    url = reverse("admin:technicians_techniciansnapshot_changelist")
    resp = hr_client.get(url + "?region=south")
    assert [s.technician.employee_id for s in resp.context["cl"].result_list] == ["T2"]
    resp = hr_client.get(url + "?q=T1&month__year=2024")
    assert len(resp.context["cl"].result_list) == 3
    resp = hr_client.get(reverse("admin:technicians_candidate_changelist") + "?applied_year=2024&stage__exact=applied")
    assert [c.candidate_id for c in resp.context["cl"].result_list] == ["C1"]


@pytest.mark.django_db
def test_autocomplete_for_districts_answers(hr_client, data):
    url = reverse("admin:autocomplete") + "?app_label=technicians&model_name=technician&field_name=district&term=pho"
    resp = hr_client.get(url)
    assert resp.status_code == 200 and resp.json()["results"][0]["text"] == "Phoenix"


@pytest.mark.django_db
def test_mark_left_action_asks_for_date_then_applies(hr_client, data):
    url = reverse("admin:technicians_technician_changelist")
    ana = data["ana"]
    resp = hr_client.post(url, {"action": "mark_left", "_selected_action": [ana.pk]})
    assert resp.status_code == 200 and "Mark as left" in resp.content.decode()
    resp = hr_client.post(
        url,
        {"action": "mark_left", "_selected_action": [ana.pk], "apply": "1", "termination_date": "2024-05-31",
         "termination_type": "voluntary", "termination_reason": "moved"},
    )  # fmt: skip
    assert resp.status_code == 302
    ana.refresh_from_db()
    assert (ana.termination_date, ana.termination_type, ana.termination_reason) == (
        date(2024, 5, 31),
        "voluntary",
        "moved",
    )


@pytest.mark.django_db
def test_export_selected_action_downloads_csv(hr_client, data):
    url = reverse("admin:technicians_technician_changelist")
    resp = hr_client.post(url, {"action": "export_selected", "_selected_action": [data["ben"].pk]})
    body = b"".join(resp.streaming_content).decode()
    assert resp["Content-Type"].startswith("text/csv")
    assert "T2" in body and "T1," not in body and "pay_rate" in body


@pytest.mark.django_db
def test_recruiter_cannot_reach_admin(recruiter_client, data):
    for name in (
        "admin:technicians_technician_changelist",
        "admin:technicians_technician_import",
        "admin:technicians_technician_export",
    ):
        resp = recruiter_client.get(reverse(name))
        assert resp.status_code == 302 and "/admin/login/" in resp["Location"]
    assert Technician.objects.count() == 2


@pytest.mark.django_db
def test_staff_without_hr_role_cannot_see_people_admin(client, data):
    from tests.factories import make_user

    staff = make_user("staffer", None, is_staff=True)
    client.force_login(staff)
    for model in MODELS:
        assert client.get(reverse(f"admin:technicians_{model}_changelist")).status_code == 403
    assert client.get(reverse("admin:technicians_technician_export")).status_code == 403
    assert "Technicians" not in client.get(reverse("admin:index")).content.decode()


@pytest.mark.django_db
def test_hire_year_filter_lists_recent_years_then_five_year_spans(hr_client, data):
    from tests.factories import TechnicianFactory

    for year in (1995, 2003, 2012, 2016, 2017, 2018, 2019, 2020):
        TechnicianFactory(employee_id=f"Y{year}", hire_date=date(year, 6, 1), district=data["district"])
    url = reverse("admin:technicians_technician_changelist")
    spec = next(
        f for f in hr_client.get(url).context["cl"].filter_specs if getattr(f, "parameter_name", "") == "hire_year"
    )
    labels = [label for _, label in spec.lookup_choices]
    assert labels[:5] == ["2022", "2021", "2020", "2019", "2018"], labels  # the newest five one by one (2022: data)
    assert labels[5:] == ["2015–2017", "2010–2014", "2000–2004", "1995–1999"], labels  # spans stop before 2018
    results = [t.employee_id for t in hr_client.get(url + "?hire_year=2010-2014").context["cl"].result_list]
    assert results == ["Y2012"]
