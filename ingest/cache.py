"""Redis cache for ad-hoc warehouse query results, so dashboards reading Snowflake don't hammer it.

Keys are ``snowflake:q:<sha256 of (account, database, schema, query text, parameters)>``; values
expire after ``settings.SNOWFLAKE_CACHE_TTL`` seconds (or the ``ttl`` given). If Redis is down the
query simply runs uncached — a dead cache never breaks a page.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.core.cache import cache

from ingest.snowflake import json_safe

log = logging.getLogger(__name__)
PREFIX = "snowflake:q:"


def query_cache_key(sql: str, params: Any = None, *, scope: tuple = ()) -> str:
    """Stable key for a query: whitespace-normalised SQL text + parameters (+ connection scope)."""
    text = " ".join(sql.split())
    payload = json.dumps({"sql": text, "params": json_safe(params), "scope": list(scope)}, sort_keys=True)
    return PREFIX + hashlib.sha256(payload.encode()).hexdigest()


def cached_query(
    sql: str,
    params: Any,
    *,
    run: Callable[[], tuple[list[str], list[tuple]]],
    ttl: int | None = None,
    scope: tuple = (),
) -> dict:
    """Return ``{"columns", "rows", "cached"}`` for a query, from Redis if present, else by calling
    ``run()`` and storing the result for ``ttl`` seconds."""
    ttl = settings.SNOWFLAKE_CACHE_TTL if ttl is None else ttl
    if ttl <= 0:  # caching off for this query: always fresh
        columns, rows = run()
        return {"columns": list(columns), "rows": [json_safe(list(r)) for r in rows], "cached": False}
    key = query_cache_key(sql, params, scope=scope)
    try:
        hit = cache.get(key)
    except Exception as exc:  # noqa: BLE001 - Redis down: run uncached
        log.warning("snowflake query cache unavailable: %s", exc)
        hit = None
    if hit is not None:
        return {**hit, "cached": True}
    columns, rows = run()
    value = {"columns": list(columns), "rows": [json_safe(list(r)) for r in rows]}
    try:
        cache.set(key, value, timeout=ttl)
    except Exception as exc:  # noqa: BLE001
        log.warning("snowflake query cache unavailable: %s", exc)
    return {**value, "cached": False}


def cache_invalidate(sql: str, params: Any = None, *, scope: tuple = ()) -> None:
    try:
        cache.delete(query_cache_key(sql, params, scope=scope))
    except Exception as exc:  # noqa: BLE001
        log.warning("snowflake query cache unavailable: %s", exc)
