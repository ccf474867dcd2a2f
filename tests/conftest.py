"""Shared fixtures. Tests run against the real PostgreSQL+pgvector and Redis (embedded by default)."""

import os
from pathlib import Path

import pytest

os.environ.setdefault("TESTING", "1")


def pytest_sessionfinish(session, exitstatus):
    # Stop the embedded servers only if this test session started them (a running `make run` is left alone).
    try:
        from django.conf import settings

        from config import embedded

        started = embedded.started_here()
        if "redis" in started:
            embedded.stop_redis(Path(settings.VAR_DIR))
        if "pg" in started:
            embedded.stop_postgres(Path(settings.VAR_DIR))
    except Exception:  # noqa: BLE001 - never mask the test result
        pass


@pytest.fixture(autouse=True)
def _clear_cache():
    from django.core.cache import cache

    cache.clear()
    yield


@pytest.fixture
def hr_admin(db):
    from tests.factories import HR_ADMIN, make_user

    return make_user("hr", HR_ADMIN)


@pytest.fixture
def recruiter(db):
    from tests.factories import RECRUITER, make_user

    return make_user("rec", RECRUITER)


@pytest.fixture
def api_user(db):
    from tests.factories import API_CONSUMER, make_user

    return make_user("api", API_CONSUMER)


@pytest.fixture
def hr_client(client, hr_admin):
    client.force_login(hr_admin)
    return client


@pytest.fixture
def recruiter_client(client, recruiter):
    client.force_login(recruiter)
    return client


@pytest.fixture
def api_key_for():
    """api_key_for(user) -> full key string for the Authorization header."""
    from core.services import api_key_create

    def make(user, name="test"):
        _, full = api_key_create(user=user, name=name)
        return full

    return make


@pytest.fixture
def celery_worker_live(transactional_db):
    """A real Celery worker (solo pool, in a thread) consuming from the real Redis broker.

    Tasks enqueued by the code under test run in this worker against the real database.
    Uses transactional_db because the worker thread has its own DB connection.
    """
    from celery.contrib.testing.worker import start_worker

    from config.celery import app

    app.conf.task_always_eager = False
    with start_worker(
        app, pool="solo", concurrency=1, perform_ping_check=False, shutdown_timeout=30, queues=["interactive", "heavy"]
    ) as worker:
        yield worker


@pytest.fixture(scope="session", autouse=True)
def _close_stray_connections(django_db_setup, django_db_blocker):
    """Browser/ASGI tests serve requests from other threads whose DB connections can outlive them;
    end those sessions before pytest-django drops the test database (else: 'being accessed by other users')."""
    yield
    with django_db_blocker.unblock():
        from django.db import connection, connections

        with connection.cursor() as cur:
            cur.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE datname = current_database() AND pid <> pg_backend_pid()"
            )
        connections.close_all()
