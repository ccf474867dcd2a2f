"""Warehouse ingestion: which Snowflake table feeds which record kind, and what each sync did.

A ``SourceMapping`` is data (edited in admin): source table → target kind, source column → target
field, business-key columns and a watermark column. Each sync is a ``SyncRun`` with its counts,
duration and the rows it rejected (``SyncRejectedRow``, downloadable as CSV).
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models

from core.models import TimeStamped


class TargetKind(models.TextChoices):
    TECHNICIANS = "technicians", "Technicians"
    SNAPSHOTS = "snapshots", "Monthly technician snapshots"
    CANDIDATES = "candidates", "Candidates"
    DEMAND = "demand", "Weekly demand"


def default_batch_size() -> int:
    return settings.SNOWFLAKE_BATCH_SIZE


class SourceMapping(TimeStamped):
    """One Snowflake table feeding one record kind. ``name`` is what `snowflake_sync NAME` takes."""

    name = models.SlugField(max_length=60, unique=True, help_text="Short name, e.g. 'technicians'.")
    source_table = models.CharField(
        max_length=255, help_text="Table or view in SNOWFLAKE_DATABASE.SNOWFLAKE_SCHEMA, exactly as discovered."
    )
    target = models.CharField(max_length=20, choices=TargetKind.choices)
    column_map = models.JSONField(
        default=dict,
        help_text='Source column → target field, e.g. {"EMP_ID": "employee_id", "HIRED_ON": "hire_date"}.',
    )
    key_columns = models.JSONField(
        default=list, blank=True, help_text='Source columns forming the business key, e.g. ["EMP_ID"].'
    )
    watermark_column = models.CharField(
        max_length=255,
        blank=True,
        help_text="Source column that grows when a row changes (e.g. UPDATED_AT). Empty: every sync reads everything.",
    )
    batch_size = models.PositiveIntegerField(
        default=default_batch_size,
        validators=[MinValueValidator(1), MaxValueValidator(100_000)],
        help_text="Rows per transaction.",
    )
    enabled = models.BooleanField(default=True, help_text="Included in the scheduled sync.")
    last_watermark = models.JSONField(
        null=True, blank=True, help_text="Highest watermark fully committed; the next sync reads rows after it."
    )
    last_synced_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return f"{self.name} ({self.source_table} → {self.get_target_display()})"

    def source_columns(self) -> list[str]:
        """Every source column a sync reads — compared with the discovered columns before fetching."""
        cols = [*self.column_map.keys(), *(self.key_columns or [])]
        if self.watermark_column:
            cols.append(self.watermark_column)
        return list(dict.fromkeys(cols))


class SyncStatus(models.TextChoices):
    QUEUED = "queued", "Queued"
    RUNNING = "running", "Running"
    SUCCEEDED = "succeeded", "Succeeded"
    FAILED = "failed", "Failed"


ACTIVE_STATUSES = (SyncStatus.QUEUED, SyncStatus.RUNNING)


class SyncTrigger(models.TextChoices):
    ADMIN = "admin", "Admin 'Sync now'"
    COMMAND = "command", "Management command"
    API = "api", "API"
    SCHEDULE = "schedule", "Schedule"
    RETRY = "retry", "Retry"


class SyncRun(TimeStamped):
    """One sync of one mapping. At most one queued/running run per mapping (constraint)."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    mapping = models.ForeignKey(SourceMapping, on_delete=models.CASCADE, related_name="runs")
    status = models.CharField(max_length=10, choices=SyncStatus.choices, default=SyncStatus.QUEUED)
    trigger = models.CharField(max_length=10, choices=SyncTrigger.choices, default=SyncTrigger.COMMAND)
    full = models.BooleanField(default=False, help_text="Ignored the stored watermark and read every row.")
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    attempt = models.PositiveSmallIntegerField(default=1)
    task_id = models.CharField(max_length=64, blank=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    duration_seconds = models.FloatField(null=True, blank=True)
    rows_read = models.PositiveIntegerField(default=0)
    rows_created = models.PositiveIntegerField(default=0)
    rows_updated = models.PositiveIntegerField(default=0)
    rows_unchanged = models.PositiveIntegerField(default=0)
    rows_rejected = models.PositiveIntegerField(default=0)
    batches_committed = models.PositiveIntegerField(default=0)
    watermark_before = models.JSONField(null=True, blank=True)
    watermark_after = models.JSONField(null=True, blank=True)
    error = models.TextField(blank=True)
    retryable = models.BooleanField(default=False, help_text="Failed for a transient reason (unreachable, auth).")
    requeues = models.PositiveSmallIntegerField(default=0, help_text="Times the reaper re-queued it (worker lost).")

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["mapping"],
                condition=models.Q(status__in=["queued", "running"]),
                name="syncrun_one_active_per_mapping",
            )
        ]
        indexes = [models.Index(fields=["mapping", "-created_at"]), models.Index(fields=["status"])]

    def __str__(self) -> str:
        return f"{self.mapping.name} {self.created_at:%Y-%m-%d %H:%M} {self.status}"

    @property
    def is_active(self) -> bool:
        return self.status in ACTIVE_STATUSES

    @property
    def rows_per_second(self) -> float | None:
        if not self.duration_seconds:
            return None
        return self.rows_read / self.duration_seconds


class SyncRejectedRow(models.Model):
    """A source row the sync refused, with the reason (missing key, bad date, negative pay…)."""

    run = models.ForeignKey(SyncRun, on_delete=models.CASCADE, related_name="rejected_rows")
    batch = models.PositiveIntegerField(default=0)
    row_key = models.CharField(max_length=255, blank=True)
    column = models.CharField(max_length=255, blank=True)
    reason = models.TextField()
    raw = models.JSONField(default=dict, help_text="The source row as read (column → value).")

    class Meta:
        ordering = ["run", "id"]
        indexes = [models.Index(fields=["run", "id"])]

    def __str__(self) -> str:
        return f"{self.row_key or '(no key)'}: {self.reason}"
