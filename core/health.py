"""Health checks for database and Redis, each with a short timeout.

``/healthz`` and ``/api/v1/health`` answer the same thing from the same function, before any other
middleware touches the database (sessions, auth), so a dead database gives 503 JSON naming it whatever
cookies the request carries — never a 500 page.
"""

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
        try:
            connection.close()  # a broken connection must not be reused by the next check
        except Exception:  # noqa: BLE001, S110
            pass
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


HEALTH_PATHS = ("/healthz", "/api/v1/health")


def health_report() -> tuple[dict, int]:
    """The one health answer: (body, HTTP status). 503 names each failed dependency in ``failed``."""
    db, rd = check_database(), check_redis()
    failed = [name for name, check in (("database", db), ("redis", rd)) if not check["ok"]]
    body = {"status": "degraded" if failed else "ok", "failed": failed, "database": db, "redis": rd}
    return body, 503 if failed else 200
