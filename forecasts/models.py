"""Forecast runs, one row per forecast series in a run, and the forecast points.

A ForecastRun covers one metric (or all, ``metric=""``) over the district → region → company
hierarchy. Each series is fitted by a Celery task, recorded on its ForecastSeries row (status,
failure reason, backtest metrics, method used); the run is finalised (reconciled) once every
series is done. Points are stored after reconciliation, so what the page shows is coherent.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models

from core.models import TimeStamped

METRICS = ("headcount", "hires", "terminations_voluntary", "terminations_involuntary", "demand")
LEVELS = ("district", "region", "company")
#: "auto" = per series, the portfolio method with the best backtest (forecasts/backtest.py); the others force one.
METHODS = ("auto", "prophet", "seasonal_naive", "naive", "drift", "ets", "theta", "holt_winters", "ensemble")
RECONCILIATIONS = ("mint", "bottom_up", "none")
FREQUENCIES = ("weekly", "monthly")


class RunStatus(models.TextChoices):
    QUEUED = "queued", "Queued"
    RUNNING = "running", "Running"
    RECONCILING = "reconciling", "Reconciling"
    COMPLETED = "completed", "Completed"
    FAILED = "failed", "Failed"


class SeriesStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    DONE = "done", "Done"
    SKIPPED = "skipped", "Skipped"
    FAILED = "failed", "Failed"


class ForecastRun(TimeStamped):
    """One forecasting job. ``metric`` empty means every metric."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    metric = models.CharField(max_length=40, blank=True, help_text="Empty = all metrics.")
    level = models.CharField(max_length=10, default="district", help_text="Bottom level of the hierarchy.")
    horizon = models.PositiveSmallIntegerField(default=12)
    frequency = models.CharField(max_length=10, default="weekly")
    method = models.CharField(max_length=20, default="auto")
    reconciliation = models.CharField(max_length=12, default="mint")
    interval_width = models.FloatField(default=0.8)
    status = models.CharField(max_length=12, choices=RunStatus.choices, default=RunStatus.QUEUED)
    series_total = models.PositiveIntegerField(default=0)
    series_done = models.PositiveIntegerField(default=0)
    error = models.TextField(blank=True)
    backtest = models.JSONField(default=dict, blank=True, help_text="Run-level accuracy summary.")
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    requeues = models.PositiveSmallIntegerField(default=0, help_text="Times the reaper re-queued it (worker lost).")
    note = models.CharField(max_length=200, blank=True, help_text="What the run is waiting for, if anything.")

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["status", "-created_at"])]
        constraints = [
            # the quota: one queued-or-running run per scope (metric selection, level, frequency)
            models.UniqueConstraint(
                fields=["metric", "level", "frequency"],
                condition=models.Q(status__in=["queued", "running", "reconciling"]),
                name="forecastrun_one_running_per_scope",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.metric or 'all metrics'} · {self.created_at:%Y-%m-%d %H:%M} · {self.status}"

    @property
    def progress_pct(self) -> int:
        return int(100 * self.series_done / self.series_total) if self.series_total else 0

    @property
    def is_finished(self) -> bool:
        return self.status in (RunStatus.COMPLETED, RunStatus.FAILED)

    @property
    def metrics(self) -> list[str]:
        return [self.metric] if self.metric else list(METRICS)


class ForecastSeries(TimeStamped):
    """One series (metric × level × key) inside a run: its history, fit outcome and backtest."""

    run = models.ForeignKey(ForecastRun, on_delete=models.CASCADE, related_name="series")
    metric = models.CharField(max_length=40)
    level = models.CharField(max_length=10)
    key = models.CharField(max_length=30, help_text="District or region code; 'company' for the top.")
    name = models.CharField(max_length=100)
    parent_key = models.CharField(max_length=30, blank=True)
    status = models.CharField(max_length=10, choices=SeriesStatus.choices, default=SeriesStatus.PENDING)
    failure_reason = models.TextField(blank=True)
    method_used = models.CharField(max_length=20, blank=True)
    reconciliation = models.CharField(max_length=12, blank=True)
    history = models.JSONField(default=list, help_text="[{ds, y}] the series was fitted on.")
    fit = models.JSONField(
        default=dict, blank=True, help_text="Base forecasts, residuals and fold forecasts (internal)."
    )
    backtest = models.JSONField(default=dict, blank=True)
    seconds = models.FloatField(default=0)

    class Meta:
        verbose_name_plural = "forecast series"  # not "seriess"
        ordering = ["metric", "level", "key"]
        constraints = [
            models.UniqueConstraint(fields=["run", "metric", "level", "key"], name="forecast_series_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.metric}/{self.level}/{self.key}"


class ForecastPoint(models.Model):
    """A reconciled forecast value for one future period of one series."""

    series = models.ForeignKey(ForecastSeries, on_delete=models.CASCADE, related_name="points")
    ds = models.DateField()
    yhat = models.FloatField()
    yhat_lower = models.FloatField()
    yhat_upper = models.FloatField()

    class Meta:
        ordering = ["series", "ds"]
        constraints = [models.UniqueConstraint(fields=["series", "ds"], name="forecast_point_unique")]

    def __str__(self) -> str:
        return f"{self.series_id} {self.ds}: {self.yhat:.1f}"


class ForecastPublication(TimeStamped):
    """Which completed run is *the* forecast of a metric (per frequency) that dashboards, the hiring plan,
    the API and the assistant read. One current row per (metric, frequency); earlier rows stay as the
    record of who published what, when, and which run it replaced."""

    metric = models.CharField(max_length=40)
    frequency = models.CharField(max_length=10, default="weekly")
    run = models.ForeignKey(ForecastRun, on_delete=models.CASCADE, related_name="publications")
    replaced_run = models.ForeignKey(ForecastRun, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    is_current = models.BooleanField(default=True)
    published_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    note = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["metric", "frequency"],
                condition=models.Q(is_current=True),
                name="forecast_one_published_per_metric",
            )
        ]

    def __str__(self) -> str:
        return f"{self.metric}/{self.frequency} → {self.run_id}"
