"""Celery tasks for the Snowflake sync. They take ids and call ingest.services (DESIGN.md).

The connector is synchronous, so syncs always run here (a worker process), never in a request or
an event loop. ``technicians.tasks.snowflake_sync_scheduled`` is the name the beat schedule in
settings uses (CELERY_BEAT_SCHEDULE["snowflake-sync"], every SNOWFLAKE_SYNC_INTERVAL_SECONDS).
"""

from __future__ import annotations

import logging

from celery import shared_task

from ingest import services
from ingest.models import SyncRun, SyncStatus, SyncTrigger
from ingest.selectors import snowflake_config

log = logging.getLogger(__name__)


@shared_task(name="technicians.tasks.snowflake_sync_scheduled", ignore_result=True)
def snowflake_sync_scheduled() -> list[str]:
    """Queue a sync of every enabled mapping. Does nothing (and says so in the log) when Snowflake
    is not configured — the app then runs on CSV imports and demo data."""
    config = snowflake_config()
    if not config.is_configured:
        log.info("snowflake sync skipped: not configured (%s missing)", ", ".join(config.missing()))
        return []
    return [str(run.id) for run in services.sync_enqueue_all(trigger=SyncTrigger.SCHEDULE)]


@shared_task(name="ingest.tasks.snowflake_sync_mapping", acks_late=True)
def snowflake_sync_mapping(run_id: str) -> dict:
    """Execute one SyncRun. On a transient failure (unreachable, auth) queue the next attempt with
    exponential backoff, up to SNOWFLAKE_SYNC_MAX_RETRIES; each attempt is its own SyncRun."""
    try:
        run = services.sync_run_execute(run_id=run_id)
    except SyncRun.DoesNotExist:  # the run (or its mapping) was deleted while queued
        log.warning("snowflake sync run %s no longer exists", run_id)
        return {"run": run_id, "status": "missing", "retry": None}
    retry = None
    if run.status == SyncStatus.FAILED and run.retryable:
        retry = services.sync_run_retry(run=run)
    return {"run": str(run.id), "status": run.status, "retry": str(retry.id) if retry else None}
