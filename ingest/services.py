"""Writes for ingestion: create/queue/execute syncs, mapping upkeep.

Every entry point — admin "Sync now", ``manage.py snowflake_sync``, ``POST /api/v1/ingest/…/sync``
and the beat schedule — goes through ``sync_run_create`` + ``sync_run_execute``.

A sync reads the source table in watermark order, batch by batch. Each batch is ONE transaction:
the shared row contract validates it (``technicians.services.records_upsert``, policy
``skip_invalid``), good rows are upserted by business key in bulk, rejected rows are recorded with
their reasons, the run's counters grow and the mapping's watermark advances — all or nothing. A crash
between batches therefore leaves only whole batches behind, and the next run resumes after the
last committed one (re-reading a few rows at worst, which the upsert reports as unchanged).
"""

from __future__ import annotations

import logging
import time
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from core.heartbeat import heartbeat
from ingest import snowflake as sf
from ingest.mapping import apply_mapping
from ingest.models import ACTIVE_STATUSES, SourceMapping, SyncRejectedRow, SyncRun, SyncStatus, SyncTrigger
from ingest.selectors import snowflake_config
from technicians import services as technician_services
from technicians.rowspec import ROW_NUMBER_KEY

log = logging.getLogger(__name__)


class SyncAlreadyRunning(Exception):  # noqa: N818 - reads better at call sites
    def __init__(self, run: SyncRun):
        self.run = run
        super().__init__(f"A sync of {run.mapping.name} is already {run.status} (run {run.id})")


# --------------------------------------------------------------------------- mappings


def source_columns(*, table: str) -> list[sf.ColumnInfo]:
    config = snowflake_config()
    with sf.session(config) as conn:
        return sf.discover(conn, database=config.database, schema=config.schema, table=table).get(table, [])


def schema_discover(*, table: str | None = None) -> dict[str, list[sf.ColumnInfo]]:
    """Tables and columns of the configured schema (for `snowflake_discover` and the admin)."""
    config = snowflake_config()
    with sf.session(config) as conn:
        return sf.discover(conn, database=config.database, schema=config.schema, table=table)


def mapping_reset_watermark(*, mapping: SourceMapping) -> None:
    """Forget the watermark: the next sync reads the whole table again (safe: upserts are idempotent)."""
    SourceMapping.objects.filter(pk=mapping.pk).update(last_watermark=None, updated_at=timezone.now())


# --------------------------------------------------------------------------- runs


def _abandon_stale(mapping: SourceMapping) -> None:
    cutoff = timezone.now() - timedelta(seconds=settings.SNOWFLAKE_SYNC_STALE_SECONDS)
    stale = SyncRun.objects.filter(mapping=mapping, status__in=ACTIVE_STATUSES, created_at__lt=cutoff).exclude(
        started_at__gte=cutoff
    )
    stale.update(
        status=SyncStatus.FAILED,
        finished_at=timezone.now(),
        error="Abandoned: no progress within SNOWFLAKE_SYNC_STALE_SECONDS (worker lost?).",
        updated_at=timezone.now(),
    )


def sync_run_create(
    *,
    mapping: SourceMapping,
    trigger: str = SyncTrigger.COMMAND,
    requested_by=None,
    full: bool = False,
    attempt: int = 1,
) -> SyncRun:
    """A queued run for ``mapping``. Raises SyncAlreadyRunning if one is queued or running."""
    _abandon_stale(mapping)
    active = SyncRun.objects.filter(mapping=mapping, status__in=ACTIVE_STATUSES).select_related("mapping").first()
    if active:
        raise SyncAlreadyRunning(active)
    try:
        with transaction.atomic():
            return SyncRun.objects.create(
                mapping=mapping,
                trigger=trigger,
                requested_by=requested_by if getattr(requested_by, "pk", None) else None,
                full=full,
                attempt=attempt,
                watermark_before=None if full else mapping.last_watermark,
            )
    except IntegrityError:  # lost a race with another trigger
        active = SyncRun.objects.filter(mapping=mapping, status__in=ACTIVE_STATUSES).select_related("mapping").first()
        if active:
            raise SyncAlreadyRunning(active)
        raise


