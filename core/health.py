"""Health checks for database and Redis, each with a short timeout."""

import time

import redis
from django.conf import settings
from django.db import connection


def check_database() -> dict:
    start = time.perf_counter()
    try:
        with connection.cursor() as cur:
            cur.execute("SELECT extversion FROM pg_extension WHERE extname = 'vector'")
            row = cur.fetchone()
        return {"ok": True, "ms": _ms(start), "pgvector": row[0] if row else None}
    except Exception as exc:  # noqa: BLE001 - any failure is reported, not raised
        return {"ok": False, "ms": _ms(start), "error": f"{type(exc).__name__}: {exc}"[:300]}


def check_redis() -> dict:
    start = time.perf_counter()
    try:
        client = redis.Redis.from_url(settings.REDIS_URL, socket_connect_timeout=1, socket_timeout=1)
        client.ping()
        return {"ok": True, "ms": _ms(start)}
    except Exception as exc:  # noqa: BLE001
        return {"ok": False, "ms": _ms(start), "error": f"{type(exc).__name__}: {exc}"[:300]}


def _ms(start: float) -> float:
    return round((time.perf_counter() - start) * 1000, 1)
