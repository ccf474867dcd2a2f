"""Enqueue Celery tasks after commit, and fail clearly when the broker (Redis) is down.

Without this, a dead Redis turns "Train now" or "Run forecasts" into a 500 and leaves the new row
``queued`` forever. Here the row is marked failed with the reason and the caller gets
``BrokerUnavailable`` (the API answers 503 with the message; pages show it).
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from django.db import transaction

log = logging.getLogger(__name__)

# a few quick retries, then give up: the user is waiting on this request
RETRY_POLICY = {"max_retries": 2, "interval_start": 0, "interval_step": 0.5, "interval_max": 1}


class BrokerUnavailable(RuntimeError):
    """The task queue (Redis) could not be reached; nothing was queued."""


def enqueue_on_commit(task, *args, on_failure: Callable[[str], None] | None = None) -> None:
    """``task.apply_async(args)`` once the current transaction commits (immediately outside one).

    If publishing fails, ``on_failure(reason)`` records it on the row and BrokerUnavailable is raised.
    """

    def send():
        try:
            task.apply_async(args=list(args), retry=True, retry_policy=RETRY_POLICY)
        except Exception as exc:  # noqa: BLE001 - kombu/redis raise several types; all mean "not queued"
            reason = f"Could not queue the job: the task broker (Redis) is unreachable ({type(exc).__name__}: {exc})."
            log.error("enqueue failed", extra={"task": task.name, "error": str(exc)[:300]})
            if on_failure is not None:
                on_failure(reason)
            raise BrokerUnavailable(reason) from exc

    transaction.on_commit(send)
