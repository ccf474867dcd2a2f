"""The Celery app. Tasks take ids, call a service and record progress on the row (DESIGN.md).

Queues (routes in settings.CELERY_TASK_ROUTES): ``interactive`` (knowledge embedding, activation after
a promote, the run reaper) and ``heavy`` (training, scheduled scoring, forecast runs, syncs).
"""

import logging
import os

from celery import Celery
from celery.signals import worker_ready

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = Celery("technician_analytics")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

log = logging.getLogger(__name__)


@worker_ready.connect
def _reap_at_start(sender=None, **kwargs):
    """A (re)started worker asks for a reaper pass: runs orphaned by the previous worker get re-queued.

    Queued as a task (a few seconds later) rather than run here, so this worker already answers the
    reaper's ``inspect`` and its own reserved messages count as live.
    """
    try:
        app.send_task("core.tasks.reap_runs", countdown=3)
    except Exception as exc:  # noqa: BLE001 - the beat schedule runs the reaper anyway
        log.warning("could not queue the start-up reaper pass: %s", exc)
