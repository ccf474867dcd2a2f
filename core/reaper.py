"""The run reaper: every run ends in a final state after any crash, without a person touching it.

A run (training, activation, forecast, sync) whose worker died — pool process killed, worker master
killed with -9, Ctrl-C, Redis or PostgreSQL restarted under it — can be left non-final with no task
that will ever finish it. The reaper runs at worker start (``worker_ready``, config/celery.py) and on
the beat schedule (``core.tasks.reap_runs``). It collects what is *live*: every task queued in Redis
and every task active, reserved or scheduled on a worker that answers ``inspect``. Each app's reap
service (``settings.RUN_REAPERS``) then re-queues — or, after ``RUN_MAX_REQUEUES``, fails with the
reason — each of its non-final runs that is not live and whose row has not moved (heartbeat, see
core.heartbeat) for ``RUN_STALE_SECONDS``. Every step it re-queues is idempotent, so a run that was
in fact alive costs at most a duplicate delivery that does nothing.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.utils import timezone
from django.utils.module_loading import import_string

log = logging.getLogger(__name__)

PRIORITY_SEP = "\x06\x16"


@dataclass(frozen=True)
class Liveness:
    """What the reaper knows: the text of every live task's id and arguments, and the stale cut-off."""

    blob: str
    stale_before: datetime
    max_requeues: int

    def is_live(self, run_id) -> bool:
        return str(run_id) in self.blob


def _queued_blobs() -> list[str]:
    """Task ids and argument reprs of every message waiting in the Redis queues we serve."""
    import redis

    from config.celery import app

    url = app.conf.broker_url or ""
    if not url.startswith(("redis://", "rediss://")):
        return []
    client = redis.Redis.from_url(url, socket_connect_timeout=2, socket_timeout=5)
    out = []
    try:
        for queue in settings.CELERY_QUEUES_SERVED:
            for key in (queue, *(f"{queue}{PRIORITY_SEP}{p}" for p in (3, 6, 9))):
                for raw in client.lrange(key, 0, -1):
                    try:
                        headers = json.loads(raw).get("headers", {})
                        out.append(f"{headers.get('id')} {headers.get('argsrepr')}")
                    except (ValueError, AttributeError):
                        out.append(raw.decode(errors="replace"))
    finally:
        client.close()
    return out


def _worker_blobs(timeout: float) -> list[str]:
    """Ids and args of tasks active, reserved or scheduled on every worker that answers in time."""
    from config.celery import app

    out = []
    insp = app.control.inspect(timeout=timeout)
    for method in (insp.active, insp.reserved, insp.scheduled):
        for tasks in (method() or {}).values():
            for t in tasks:
                req = t.get("request", t)
                out.append(f"{req.get('id')} {json.dumps(req.get('args'), default=str)}")
    return out


def liveness(*, inspect_timeout: float = 1.5) -> Liveness:
    blobs = _queued_blobs() + _worker_blobs(inspect_timeout)
    return Liveness(
        blob="\n".join(blobs),
        stale_before=timezone.now() - timedelta(seconds=settings.RUN_STALE_SECONDS),
        max_requeues=settings.RUN_MAX_REQUEUES,
    )


def reap_all(*, inspect_timeout: float = 1.5) -> dict[str, list[str]]:
    """Run every app's reaper once; returns {reaper: ["<run id> requeued|failed", ...]}."""
    live = liveness(inspect_timeout=inspect_timeout)
    report = {}
    for path in settings.RUN_REAPERS:
        try:
            report[path] = import_string(path)(live=live)
        except Exception:  # noqa: BLE001 - one app's failure must not stop the others
            log.exception("reaper %s failed", path)
            report[path] = ["error"]
    acted = {k: v for k, v in report.items() if v}
    if acted:
        log.warning("run reaper acted: %s", acted)
    return report


def waiting_note(requeues: int) -> str:
    return f"Waiting for a worker: re-queued after a crash (attempt {requeues + 1})"


def gave_up_reason(requeues: int) -> str:
    return (
        f"Failed: its worker was lost {requeues + 1} times (killed or restarted mid-run); "
        "gave up after RUN_MAX_REQUEUES re-queues. Start it again once the workers are healthy."
    )
