"""API schemas for ingestion."""

from datetime import datetime
from typing import Any
from uuid import UUID

from ninja import Field, Schema


class StatusOut(Schema):
    configured: bool
    reachable: bool
    message: str
    missing: list[str]
    account: str
    database: str
    schema_name: str = Field(alias="schema")
    sources: list["SourceOut"]


class SourceOut(Schema):
    name: str
    source_table: str
    target: str
    enabled: bool
    watermark_column: str
    last_watermark: Any = None
    last_synced_at: datetime | None = None
    last_run_id: UUID | None = None
    last_run_status: str | None = None
    last_run_finished_at: datetime | None = None
    last_run_error: str | None = None


class SyncIn(Schema):
    full: bool = Field(default=False, description="Ignore the watermark and read the whole table.")


class SyncRunOut(Schema):
    id: UUID
    source: str
    status: str
    trigger: str
    full: bool
    attempt: int
    created_at: datetime
    started_at: datetime | None = None
    finished_at: datetime | None = None
    duration_seconds: float | None = None
    rows_read: int
    rows_created: int
    rows_updated: int
    rows_unchanged: int
    rows_rejected: int
    batches_committed: int
    watermark_before: Any = None
    watermark_after: Any = None
    error: str


class SyncRunPage(Schema):
    count: int
    limit: int
    offset: int
    items: list[SyncRunOut]


class RejectedRowOut(Schema):
    batch: int
    row_key: str
    column: str
    reason: str
    raw: dict[str, Any]


class RejectedPage(Schema):
    count: int
    limit: int
    offset: int
    items: list[RejectedRowOut]


StatusOut.model_rebuild()
