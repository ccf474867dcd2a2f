"""Platform tasks: the run reaper (beat every RUN_REAPER_INTERVAL_SECONDS and at worker start)."""

from __future__ import annotations

from celery import shared_task


@shared_task(name="core.tasks.reap_runs", ignore_result=True)
def reap_runs() -> dict:
    from core.reaper import reap_all

    return reap_all()
