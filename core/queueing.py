"""Enqueue Celery tasks by name after commit, and fail fast and clearly when the broker (Redis) is down.

Services enqueue through here *by task name* (``"predictions.tasks.train_model_task"``), so a service
module never imports its app's ``tasks`` module (tasks import services; imports run one way). The queue
(``interactive`` or ``heavy``) comes from ``CELERY_TASK_ROUTES`` in settings, matched on the name.

Without this, a dead Redis turns "Train now" or "Run forecasts" into a 500 and leaves the new row
``queued`` forever. Here the row is marked failed with the reason and the caller gets
``BrokerUnavailable`` (the API answers 503 with the message; pages show it) — within about two seconds.
"""

from __future__ import annotations

import logging
import socket
from collections.abc import Callable
from urllib.parse import urlparse

from django.db import transaction

log = logging.getLogger(__name__)

# one quick retry, then give up: the user is waiting on this request
RETRY_POLICY = {"max_retries": 1, "interval_start": 0, "interval_step": 0.2, "interval_max": 0.2}
PROBE_TIMEOUT = 0.5


class BrokerUnavailable(RuntimeError):
    """The task queue (Redis) could not be reached; nothing was queued."""


def _task_name(task) -> str:
    return task if isinstance(task, str) else task.name


def _probe(url: str) -> None:
    """A TCP connect to a redis:// broker, bounded by PROBE_TIMEOUT (kombu's own retries take far longer)."""
    parsed = urlparse(url)
    if parsed.scheme not in ("redis", "rediss") or not parsed.hostname:
        return
    with socket.create_connection((parsed.hostname, parsed.port or 6379), timeout=PROBE_TIMEOUT):
        pass


def send(task, *args, countdown: float | None = None, priority: int | None = None) -> str:
    """Publish now (no transaction hook); returns the task id. Raises BrokerUnavailable on failure."""
    from config.celery import app

    name = _task_name(task)
    try:
        _probe(app.conf.broker_url or "")
        options = {"retry": True, "retry_policy": RETRY_POLICY}
        if countdown:
            options["countdown"] = countdown
        if priority is not None:
            options["priority"] = priority
        result = app.send_task(name, args=list(args), **options)
    except Exception as exc:  # noqa: BLE001 - kombu/redis/socket raise several types; all mean "not queued"
        reason = f"Could not queue the job: the task broker (Redis) is unreachable ({type(exc).__name__}: {exc})."
        log.error("enqueue failed", extra={"task": name, "error": str(exc)[:300]})
        raise BrokerUnavailable(reason) from exc
    return result.id


def enqueue_on_commit(
    task, *args, on_failure: Callable[[str], None] | None = None, on_sent: Callable[[str], None] | None = None
) -> None:
    """Publish task ``task`` (a name, or a task object) with ``args`` once the current transaction commits
    (immediately outside one).

    If publishing fails, ``on_failure(reason)`` records it on the row and BrokerUnavailable is raised;
    on success ``on_sent(task_id)`` may record the task id.
    """

    def publish():
        try:
            task_id = send(task, *args)
        except BrokerUnavailable as exc:
            if on_failure is not None:
                on_failure(str(exc))
            raise
        if on_sent is not None:
            on_sent(task_id)

    transaction.on_commit(publish)
