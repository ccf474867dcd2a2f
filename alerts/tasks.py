"""Celery tasks for alerts (beat schedule in config/settings.py). Both are idempotent: safe to re-deliver."""

from __future__ import annotations

from celery import shared_task


@shared_task(name="alerts.tasks.alerts_scan_task", acks_late=True)
def alerts_scan_task() -> dict:
    """Hourly: notifications for the latest scoring and recent candidate stage changes (dedupe keys: no repeats)."""
    from alerts.services import alerts_scan

    return alerts_scan()


@shared_task(name="alerts.tasks.alerts_digest_task", acks_late=True)
def alerts_digest_task() -> dict:
    """Daily: scan once more, then email each user the day's digest (one per user per day)."""
    from alerts.services import alerts_scan, digest_send

    return {"scan": alerts_scan(), "digest": digest_send()}
