"""Our EBM settings (predictions.ebm.EBM_DEFAULTS) vs interpret's defaults: fit time and holdout ROC AUC."""

from __future__ import annotations

import time
from datetime import date


def run() -> list[tuple[str, float, str]]:
    from bench.harness import bench_database

    with bench_database("ebm_settings"):
        import numpy as np
        import pandas as pd
        from interpret.glassbox import ExplainableBoostingClassifier
        from sklearn.metrics import roc_auc_score

        from predictions import ebm
        from predictions.features import retention_training_frame
        from technicians.demo import demo_generate
        from technicians.demo.load import demo_data_load

        demo_data_load(data=demo_generate(technicians=1500, months=24, seed=11, as_of=date(2026, 6, 30)))
        frame = retention_training_frame(horizon_days=90, end=date(2026, 7, 1))

    # time-based holdout exactly like training: the most recent ~20% of as-of months
    months = pd.to_datetime(frame.keys["as_of"]).dt.to_period("M")
    cut = np.sort(months.unique())[-max(1, round(len(months.unique()) * 0.2))]
    test = (months >= cut).to_numpy()
    X_train, y_train, X_test, y_test = frame.X[~test], frame.y[~test], frame.X[test], frame.y[test]

    t = time.perf_counter()
    ours = ebm.fit(X_train, y_train, categorical=frame.categorical)
    t_ours = time.perf_counter() - t
    auc_ours = roc_auc_score(y_test, ours.predict_proba(X_test))

    prepared = ours.prepare(X_train)
    types = ["nominal" if c in ours.categorical else "continuous" for c in ours.features]
    t = time.perf_counter()
    default = ExplainableBoostingClassifier(feature_types=types).fit(prepared, y_train)  # interpret defaults
    t_default = time.perf_counter() - t
    auc_default = roc_auc_score(y_test, default.predict_proba(ours.prepare(X_test))[:, 1])

    rows = f"{len(X_train)} train / {len(X_test)} holdout rows, {X_train.shape[1]} features"
    return [
        ("EBM defaults fit seconds", t_default, rows),
        (
            "our settings fit seconds",
            t_ours,
            str({k: ebm.EBM_DEFAULTS[k] for k in ("outer_bags", "interactions", "learning_rate")}),
        ),
        ("fit-time ratio ours/defaults (target <= 0.35)", t_ours / t_default, ""),
        ("holdout ROC AUC defaults", auc_default, ""),
        ("holdout ROC AUC ours", auc_ours, ""),
        ("ROC AUC difference ours - defaults (target >= -0.005)", auc_ours - auc_default, ""),
    ]
