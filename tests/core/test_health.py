import pytest


def test_healthz_reports_database_with_pgvector_and_redis(client, db):
    resp = client.get("/healthz")
    assert resp.status_code == 200
    body = resp.json()
    assert body["status"] == "ok"
    assert body["database"]["ok"] and body["database"]["pgvector"]
    assert body["redis"]["ok"]


def test_healthz_reports_dead_redis_as_503(client, db, settings):
    settings.REDIS_URL = "redis://127.0.0.1:1/0"  # nothing listens on port 1
    resp = client.get("/healthz")
    assert resp.status_code == 503
    body = resp.json()
    assert body["status"] == "degraded"
    assert body["redis"]["ok"] is False and "Connection" in body["redis"]["error"]


@pytest.fixture
def dead_database(transactional_db):
    """Point the real connection at a port where nothing listens, then restore it."""
    from django.db import connection

    saved = dict(connection.settings_dict)
    connection.close()
    connection.settings_dict.update({"HOST": "127.0.0.1", "PORT": "1"})
    yield
    connection.close()
    connection.settings_dict.clear()
    connection.settings_dict.update(saved)


@pytest.mark.parametrize("path", ["/healthz", "/api/v1/health"])
def test_dead_database_is_a_503_json_naming_it_even_with_a_session_cookie(client, dead_database, path):
    client.cookies["sessionid"] = "a-session-the-dead-database-would-have-to-load"
    resp = client.get(path)
    assert resp.status_code == 503
    body = resp.json()
    assert body["failed"] == ["database"] and body["database"]["ok"] is False
    assert body["redis"]["ok"] is True


def test_healthz_and_api_health_agree(client, db, settings):
    settings.REDIS_URL = "redis://127.0.0.1:1/0"
    a, b = client.get("/healthz"), client.get("/api/v1/health")
    assert a.status_code == b.status_code == 503
    assert a.json()["failed"] == b.json()["failed"] == ["redis"]


def test_enqueue_with_a_dead_broker_fails_within_two_seconds(db, monkeypatch):
    import time

    from config.celery import app
    from core.queueing import BrokerUnavailable, send

    monkeypatch.setattr(app.conf, "broker_url", "redis://10.255.255.1:6379/0")  # blackholed: connect hangs
    start = time.perf_counter()
    with pytest.raises(BrokerUnavailable, match="task broker \\(Redis\\) is unreachable"):
        send("core.tasks.reap_runs")
    assert time.perf_counter() - start < 2.5
