"""Drift monitoring service: record what each scoring run saw (predictions.monitoring does the maths).

``drift_record`` is called at the end of every scoring run with the frame it scored. It writes one
``DriftReport``: PSI of every feature and of the score against the version's training profile, and
calibration / ROC AUC of the cohorts scored earlier (by any version of the type) whose outcome window
has closed. PSI above ``DRIFT_PSI_ALERT`` or a calibration gap above ``DRIFT_CALIBRATION_ALERT`` sets
``alert``: the admin shows it and the monitoring page proposes a retrain, which an HR admin still has
to promote.
"""

from __future__ import annotations

import logging
from datetime import date, timedelta

import numpy as np
import pandas as pd
from django.conf import settings
from django.db import connection, transaction

from predictions import monitoring
from predictions.models import DriftReport, ModelType, TrainedModel

log = logging.getLogger(__name__)
MAX_COHORTS = 12


def _rows(sql: str, params: list, columns: list[str]) -> pd.DataFrame:
    with connection.cursor() as cur:
        cur.execute(sql, params)
        return pd.DataFrame(cur.fetchall(), columns=columns)


def closed_cohorts(*, model_type: str, data_end: date) -> pd.DataFrame:
    """(cohort, score, outcome) for stored predictions whose outcome is known by ``data_end``.

    Retention: outcome 1 = left voluntarily within the horizon after the as-of date. Quality of hire:
    candidates scored while open who were hired and whose first QOH_DAYS have passed; 1 = still employed.
    """
    if model_type == ModelType.RETENTION:
        horizon = settings.RETENTION_HORIZON_DAYS
        df = _rows(
            "SELECT to_char(p.as_of, 'YYYY-MM'), p.score, "
            "(t.termination_type = 'voluntary' AND t.termination_date > p.as_of "
            " AND t.termination_date <= p.as_of + %s)::int "
            "FROM predictions_prediction p JOIN predictions_trainedmodel m ON m.id = p.model_id "
            "JOIN technicians_technician t ON t.id = p.technician_id "
            "WHERE m.model_type = %s AND p.as_of + %s <= %s",
            [horizon, model_type, horizon, data_end],
            ["cohort", "score", "outcome"],
        )
    else:
        days = settings.QOH_DAYS
        df = _rows(
            "SELECT to_char(p.as_of, 'YYYY-MM'), p.score, "
            "(t.termination_date IS NULL OR t.termination_date > t.hire_date + %s)::int "
            "FROM predictions_prediction p JOIN predictions_trainedmodel m ON m.id = p.model_id "
            "JOIN technicians_candidate c ON c.id = p.candidate_id "
            "JOIN technicians_technician t ON t.id = c.hired_technician_id "
            "WHERE m.model_type = %s AND t.hire_date + %s <= %s",
            [days, model_type, days, data_end],
            ["cohort", "score", "outcome"],
        )
    if df.empty:
        return df
    keep = sorted(df["cohort"].unique())[-MAX_COHORTS:]
    return df[df["cohort"].isin(keep)]


def _data_end() -> date:
    latest = _rows("SELECT max(month) FROM technicians_techniciansnapshot", [], ["m"])["m"].iloc[0]
    if latest is None:
        return date.today()
    nxt = date(latest.year + (latest.month == 12), latest.month % 12 + 1, 1)
    return min(date.today(), nxt - timedelta(days=1))


def drift_record(*, model: TrainedModel, X: pd.DataFrame, proba: np.ndarray, as_of: date) -> DriftReport | None:
    """One DriftReport for a scoring run of ``model`` on ``X`` (None when the version has no profile)."""
    prof = model.training_profile or {}
    if not prof.get("features"):
        return None
    score = np.asarray(proba, dtype=float)
    report = monitoring.drift(prof, X, score)
    cohorts = closed_cohorts(model_type=model.model_type, data_end=_data_end())
    report["calibration"] = monitoring.calibration_over_time(cohorts) if not cohorts.empty else []
    alerts = monitoring.alerts(
        report, psi_threshold=settings.DRIFT_PSI_ALERT, calibration_threshold=settings.DRIFT_CALIBRATION_ALERT
    )
    r = DriftReport.objects.create(
        model=model,
        as_of=as_of,
        rows=len(X),
        feature_psi=report["feature_psi"],
        missing_rate=report.get("missing_rate") or {},
        score_psi=report["score_psi"],
        calibration=report["calibration"],
        alerts=alerts,
        alert=bool(alerts),
    )
    if alerts:
        said = "; ".join(
            f"{a.get('subject') or a.get('kind')}: {str(a.get('kind', '')).replace('_', ' ').upper()} {a.get('value')}"
            for a in alerts
        )
        log.warning("drift alert for %s (see Drift reports in the admin): %s", model.label, said)
        from alerts.services import notify  # the in-app alert to HR admins (once per report)
        from core.roles import HR_ADMIN

        subjects = ", ".join(str(a.get("subject") or a.get("kind")) for a in alerts[:3]) + (
            " …" if len(alerts) > 3 else ""
        )
        notify(HR_ADMIN, "drift", f"Drift alert on {model.label} (scoring of {as_of}): {subjects}. A retrain may be due.",
               "/predictions/monitoring/", f"drift:{r.pk}")  # fmt: skip
    return r


def drift_record_safely(**kwargs) -> DriftReport | None:
    """Monitoring must never break scoring: failures are logged, the scores stand."""
    try:
        with transaction.atomic():  # a savepoint: a failure here leaves the caller's transaction usable
            return drift_record(**kwargs)
    except Exception:  # noqa: BLE001
        log.exception("drift report failed")
        return None
