"""Heartbeats on running rows: a daemon thread bumps ``updated_at`` while a task works on the row.

The reaper (core.reaper) treats a non-final row whose ``updated_at`` is older than
``RUN_STALE_SECONDS`` and that no live Celery task is working on as abandoned, so long steps that
report no progress of their own (a single EBM fit, one Prophet backtest) must still beat.
"""

from __future__ import annotations

import contextlib
import logging
import threading

from django.conf import settings
from django.db import connections
from django.utils import timezone

log = logging.getLogger(__name__)


@contextlib.contextmanager
def heartbeat(model_cls, pk, *, every: float | None = None):
    """Bump ``model_cls(pk).updated_at`` every ``every`` seconds (default RUN_HEARTBEAT_SECONDS) until exit."""
    every = every or settings.RUN_HEARTBEAT_SECONDS
    stop = threading.Event()

    def beat():
        try:
            while not stop.wait(every):
                try:
                    model_cls.objects.filter(pk=pk).update(updated_at=timezone.now())
                except Exception as exc:  # noqa: BLE001 - a missed beat is not fatal; the next one may land
                    log.warning("heartbeat for %s %s failed: %s", model_cls.__name__, pk, exc)
        finally:
            connections.close_all()  # this thread's own connection

    thread = threading.Thread(target=beat, name=f"heartbeat-{pk}", daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join(timeout=5)
