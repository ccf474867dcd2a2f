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
