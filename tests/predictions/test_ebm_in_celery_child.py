"""Training must work inside a daemonic process, as in a Celery prefork child (the `make run` worker)."""

import multiprocessing

import numpy as np
import pandas as pd

from predictions import ebm


def _fit_in_child(queue):
    rng = np.random.default_rng(0)
    X = pd.DataFrame({"overtime_hours": rng.random(400) * 20, "trade": rng.choice(["hvac", "appliance"], 400)})
    y = (X.overtime_hours + rng.random(400) * 10 > 15).astype(int)
    calls = []
    try:
        model = ebm.fit(X, y, categorical=["trade"], params={"outer_bags": 1, "interactions": 0}, progress=calls.append)
        queue.put(("ok", len(model.features)))
    except Exception as exc:  # reported to the parent so the assertion shows the reason
        queue.put(("error", f"{type(exc).__name__}: {exc}"))


def test_fit_with_progress_succeeds_in_a_daemonic_process():
    ctx = multiprocessing.get_context("fork")
    queue = ctx.Queue()
    proc = ctx.Process(target=_fit_in_child, args=(queue,), daemon=True)
    proc.start()
    result = queue.get(timeout=120)
    proc.join(30)
    assert result == ("ok", 2), result
