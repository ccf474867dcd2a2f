"""Pay and performance never reach non-HR users through the API: the keys are absent, not null."""

import pytest

from tests.technicians.conftest import SECRET_PAY

pytestmark = pytest.mark.django_db

SENSITIVE_KEYS = {"pay_rate", "performance_rating", "offered_pay_rate", "annual_bonus"}


def _get(client, key, path, **params):
    return client.get(f"/api/v1/{path}", params, HTTP_AUTHORIZATION=f"Bearer {key}")


def _keys(obj) -> set[str]:
    if isinstance(obj, dict):
        return set(obj) | {k for v in obj.values() for k in _keys(v)}
    if isinstance(obj, list):
        return {k for v in obj for k in _keys(v)}
    return set()


@pytest.mark.parametrize(
    "path", ["technicians", "technicians/E100", "technicians/E100/snapshots", "candidates", "candidates/C500"]
)
def test_api_consumer_key_gets_no_sensitive_keys(client, people, api_user, api_key_for, path):
    r = _get(client, api_key_for(api_user), path)
    assert r.status_code == 200
    assert not (_keys(r.json()) & SENSITIVE_KEYS)
    assert str(SECRET_PAY) not in r.content.decode()


def test_hr_key_sees_pay_performance_and_sensitive_attributes(client, people, hr_admin, api_key_for):
    key = api_key_for(hr_admin)
    alice = _get(client, key, "technicians/E100").json()
    assert alice["pay_rate"] == float(SECRET_PAY) and alice["performance_rating"] == 4.2
    assert alice["attributes"] == {"annual_bonus": 1200, "shirt_size": "M"}
    listed = _get(client, key, "technicians", district="dal").json()["items"]
    assert listed[0]["pay_rate"] == float(SECRET_PAY)
    assert "pay_rate" in listed[1]  # Bob has no pay on file: present as null for HR
    snaps = _get(client, key, "technicians/E100/snapshots").json()["items"]
    assert snaps[0]["pay_rate"] == float(SECRET_PAY)


def test_non_sensitive_attributes_survive_redaction(client, people, api_user, api_key_for):
    alice = _get(client, api_key_for(api_user), "technicians/E100").json()
    assert alice["attributes"] == {"shirt_size": "M"}


def test_ordering_by_pay_is_422_for_non_hr_and_works_for_hr(client, people, api_user, hr_admin, api_key_for):
    r = _get(client, api_key_for(api_user), "technicians", ordering="-pay_rate")
    assert r.status_code == 422 and "ordering" in r.json()["detail"]
    assert "pay_rate" not in r.json()["detail"]  # the valid values offered to this user exclude pay
    r = _get(client, api_key_for(hr_admin), "technicians", ordering="-pay_rate")
    assert r.status_code == 200 and r.json()["items"][0]["employee_id"] == "E100"


def test_session_user_recruiter_gets_no_pay(recruiter_client, people):
    r = recruiter_client.get("/api/v1/technicians/E100")
    assert r.status_code == 200 and "pay_rate" not in r.json()


def test_user_without_a_role_is_403(client, people, api_key_for):
    from tests.factories import make_user

    r = _get(client, api_key_for(make_user("nobody", None)), "technicians")
    assert r.status_code == 403 and "permission" in r.json()["detail"]


def test_me_for_api_consumer(client, api_user, api_key_for):
    body = _get(client, api_key_for(api_user), "me").json()
    assert body == {"username": "api", "role": "API consumer", "can_view_sensitive": False}


def test_permissions_loaded_in_one_query_match_django(client, people, recruiter, hr_admin, api_user):
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Permission
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from core.auth import permissions_prime
    from core.roles import user_role
    from tests.factories import make_user

    mixed = make_user("mixed", "Recruiter")  # a group's permissions and a direct one
    mixed.user_permissions.add(Permission.objects.get(codename="view_sensitive_fields"))
    loner = make_user("loner", None)  # no group, no permission
    for user in (recruiter, hr_admin, api_user, mixed, loner):
        primed = get_user_model().objects.get(pk=user.pk)
        with CaptureQueriesContext(connection) as q:
            permissions_prime(primed)
        assert len(q) == 1
        fresh = get_user_model().objects.get(pk=user.pk)
        assert primed._perm_cache == fresh.get_all_permissions()
        assert primed._group_names == set(fresh.groups.values_list("name", flat=True))
        with CaptureQueriesContext(connection) as q:
            role = user_role(primed)
        assert len(q) == 0 and role == user_role(get_user_model().objects.get(pk=user.pk))
        if user is not loner:
            assert primed.has_perm("core.view_technicians")
    assert user_role(get_user_model().objects.get(pk=mixed.pk)) == "HR admin"  # the direct grant counts
    assert not get_user_model().objects.get(pk=loner.pk).has_perm("core.view_technicians")


def test_a_directly_granted_view_permission_is_honoured(client, people, api_key_for):
    from django.contrib.auth.models import Permission

    from tests.factories import make_user

    user = make_user("direct", None)
    user.user_permissions.add(Permission.objects.get(codename="view_technicians"))  # the domain permission
    r = _get(client, api_key_for(user), "technicians")
    assert r.status_code == 200 and "pay_rate" not in r.json()["items"][0]
