"""The cache degrades instead of failing: with Redis unreachable, pages and API lists that cache
(the technician list's counts) answer as usual, computing what they would have read; the cache itself is
a miss, drops writes, and stops asking Redis for a while after a failure."""

from __future__ import annotations

import socket
import time

import pytest
from django.core.cache import cache
from django.test import Client, override_settings

from core.cache import ResilientRedisCache
from tests.technicians.conftest import make_people

pytestmark = pytest.mark.django_db


def _dead_redis_url() -> str:
    with socket.socket() as s:  # a port nothing listens on: connections are refused at once
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    return f"redis://127.0.0.1:{port}/0"


@pytest.fixture
def dead_cache(settings):
    ResilientRedisCache._down_until = 0.0
    caches = {"default": {**settings.CACHES["default"], "LOCATION": _dead_redis_url()}}
    with override_settings(CACHES=caches):
        yield
    ResilientRedisCache._down_until = 0.0


def test_a_reachable_cache_still_caches():
    cache.set("cache-outage-probe", 41, 30)
    assert cache.get("cache-outage-probe") == 41
    assert cache.get_many(["cache-outage-probe"]) == {"cache-outage-probe": 41}
    cache.delete("cache-outage-probe")
    assert cache.get("cache-outage-probe", "gone") == "gone"


def test_an_unreachable_cache_is_a_miss_and_drops_writes(dead_cache):
    assert cache.set("k", 1, 30) is None
    assert ResilientRedisCache._down_until > time.monotonic()  # the outage is remembered…
    ResilientRedisCache._down_until = 0.0  # …forget it, so each call below reaches the dead server
    assert cache.get("k", "default") == "default"
    ResilientRedisCache._down_until = 0.0
    assert cache.get_many(["k", "j"]) == {}
    ResilientRedisCache._down_until = 0.0
    assert cache.add("k", 1) is False and cache.delete("k") is False


def test_after_a_failure_redis_is_not_asked_again_for_a_while(dead_cache, monkeypatch):
    cache.get("k")  # fails: the window opens
    calls = []
    monkeypatch.setattr("django.core.cache.backends.redis.RedisCache.get", lambda *a, **k: calls.append(a))
    assert cache.get("k", "fallback") == "fallback"
    assert calls == []


def test_the_technician_list_answers_while_redis_is_away(dead_cache, hr_admin, api_key_for):
    make_people()
    key = api_key_for(hr_admin)
    client = Client(raise_request_exception=False)
    r = client.get("/api/v1/technicians", HTTP_AUTHORIZATION=f"Bearer {key}")
    assert r.status_code == 200, r.content[:300]
    assert r.json()["count"] == 4
    client.force_login(hr_admin)
    page = client.get("/technicians/")
    assert page.status_code == 200 and b"E100" in page.content