def sync_enqueue(
    *, mapping: SourceMapping, trigger: str, requested_by=None, full: bool = False, attempt: int = 1, countdown: int = 0
) -> SyncRun:
    """Create a run and hand it to a Celery worker once this transaction commits."""
    run = sync_run_create(mapping=mapping, trigger=trigger, requested_by=requested_by, full=full, attempt=attempt)
    run_id = str(run.id)

    def send():
        from core import queueing

        try:
            task_id = queueing.send("ingest.tasks.snowflake_sync_mapping", run_id, countdown=countdown or None)
        except queueing.BrokerUnavailable as exc:  # broker (Redis) down: say so on the run, don't leave it queued
            log.error("could not queue snowflake sync %s: %s", run_id, exc)
            SyncRun.objects.filter(pk=run_id, status=SyncStatus.QUEUED).update(
                status=SyncStatus.FAILED,
                retryable=False,
                finished_at=timezone.now(),
                error=f"Could not queue the sync (task broker unreachable: {exc}). Try again once Redis is up.",
                updated_at=timezone.now(),
            )
            return
        SyncRun.objects.filter(pk=run_id).update(task_id=task_id or "")

    transaction.on_commit(send)
    return run


def sync_enqueue_all(*, trigger: str = SyncTrigger.SCHEDULE) -> list[SyncRun]:
    """Queue a sync of every enabled mapping (skipping those already queued/running)."""
    runs = []
    for mapping in SourceMapping.objects.filter(enabled=True).order_by("name"):
        try:
            runs.append(sync_enqueue(mapping=mapping, trigger=trigger))
        except SyncAlreadyRunning as exc:
            log.info("snowflake sync skipped: %s", exc)
    return runs


def retry_delay(attempt: int) -> int:
    """Exponential backoff: base, 2×base, 4×base… capped at one hour."""
    return min(settings.SNOWFLAKE_SYNC_RETRY_BACKOFF_SECONDS * 2 ** max(attempt - 1, 0), 3600)


def sync_run_retry(*, run: SyncRun) -> SyncRun | None:
    """After a transient failure, queue another attempt with backoff (up to SNOWFLAKE_SYNC_MAX_RETRIES)."""
    if run.status != SyncStatus.FAILED or not run.retryable or run.attempt > settings.SNOWFLAKE_SYNC_MAX_RETRIES:
        return None
    try:
        return sync_enqueue(
            mapping=run.mapping,
            trigger=SyncTrigger.RETRY,
            requested_by=run.requested_by,
            full=run.full,
            attempt=run.attempt + 1,
            countdown=retry_delay(run.attempt),
        )
    except SyncAlreadyRunning:
        return None


def sync_runs_reap(*, live) -> list[str]:
    """Re-queue (or fail, after RUN_MAX_REQUEUES) syncs no live task is working on. A re-queued sync
    resumes after the last committed batch (the watermark moves with each batch)."""
    from core.queueing import BrokerUnavailable, send
    from core.reaper import gave_up_reason

    actions = []
    for run in SyncRun.objects.filter(status__in=ACTIVE_STATUSES, updated_at__lt=live.stale_before):
        if live.is_live(run.pk):
            continue
        if run.requeues >= live.max_requeues:
            SyncRun.objects.filter(pk=run.pk, status__in=ACTIVE_STATUSES).update(
                status=SyncStatus.FAILED, error=gave_up_reason(run.requeues), finished_at=timezone.now(),
                updated_at=timezone.now(),
            )  # fmt: skip
            actions.append(f"{run.pk} failed")
            continue
        if not SyncRun.objects.filter(pk=run.pk, status=run.status, updated_at=run.updated_at).update(
            requeues=run.requeues + 1, updated_at=timezone.now()
        ):
            continue
        try:
            task_id = send("ingest.tasks.snowflake_sync_mapping", str(run.pk))
        except BrokerUnavailable:
            continue
        SyncRun.objects.filter(pk=run.pk).update(task_id=task_id)
        actions.append(f"{run.pk} requeued")
    return actions


def sync_now(*, mapping: SourceMapping, trigger: str = SyncTrigger.COMMAND, requested_by=None, full: bool = False):
    """Create and execute a run in this process (management command, benchmark)."""
    run = sync_run_create(mapping=mapping, trigger=trigger, requested_by=requested_by, full=full)
    return sync_run_execute(run_id=run.id)


def sync_run_execute(*, run_id: Any) -> SyncRun:
    """Execute a queued (or redelivered running) run. Never raises for sync failures: the run records
    them (``status=failed``, ``error``, ``retryable`` for unreachable/auth problems)."""
    run = SyncRun.objects.select_related("mapping").get(pk=run_id)
    if run.status in (SyncStatus.SUCCEEDED, SyncStatus.FAILED):
        return run  # a redelivered task for a finished run: nothing to do
    started = timezone.now()
    SyncRun.objects.filter(pk=run.pk).update(status=SyncStatus.RUNNING, started_at=started, updated_at=started)
    t0 = time.perf_counter()
    status, error, retryable = SyncStatus.SUCCEEDED, "", False
    try:
        with heartbeat(SyncRun, run.pk):
            _sync(run)
    except sf.SnowflakeUnavailable as exc:
        status, error, retryable = SyncStatus.FAILED, str(exc), True
    except sf.SnowflakeError as exc:  # not configured, bad key, schema drift, query error
        status, error = SyncStatus.FAILED, str(exc)
    except Exception as exc:  # noqa: BLE001 - record any failure on the run, with the batch data rolled back
        log.exception("snowflake sync %s failed", run.id)
        status, error = SyncStatus.FAILED, f"{type(exc).__name__}: {exc}"[:2000]
    except BaseException:  # Ctrl-C / shutdown: don't leave the source locked as 'running'
        _finish(run, status=SyncStatus.FAILED, error="Interrupted (Ctrl-C or shutdown); re-run to resume.", t0=t0)
        raise
    return _finish(run, status=status, error=error, retryable=retryable, t0=t0)


