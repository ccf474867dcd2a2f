"""REST endpoints for the Snowflake sync, mounted at /api/v1/ingest/ (HR admins: ingest permissions).

Syncs are queued to Celery (202 + the run); the connector never runs on the request's event loop.
These are sync views: under ASGI Django runs them in a worker thread, so the status check's login
does not block the loop either.
"""

from __future__ import annotations

from uuid import UUID

from django.db import transaction
from django.shortcuts import get_object_or_404
from ninja import Body, Query, Router
from ninja.errors import HttpError

from core.access import requires
from core.pagination import PageParams, paginate
from core.params import Code
from core.permissions import RUN_SYNC
from ingest import selectors, services
from ingest import snowflake as sf
from ingest.models import SourceMapping, SyncRun, SyncStatus, SyncTrigger
from ingest.schemas import RejectedPage, StatusOut, SyncIn, SyncRunOut, SyncRunPage
from technicians.visibility import redact

router = Router(tags=["ingest"])
_OPTIONAL_BODY = Body(None)  # an optional JSON object body (documented as an object, never `null`)


def _source_dict(m) -> dict:
    return {
        "name": m.name,
        "source_table": m.source_table,
        "target": m.target,
        "enabled": m.enabled,
        "watermark_column": m.watermark_column,
        "last_watermark": sf.decode_watermark(m.last_watermark),
        "last_synced_at": m.last_synced_at,
        "last_run_id": m.last_run_id,
        "last_run_status": m.last_run_status,
        "last_run_finished_at": m.last_run_finished_at,
        "last_run_error": m.last_run_error,
    }


@router.get(
    "/status", response=StatusOut, by_alias=True, summary="Is Snowflake configured and reachable; last sync per source"
)
@requires(RUN_SYNC)
def status(request, refresh: bool = False):
    data = selectors.snowflake_status(refresh=refresh)
    data["sources"] = [_source_dict(m) for m in selectors.mapping_list()]
    return data


@router.post("/sources/{name}/sync", response={202: SyncRunOut, 409: dict}, summary="Queue a sync of one source")
@requires(RUN_SYNC)
def sync_source(request, name: str, payload: SyncIn = _OPTIONAL_BODY):
    mapping = get_object_or_404(SourceMapping, name=name)
    if not selectors.snowflake_config().is_configured:
        raise HttpError(409, selectors.snowflake_status()["message"])
    try:
        with transaction.atomic():
            run = services.sync_enqueue(
                mapping=mapping, trigger=SyncTrigger.API, requested_by=request.user, full=bool(payload and payload.full)
            )
    except services.SyncAlreadyRunning as exc:
        return 409, {"detail": str(exc), "run": str(exc.run.id)}
    return 202, selectors.run_to_dict(run)


@router.get("/runs", response=SyncRunPage, summary="Sync runs, newest first")
@requires(RUN_SYNC)
def runs(request, source: Code | None = None, status: SyncStatus | None = None, page: Query[PageParams] = None):
    page = page or PageParams()
    data = paginate(selectors.run_list(mapping_name=source, status=status), limit=page.limit, offset=page.offset)
    data["items"] = [selectors.run_to_dict(r) for r in data["items"]]
    return data


@router.get("/runs/{run_id}", response=SyncRunOut, summary="One sync run")
@requires(RUN_SYNC)
def run_detail(request, run_id: UUID):
    return selectors.run_to_dict(get_object_or_404(SyncRun.objects.select_related("mapping"), pk=run_id))


@router.get("/runs/{run_id}/rejected", response=RejectedPage, summary="Rows a run rejected, with reasons")
@requires(RUN_SYNC)
def run_rejected(request, run_id: UUID, page: Query[PageParams] = None):
    run = get_object_or_404(SyncRun, pk=run_id)
    page = page or PageParams()
    data = paginate(selectors.rejected_rows(run=run), limit=page.limit, offset=page.offset)
    data["items"] = [
        {
            "batch": r.batch,
            "row_key": r.row_key,
            "column": r.column,
            "reason": r.reason,
            "raw": redact(request.user, r.raw),
        }
        for r in data["items"]
    ]
    return data
