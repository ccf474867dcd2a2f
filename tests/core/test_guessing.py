"""Guessing is slow and visible: login lockout (django-axes), API-key failure throttling (429 + Retry-After,
per IP and per key prefix, in Redis), the same work for known and unknown prefixes, 401 for dead keys."""

from datetime import timedelta

import pytest
from django.utils import timezone

from core.models import ApiKey
from core.services import api_key_create, api_key_revoke

pytestmark = pytest.mark.django_db
PASSWORD = "right-password-123"


@pytest.fixture
def person(db):
    from django.contrib.auth import get_user_model

    return get_user_model().objects.create_user("victim", password=PASSWORD, is_staff=True, is_superuser=True)


def _login(client, url, password):
    return client.post(url, {"username": "victim", "password": password}, REMOTE_ADDR="10.0.0.9")


@pytest.mark.parametrize("url", ["/accounts/login/", "/admin/login/"])
def test_thirty_wrong_passwords_then_the_right_one_does_not_log_in(client, person, url, settings):
    for i in range(30):
        r = _login(client, url, f"wrong-{i}")
        assert r.status_code in (200, 429)
    r = _login(client, url, PASSWORD)
    assert r.status_code == 429 and b"Too many failed sign-in attempts" in r.content
    assert "_auth_user_id" not in client.session


def test_lockout_is_listed_and_clearable_in_the_admin(client, person):
    from axes.models import AccessAttempt
    from django.contrib.auth import get_user_model

    for i in range(6):
        _login(client, "/accounts/login/", f"wrong-{i}")
    assert AccessAttempt.objects.filter(username="victim").exists()

    admin = get_user_model().objects.create_superuser("boss", password="x" * 12)
    client.force_login(admin)
    page = client.get("/admin/axes/accessattempt/")
    assert page.status_code == 200 and b"victim" in page.content
    ids = list(AccessAttempt.objects.values_list("pk", flat=True))
    r = client.post("/admin/axes/accessattempt/", {"action": "delete_selected", "_selected_action": ids, "post": "yes"})
    assert r.status_code == 302 and not AccessAttempt.objects.exists()
    client.logout()
    r = _login(client, "/accounts/login/", PASSWORD)
    assert r.status_code == 302 and client.session.get("_auth_user_id") == str(person.pk)


def _get(client, key, ip="10.1.1.1"):
    return client.get("/api/v1/me", HTTP_AUTHORIZATION=f"Bearer {key}", REMOTE_ADDR=ip)


def test_forged_keys_from_one_address_get_429_with_retry_after(client, api_user, settings):
    settings.API_KEY_FAILURES_PER_IP = 20
    _, real = api_key_create(user=api_user, name="real")
    for i in range(20):
        assert _get(client, f"ta_{i:08x}_forged").status_code == 401
    r = _get(client, "ta_ffffffff_forged")
    assert r.status_code == 429 and 0 < int(r["Retry-After"]) <= settings.API_KEY_FAILURE_WINDOW
    assert "retry" in r.json()["detail"].lower()
    assert _get(client, real).status_code == 429  # even a right key from that address waits out the window
    assert _get(client, real, ip="10.2.2.2").status_code == 200  # other addresses are unaffected


def test_guesses_at_one_prefix_from_many_addresses_get_429(client, api_user, settings):
    settings.API_KEY_FAILURES_PER_PREFIX = 10
    key, real = api_key_create(user=api_user, name="real")
    for i in range(10):
        assert _get(client, f"ta_{key.prefix}_guess{i}", ip=f"10.9.0.{i}").status_code == 401
    r = _get(client, f"ta_{key.prefix}_guess-again", ip="10.9.1.1")
    assert r.status_code == 429 and int(r["Retry-After"]) > 0
    # an unknown prefix is counted the same way: a 429 tells nothing about which prefixes exist
    for i in range(10):
        _get(client, f"ta_0badcafe_guess{i}", ip=f"10.8.0.{i}")
    assert _get(client, "ta_0badcafe_x", ip="10.8.1.1").status_code == 429


def test_unknown_prefix_does_the_same_hash_and_compare_as_a_real_one(api_user, monkeypatch):
    """The timing rule, asserted structurally (timings are measured in bench/bench_auth.py)."""
    import hmac

    from core import selectors

    key, full = api_key_create(user=api_user, name="x")
    calls = []
    real_compare = hmac.compare_digest
    monkeypatch.setattr(selectors.hmac, "compare_digest", lambda a, b: calls.append((a, b)) or real_compare(a, b))
    assert selectors.api_key_authenticate(raw_key=f"ta_{key.prefix}_wrong") is None
    assert selectors.api_key_authenticate(raw_key="ta_00000000_wrong") is None
    assert len(calls) == 2
    assert calls[0][0] == key.hashed_key and calls[1][0] == selectors._DUMMY_HASH
    assert len(calls[0][1]) == len(calls[1][1]) == 64


@pytest.mark.parametrize("state", ["revoked", "expired", "inactive_user"])
def test_dead_keys_get_401_on_post_not_a_csrf_403(client, api_user, state):
    key, full = api_key_create(user=api_user, name="x")
    if state == "revoked":
        api_key_revoke(key=key)
    elif state == "expired":
        ApiKey.objects.filter(pk=key.pk).update(expires_at=timezone.now() - timedelta(minutes=1))
    else:
        api_user.is_active = False
        api_user.save()
    r = client.post(
        "/api/v1/assistant/conversations", {"title": "x"}, content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {full}",
    )  # fmt: skip
    assert r.status_code == 401, r.content
    assert "API key" in r.json()["detail"]
