"""Reads for ingestion: Snowflake configuration/status, mappings with their last run, runs, rejected rows,
and cached ad-hoc warehouse queries."""

from __future__ import annotations

import logging
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db.models import OuterRef, QuerySet, Subquery

from ingest import snowflake as sf
from ingest.cache import cached_query
from ingest.models import SourceMapping, SyncRejectedRow, SyncRun

log = logging.getLogger(__name__)
STATUS_CACHE_KEY = "snowflake:status"


def snowflake_config() -> sf.SnowflakeConfig:
    """The connection settings (SNOWFLAKE_* environment variables) as the adapter's config."""
    return sf.SnowflakeConfig(
        account=settings.SNOWFLAKE_ACCOUNT,
        user=settings.SNOWFLAKE_USER,
        role=settings.SNOWFLAKE_ROLE,
        warehouse=settings.SNOWFLAKE_WAREHOUSE,
        database=settings.SNOWFLAKE_DATABASE,
        schema=settings.SNOWFLAKE_SCHEMA,
        private_key_path=settings.SNOWFLAKE_PRIVATE_KEY_PATH,
        private_key_passphrase=settings.SNOWFLAKE_PRIVATE_KEY_PASSPHRASE,
        login_timeout=settings.SNOWFLAKE_LOGIN_TIMEOUT,
        network_timeout=settings.SNOWFLAKE_NETWORK_TIMEOUT,
    )


def snowflake_status(*, refresh: bool = False) -> dict[str, Any]:
    """``{configured, reachable, message, missing, account, database, schema}``.

    Reachability needs a login, so it is cached in Redis for SNOWFLAKE_STATUS_CACHE_SECONDS.
    """
    config = snowflake_config()
    base = {
        "configured": config.is_configured,
        "missing": config.missing(),
        "account": config.account,
        "database": config.database,
        "schema": config.schema,
    }
    if not config.is_configured:
        return {
            **base,
            "reachable": False,
            "message": "Snowflake is not configured (set " + ", ".join(config.missing()) + "). "
            "Use CSV import or the demo data instead.",
        }
    cached = None
    if not refresh:
        try:
            cached = cache.get(STATUS_CACHE_KEY)
        except Exception:  # noqa: BLE001 - Redis down: check live
            cached = None
    if cached is None:
        reachable, message = sf.ping(config)
        cached = {"reachable": reachable, "message": message}
        try:
            cache.set(STATUS_CACHE_KEY, cached, timeout=settings.SNOWFLAKE_STATUS_CACHE_SECONDS)
        except Exception:  # noqa: BLE001
            log.warning("could not cache snowflake status")
    return {**base, **cached}


def mapping_list() -> QuerySet[SourceMapping]:
    """Mappings annotated with their latest run's id/status/finish time (one query)."""
    latest = SyncRun.objects.filter(mapping=OuterRef("pk")).order_by("-created_at")
    return SourceMapping.objects.annotate(
        last_run_id=Subquery(latest.values("id")[:1]),
        last_run_status=Subquery(latest.values("status")[:1]),
        last_run_finished_at=Subquery(latest.values("finished_at")[:1]),
        last_run_error=Subquery(latest.values("error")[:1]),
    ).order_by("name")


def mapping_get_by_name(*, name: str) -> SourceMapping | None:
    return SourceMapping.objects.filter(name=name).first()


def run_list(*, mapping_name: str | None = None, status: str | None = None) -> QuerySet[SyncRun]:
    qs = SyncRun.objects.select_related("mapping").order_by("-created_at")
    if mapping_name:
        qs = qs.filter(mapping__name=mapping_name)
    if status:
        qs = qs.filter(status=status)
    return qs


def run_get(*, run_id) -> SyncRun | None:
    return SyncRun.objects.select_related("mapping").filter(pk=run_id).first()


def rejected_rows(*, run: SyncRun) -> QuerySet[SyncRejectedRow]:
    return run.rejected_rows.order_by("id")


def run_to_dict(run: SyncRun) -> dict[str, Any]:
    return {
        "id": str(run.id),
        "source": run.mapping.name,
        "status": run.status,
        "trigger": run.trigger,
        "full": run.full,
        "attempt": run.attempt,
        "created_at": run.created_at,
        "started_at": run.started_at,
        "finished_at": run.finished_at,
        "duration_seconds": run.duration_seconds,
        "rows_read": run.rows_read,
        "rows_created": run.rows_created,
        "rows_updated": run.rows_updated,
        "rows_unchanged": run.rows_unchanged,
        "rows_rejected": run.rows_rejected,
        "batches_committed": run.batches_committed,
        "watermark_before": sf.decode_watermark(run.watermark_before),
        "watermark_after": sf.decode_watermark(run.watermark_after),
        "error": run.error,
    }


def warehouse_query(*, sql: str, params: Any = None, ttl: int | None = None, max_rows: int = 10_000) -> dict:
    """Run a read query against Snowflake through the Redis cache (``{columns, rows, cached}``).

    Synchronous: call it from a sync view (Django runs those in a worker thread) or a task.
    """
    config = snowflake_config()

    def run():
        with sf.session(config) as conn:
            return sf.query(conn, sql, params, max_rows=max_rows)

    return cached_query(sql, params, run=run, ttl=ttl, scope=(config.account, config.database, config.schema))


async def awarehouse_query(*, sql: str, params: Any = None, ttl: int | None = None, max_rows: int = 10_000) -> dict:
    """``warehouse_query`` for async code (consumers, async views, assistant tools): the synchronous
    connector runs in a worker thread, so the event loop is never blocked."""
    from asgiref.sync import sync_to_async

    return await sync_to_async(warehouse_query, thread_sensitive=False)(
        sql=sql, params=params, ttl=ttl, max_rows=max_rows
    )


def warehouse_table_count(*, table: str, ttl: int | None = None) -> int:
    """Row count of a table in the configured schema (cached) — e.g. for a dashboard tile."""
    config = snowflake_config()
    source = ".".join(sf.quote_identifier(x) for x in (config.database, config.schema, table))
    result = warehouse_query(sql=f"SELECT COUNT(*) FROM {source}", ttl=ttl)  # noqa: S608 - identifiers are checked
    return int(result["rows"][0][0])
