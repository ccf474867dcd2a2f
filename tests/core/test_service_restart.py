"""Restarting the embedded services: Redis comes back on the same port with its queued tasks (append-only
file under var/), clients in running processes recover by themselves, and a task queued before a full
stop/start of Redis and PostgreSQL still runs afterwards."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
import redis
from django.conf import settings

from config import embedded

pytestmark = pytest.mark.timeout(240)


def _var() -> Path:
    return Path(settings.VAR_DIR)


def _port(url: str) -> int:
    return int(url.rsplit(":", 1)[1].split("/")[0])


def _restart_redis() -> str:
    before = embedded.redis_url(_var())
    embedded.stop_redis(_var())
    assert not embedded._ping(_port(before))
    after = embedded.redis_url(_var())
    assert _port(after) == _port(before)  # same port, though the old connections sit in TIME_WAIT
    return after


def _ensure_persistent_redis() -> None:
    """A Redis started before persistence was switched on is restarted once with the new options."""
    client = redis.Redis.from_url(settings.REDIS_URL)
    if client.config_get("appendonly").get("appendonly") != "yes":
        _restart_redis()
    client.close()


@pytest.mark.skipif(bool(__import__("os").environ.get("REDIS_URL")), reason="embedded Redis only")
def test_redis_restart_keeps_its_port_and_clients_recover(db):
    from django.core.cache import cache

    from config.celery import app
    from core.queueing import send

    _ensure_persistent_redis()
    cache.set("before-restart", 1)
    client = redis.Redis.from_url(settings.CELERY_BROKER_URL)
    client.delete("interactive")
    send("core.tasks.reap_runs")
    assert client.llen("interactive") == 1
    _restart_redis()
    # queued work survived, and the clients this process already holds reconnect on their own
    assert client.llen("interactive") == 1
    assert cache.get("before-restart") == 1
    cache.set("after-restart", 2)
    assert cache.get("after-restart") == 2
    send("core.tasks.reap_runs")
    assert client.llen("interactive") == 2
    client.delete("interactive")
    client.close()
    assert app.conf.broker_url == settings.CELERY_BROKER_URL  # nobody had to be told a new URL


@pytest.mark.skipif(bool(__import__("os").environ.get("DATABASE_URL") or __import__("os").environ.get("REDIS_URL")),
                    reason="embedded services only")  # fmt: skip
def test_task_queued_before_a_full_restart_of_the_services_still_runs(transactional_db):
    from celery.contrib.testing.worker import start_worker
    from django.db import connections

    from assistant.models import KnowledgeDocument
    from assistant.services import knowledge_document_create, knowledge_document_enqueue
    from config.celery import app

    _ensure_persistent_redis()
    client = redis.Redis.from_url(settings.CELERY_BROKER_URL)
    client.delete("interactive", "heavy")
    doc = knowledge_document_create(title="Overtime policy", content="Overtime above 10 hours needs approval. " * 20)
    knowledge_document_enqueue(document_id=doc.pk)  # published at once (autocommit), no worker running
    assert client.llen("interactive") == 1
    client.close()

    embedded.stop_redis(_var())
    embedded.stop_postgres(_var())
    assert not embedded._pg_running(_var() / "pg")
    connections.close_all()
    embedded.postgres_settings(_var())
    embedded.redis_url(_var())

    app.conf.task_always_eager = False
    with start_worker(app, pool="solo", concurrency=1, perform_ping_check=False, queues=["interactive"]):
        end = time.monotonic() + 60
        while time.monotonic() < end:
            doc.refresh_from_db()
            if doc.status == KnowledgeDocument.Status.READY:
                break
            time.sleep(0.3)
    assert doc.status == KnowledgeDocument.Status.READY, (doc.status, doc.error)
    assert doc.chunks.count() >= 1
