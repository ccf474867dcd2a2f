"""Ad-hoc warehouse queries are cached in Redis with a TTL; keys include the query text and parameters."""

import time

import pytest
from django.core.cache import cache

from ingest import selectors
from ingest.cache import cached_query, query_cache_key
from tests.ingest.conftest import tech_source_row


def test_same_query_and_params_hit_the_cache_until_the_ttl_expires():
    calls = []

    def run():
        calls.append(1)
        return ["N"], [(len(calls),)]

    first = cached_query("SELECT COUNT(*) FROM T WHERE x = %s", [1], run=run, ttl=1)
    second = cached_query("SELECT  COUNT(*)\n FROM T WHERE x = %s", [1], run=run, ttl=1)  # same text, other spacing
    assert (first["cached"], second["cached"]) == (False, True)
    assert second["rows"] == [[1]] and len(calls) == 1
    assert cache.get(query_cache_key("SELECT COUNT(*) FROM T WHERE x = %s", [1])) is not None  # really in Redis

    time.sleep(1.2)
    third = cached_query("SELECT COUNT(*) FROM T WHERE x = %s", [1], run=run, ttl=1)
    assert third["cached"] is False and third["rows"] == [[2]] and len(calls) == 2


def test_different_parameters_are_different_cache_entries():
    assert query_cache_key("SELECT 1 WHERE a = %s", [1]) != query_cache_key("SELECT 1 WHERE a = %s", [2])
    assert query_cache_key("SELECT 1", None) != query_cache_key("SELECT 2", None)
    assert query_cache_key("SELECT 1", None, scope=("acct-a",)) != query_cache_key("SELECT 1", None, scope=("acct-b",))


def test_a_dead_redis_runs_the_query_uncached(settings):
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": "redis://127.0.0.1:1/0",
            "OPTIONS": {"socket_connect_timeout": 0.2, "socket_timeout": 0.2},
        }
    }
    result = cached_query("SELECT 1", None, run=lambda: (["X"], [(1,)]), ttl=60)
    assert result == {"columns": ["X"], "rows": [[1]], "cached": False}


@pytest.mark.django_db
def test_warehouse_table_count_reads_snowflake_once_within_the_ttl(warehouse, settings):
    settings.SNOWFLAKE_CACHE_TTL = 30
    warehouse.create_technicians()
    warehouse.insert_technicians([tech_source_row(n) for n in range(1, 4)])
    assert selectors.warehouse_table_count(table="TECHNICIANS") == 3
    warehouse.insert_technicians([tech_source_row(9)])
    assert selectors.warehouse_table_count(table="TECHNICIANS") == 3  # cached
    assert selectors.warehouse_table_count(table="TECHNICIANS", ttl=0) == 4  # ttl 0: not cached


@pytest.mark.django_db
def test_async_callers_run_the_connector_off_the_event_loop(warehouse):
    import asyncio
    import threading

    import snowflake.connector

    warehouse.create_technicians()
    loop_thread, seen = threading.get_ident(), []
    real_connect = snowflake.connector.connect

    def spy(**kwargs):
        seen.append(threading.get_ident())
        return real_connect(**kwargs)

    # patched by hand (not monkeypatch) so it is undone before fakesnow's own patch is
    snowflake.connector.connect = spy

    async def main():
        ticks = 0

        async def ticker():  # keeps running while the query is in flight: the loop is not blocked
            nonlocal ticks
            while True:
                ticks += 1
                await asyncio.sleep(0)

        task = asyncio.create_task(ticker())
        result = await selectors.awarehouse_query(sql='SELECT COUNT(*) FROM "TECHNICIANS"', ttl=0)
        task.cancel()
        return result, ticks

    try:
        result, ticks = asyncio.run(main())
    finally:
        snowflake.connector.connect = real_connect
    assert result["rows"] == [[0]] and seen and seen[0] != loop_thread and ticks > 0
