"""API keys: required, checked against the stored hash, revocable at once, last use recorded."""

import pytest

from core.models import ApiKey
from core.services import api_key_create, api_key_revoke
from tests.factories import TechnicianFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def people(db):
    return [TechnicianFactory()]


def test_no_key_is_401_json(client, people):
    r = client.get("/api/v1/technicians")
    assert r.status_code == 401
    assert "API key" in r.json()["detail"]


@pytest.mark.parametrize(
    "header",
    [
        {"HTTP_AUTHORIZATION": "Bearer ta_nope_nope"},
        {"HTTP_AUTHORIZATION": "Bearer not-even-a-key"},
        {"HTTP_X_API_KEY": "ta_deadbeef_wrongsecret"},
        {"HTTP_AUTHORIZATION": "Basic dXNlcjpwdw=="},
    ],
)
def test_bad_key_is_401(client, people, header):
    assert client.get("/api/v1/technicians", **header).status_code == 401


def test_wrong_secret_for_a_real_prefix_is_401(client, people, api_user):
    key, full = api_key_create(user=api_user, name="x")
    forged = full[: full.rindex("_") + 1] + "forged-secret"
    assert client.get("/api/v1/technicians", HTTP_AUTHORIZATION=f"Bearer {forged}").status_code == 401


def test_bearer_and_x_api_key_headers_both_work(client, people, api_user):
    _, full = api_key_create(user=api_user, name="x")
    assert client.get("/api/v1/technicians", HTTP_AUTHORIZATION=f"Bearer {full}").status_code == 200
    assert client.get("/api/v1/technicians", HTTP_X_API_KEY=full).status_code == 200


def test_revoked_key_stops_working_immediately(client, people, api_user):
    key, full = api_key_create(user=api_user, name="x")
    assert client.get("/api/v1/technicians", HTTP_AUTHORIZATION=f"Bearer {full}").status_code == 200
    api_key_revoke(key=key)
    assert client.get("/api/v1/technicians", HTTP_AUTHORIZATION=f"Bearer {full}").status_code == 401


def test_key_of_a_deactivated_user_is_401(client, people, api_user):
    _, full = api_key_create(user=api_user, name="x")
    api_user.is_active = False
    api_user.save()
    assert client.get("/api/v1/technicians", HTTP_AUTHORIZATION=f"Bearer {full}").status_code == 401


def test_last_used_at_is_recorded(client, people, api_user):
    key, full = api_key_create(user=api_user, name="x")
    assert key.last_used_at is None
    client.get("/api/v1/technicians", HTTP_AUTHORIZATION=f"Bearer {full}")
    assert ApiKey.objects.get(pk=key.pk).last_used_at is not None


def test_only_the_hash_is_stored(api_user):
    key, full = api_key_create(user=api_user, name="x")
    assert full not in {key.hashed_key, key.prefix}
    assert key.hashed_key == ApiKey.hash_secret(full)