def _finish(run: SyncRun, *, status: str, error: str, t0: float, retryable: bool = False) -> SyncRun:
    finished = timezone.now()
    mapping = SourceMapping.objects.get(pk=run.mapping_id)
    SyncRun.objects.filter(pk=run.pk).update(
        status=status,
        error=error,
        retryable=retryable,
        finished_at=finished,
        duration_seconds=time.perf_counter() - t0,
        watermark_after=mapping.last_watermark,
        updated_at=finished,
    )
    if status == SyncStatus.SUCCEEDED:
        SourceMapping.objects.filter(pk=mapping.pk).update(last_synced_at=finished)
    else:
        log.warning("snowflake sync of %s failed: %s", mapping.name, error)
    run.refresh_from_db()
    return run


def _sync(run: SyncRun) -> None:
    mapping = run.mapping
    config = snowflake_config()
    with sf.session(config) as conn:
        # compare the mapping with what is there before reading a single row (renamed/dropped columns)
        found = sf.discover(conn, database=config.database, schema=config.schema, table=mapping.source_table)
        sf.check_columns(mapping.source_table, mapping.source_columns(), found.get(mapping.source_table))
        after = None if run.full else sf.decode_watermark(mapping.last_watermark)
        batches = sf.fetch_batches(
            conn,
            database=config.database,
            schema=config.schema,
            table=mapping.source_table,
            columns=list(mapping.column_map),
            watermark_column=mapping.watermark_column or None,
            after=after if mapping.watermark_column else None,
            order_by=list(mapping.key_columns or []),
            batch_size=mapping.batch_size,
        )
        offset = 0
        seen: dict = {}  # business key → first row position in this run: a key in two batches is rejected
        for index, batch in enumerate(batches):
            _apply_batch(run=run, mapping=mapping, batch=batch, index=index, offset=offset, seen=seen)
            offset += len(batch.rows)


def _apply_batch(*, run: SyncRun, mapping: SourceMapping, batch: sf.Batch, index: int, offset: int, seen: dict) -> None:
    rows = []
    for i, source_row in enumerate(batch.rows):
        row = apply_mapping(mapping.column_map, source_row)
        row[ROW_NUMBER_KEY] = offset + i + 1  # position in this run's read order
        rows.append(row)
    with transaction.atomic():
        SourceMapping.objects.select_for_update().filter(pk=mapping.pk).first()  # one writer per mapping
        result = technician_services.records_upsert(
            kind=mapping.target,
            rows=rows,
            policy="skip_invalid",
            batch_size=max(len(rows), 1),
            seen=seen,
            source="this sync run",
        )
        errors_by_row: dict[Any, list] = {}
        for err in result.rejected:
            errors_by_row.setdefault(err.row_number, []).append(err)
        SyncRejectedRow.objects.bulk_create(
            [
                SyncRejectedRow(
                    run_id=run.pk,
                    batch=index + 1,
                    row_key=(errs[0].key or "")[:255],
                    column=", ".join(dict.fromkeys(e.column for e in errs if e.column))[:255],
                    reason="; ".join(e.reason for e in errs),
                    raw=sf.json_safe(batch.rows[row_number - offset - 1])
                    if isinstance(row_number, int) and 0 < row_number - offset <= len(batch.rows)
                    else {},
                )
                for row_number, errs in errors_by_row.items()
            ]
        )
        if mapping.watermark_column and batch.safe_watermark is not None:
            SourceMapping.objects.filter(pk=mapping.pk).update(
                last_watermark=sf.encode_watermark(batch.safe_watermark), updated_at=timezone.now()
            )
        SyncRun.objects.filter(pk=run.pk).update(
            rows_read=F("rows_read") + len(rows),
            rows_created=F("rows_created") + result.created,
            rows_updated=F("rows_updated") + result.updated,
            rows_unchanged=F("rows_unchanged") + result.unchanged,
            rows_rejected=F("rows_rejected") + len(errors_by_row),
            batches_committed=F("batches_committed") + 1,
            updated_at=timezone.now(),
        )
