"""A Celery app for crash tests: the real app (config.celery) plus kill points.

``celery -A tests.core.crash_worker worker`` runs the real tasks against the test database
(``CRASH_DB_NAME``). Before a kill point's wrapped function runs (or, for "after" points, once it has
returned), the pool process checks for a marker file ``$CRASH_DIR/<point>``; if present it deletes it
and SIGKILLs itself — exactly what ``kill -9`` of a pool child does, at a precise stage, once.
"""

from __future__ import annotations

import functools
import os
import signal
from pathlib import Path

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

from django.conf import settings  # noqa: E402

settings.DATABASES["default"]["NAME"] = os.environ["CRASH_DB_NAME"]

from config.celery import app  # noqa: E402, F401 - the app celery -A loads

CRASH_DIR = Path(os.environ["CRASH_DIR"])


def _maybe_die(point: str) -> None:
    marker = CRASH_DIR / point
    try:
        marker.unlink()
    except FileNotFoundError:
        return
    os.kill(os.getpid(), signal.SIGKILL)


def _wrap(module, name: str, point: str, *, after: bool = False) -> None:
    original = getattr(module, name)

    @functools.wraps(original)
    def wrapper(*args, **kwargs):
        if not after:
            _maybe_die(point)
        result = original(*args, **kwargs)
        if after:
            _maybe_die(point)
        return result

    setattr(module, name, wrapper)


def _install() -> None:
    import django

    django.setup()
    from forecasts import services as fs
    from predictions import artifacts, ebm, features, scoring
    from predictions import services as ps

    _wrap(features, "retention_training_frame", "features")
    _wrap(ebm, "fit", "fit")
    _wrap(artifacts, "save", "artifact", after=True)  # the file is written, the row not yet registered
    _wrap(scoring, "stage_chunk", "scoring", after=True)  # a chunk COPYed into the stage, not yet committed
    _wrap(ps, "model_activate", "activation")  # scores committed, switch not yet made
    _wrap(fs, "forecast_series_fit", "chunk", after=True)  # one series recorded, the chunk unfinished
    _wrap(fs, "_fold_effect", "finalise")  # inside the finalising transaction (run 'reconciling')
    if os.environ.get("CRASH_TODAY"):  # the forecast test data's "today" (tests/forecasts/conftest.AS_OF)
        from datetime import date

        from forecasts import series

        series.today = lambda: date.fromisoformat(os.environ["CRASH_TODAY"])


_install()
