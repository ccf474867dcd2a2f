"""Time and peak memory of the batch pipeline steps on the current database (issue 15 figures).

    .venv/bin/python scripts/measure_pipeline.py [--budget N] [step ...]

Steps (each in its own process, so peak RSS is the step's own): features_old (the per-technician
builder this replaced, frozen in tests/predictions/test_features_vectorised.py), features_new, score_old,
score_new (the chunked run + switch), train (time split, production EBM, optionally sampled to --budget rows).
Seed first: ``manage.py seed_demo --technicians N --reset``.
"""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
STEPS = ["features_old", "features_new", "score_old", "score_new", "train"]


def _setup():
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    import django

    django.setup()


def _active():
    from predictions.models import ModelStatus, TrainedModel

    return TrainedModel.objects.filter(model_type="retention", status=ModelStatus.ACTIVE).first()


def step(name: str, budget: int) -> dict:
    _setup()
    from datetime import date

    from django.conf import settings

    from predictions import features

    end = min(date.today(), features.scoring_as_of())
    out: dict = {}
    if name == "features_old":
        from tests.predictions.test_features_vectorised import legacy_training_frame

        X, *_ = legacy_training_frame(horizon_days=settings.RETENTION_HORIZON_DAYS, end=end)
        out["rows"] = len(X)
    elif name == "features_new":
        settings.PREDICTIONS_TRAIN_MAX_ROWS = budget
        out["rows"] = len(features.retention_training_frame(horizon_days=settings.RETENTION_HORIZON_DAYS, end=end).X)
    elif name == "score_old":
        from django.db import transaction

        from predictions.models import Prediction
        from predictions.scoring import _copy_predictions, load_fitted, score_frame
        from tests.predictions.test_features_vectorised import legacy_scoring_frame

        model = _active()
        fitted = load_fitted(model)
        X, keys, _ = legacy_scoring_frame(as_of=features.scoring_as_of())
        with transaction.atomic():
            Prediction.objects.filter(model=model, as_of=keys["as_of"].iloc[0]).delete()
            out["rows"] = _copy_predictions(model, fitted, X, keys, score_frame(fitted, X, "retention"), "technician")
    elif name == "score_new":
        from predictions.services import predictions_score

        out["rows"] = predictions_score(model_type="retention")
    elif name == "train":
        from predictions import ebm, evaluation
        from predictions.services import _time_split

        settings.PREDICTIONS_TRAIN_MAX_ROWS = budget
        t = time.perf_counter()
        frame = features.retention_training_frame(horizon_days=settings.RETENTION_HORIZON_DAYS, end=end)
        out["features_s"] = round(time.perf_counter() - t, 1)
        tr, te, _ = _time_split(frame)
        w = frame.weights
        t = time.perf_counter()
        fitted = ebm.fit(frame.X.iloc[tr], frame.y[tr], categorical=frame.categorical,
                         sample_weight=None if w is None else w[tr])  # fmt: skip
        out["fit_s"] = round(time.perf_counter() - t, 1)
        # the holdout is always scored on the full data (same rows for every budget)
        settings.PREDICTIONS_TRAIN_MAX_ROWS = 0
        full = features.retention_training_frame(horizon_days=settings.RETENTION_HORIZON_DAYS, end=end)
        _, te_full, _ = _time_split(full)
        m = evaluation.evaluate(full.y[te_full], fitted.predict_proba(full.X.iloc[te_full]))
        out.update(rows=len(frame.X), holdout_rows=len(te_full), roc_auc=round(m["roc_auc"], 4))
    return out


def main(argv: list[str]) -> None:
    budget = 0
    if "--budget" in argv:
        i = argv.index("--budget")
        budget = int(argv[i + 1])
        del argv[i : i + 2]
    if argv and argv[0] == "--child":
        out = step(argv[1], budget)
        out["peak_rss_mib"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
        print(json.dumps(out))
        return
    for name in argv or STEPS:
        t = time.perf_counter()
        res = subprocess.run([sys.executable, __file__, "--child", name, "--budget", str(budget)],
                             capture_output=True, text=True, cwd=ROOT)  # fmt: skip
        wall = time.perf_counter() - t
        detail = res.stdout.strip().splitlines()[-1] if res.returncode == 0 else res.stderr.strip()[-500:]
        print(f"{name:<14} {wall:7.1f}s  {detail}", flush=True)


if __name__ == "__main__":
    main(sys.argv[1:])
