"""Writes: start a run, prepare its series, fit one series, reconcile and finalise the run.

Every step is idempotent so a re-delivered Celery message does no harm: a series is only fitted
while ``pending`` (a conditional UPDATE decides who records it), and the run is finalised by the
one caller whose UPDATE moves it from ``running`` to ``reconciling``.
"""

from __future__ import annotations

import logging
import time
import zlib

import numpy as np
import pandas as pd
from django.conf import settings
from django.db import IntegrityError, InterfaceError, OperationalError, connection, transaction
from django.db.models import F
from django.utils import timezone

from core.audit import audit_record
from core.heartbeat import heartbeat
from core.models import AuditAction
from core.quotas import AlreadyRunning, violates
from forecasts import metrics as fm
from forecasts.backtest import fit_and_backtest, score, summarise
from forecasts.models import (
    FREQUENCIES,
    LEVELS,
    METHODS,
    METRICS,
    RECONCILIATIONS,
    ForecastPoint,
    ForecastPublication,
    ForecastRun,
    ForecastSeries,
    RunStatus,
    SeriesStatus,
)
from forecasts.prophet import SEASON, SeriesTooShort
from forecasts.reconcile import reconcile, summing_matrix
from forecasts.selectors import ForecastInputError
from forecasts.series import build_series

log = logging.getLogger(__name__)
LEVEL_RANK = {"company": 0, "region": 1, "district": 2}


ACTIVE_STATUSES = ("queued", "running", "reconciling")  # the quota constraint's statuses


def _check(name: str, value, valid) -> None:
    if value not in valid:
        raise ForecastInputError(f"unknown {name} {value!r}; valid values: {', '.join(map(str, valid))}")


def forecast_run_start(
    *,
    metric: str | None = None,
    level: str = "district",
    horizon: int | None = None,
    frequency: str = "weekly",
    method: str = "auto",
    reconciliation: str = "mint",
    requested_by=None,
    enqueue: bool = True,
) -> ForecastRun:
    """Create a queued run and enqueue it once the transaction commits. ``metric=None`` = all metrics."""
    horizon = settings.FORECAST_HORIZON_WEEKS if horizon is None else horizon
    if metric not in (None, ""):
        _check("metric", metric, METRICS)
    _check("level", level, LEVELS)
    _check("frequency", frequency, FREQUENCIES)
    _check("method", method, METHODS)
    _check("reconciliation", reconciliation, RECONCILIATIONS)
    if not isinstance(horizon, int) or not 1 <= horizon <= settings.FORECAST_MAX_HORIZON:
        raise ForecastInputError(
            f"horizon must be between 1 and {settings.FORECAST_MAX_HORIZON} periods (got {horizon!r})"
        )
    if level == "company" and reconciliation != "none":
        reconciliation = "none"  # a single series has nothing to reconcile
    user = requested_by if getattr(requested_by, "is_authenticated", False) else None
    try:
        with transaction.atomic():
            run = ForecastRun.objects.create(
                metric=metric or "",
                level=level,
                horizon=horizon,
                frequency=frequency,
                method=method,
                reconciliation=reconciliation,
                interval_width=settings.FORECAST_INTERVAL_WIDTH,
                requested_by=user,
            )
            audit_record(user=user, action=AuditAction.FORECAST, object_type="forecast_run", object_id=run.pk,
                         detail={"metric": run.metric, "level": level, "frequency": frequency, "method": method})  # fmt: skip
    except IntegrityError as exc:
        if not violates(exc, "forecastrun_one_running_per_scope"):
            raise
        running = ForecastRun.objects.filter(
            metric=metric or "", level=level, frequency=frequency, status__in=ACTIVE_STATUSES
        ).first()
        raise AlreadyRunning("forecast run for this scope", running.pk if running else None) from exc
    if enqueue:
        from core.queueing import enqueue_on_commit

        def failed(reason: str, pk=run.pk) -> None:
            ForecastRun.objects.filter(pk=pk).update(status=RunStatus.FAILED, error=reason, updated_at=timezone.now())

        enqueue_on_commit("forecasts.tasks.forecast_run_execute", str(run.id), on_failure=failed)
    return run


def forecast_run_resume(*, run_id) -> None:
    """Re-drive an unfinished run (e.g. after its worker died): fits only what is still pending, then
    finalises (a ``reconciling`` run killed mid-way is finalised again). Safe on a healthy run too —
    every step is idempotent.
    """
    from core.queueing import enqueue_on_commit

    enqueue_on_commit("forecasts.tasks.forecast_run_execute", str(run_id))


def forecast_runs_reap(*, live) -> list[str]:
    """Re-queue (or fail, after RUN_MAX_REQUEUES) forecast runs that no live task is working on."""
    from core.queueing import BrokerUnavailable, send
    from core.reaper import gave_up_reason, waiting_note

    actions = []
    stuck = ForecastRun.objects.filter(
        status__in=[RunStatus.QUEUED, RunStatus.RUNNING, RunStatus.RECONCILING], updated_at__lt=live.stale_before
    )
    for run in stuck:
        if live.is_live(run.pk):
            continue
        if run.requeues >= live.max_requeues:
            forecast_run_fail(run_id=run.pk, error=gave_up_reason(run.requeues))
            actions.append(f"{run.pk} failed")
            continue
        if not ForecastRun.objects.filter(pk=run.pk, status=run.status, updated_at=run.updated_at).update(
            requeues=run.requeues + 1, note=waiting_note(run.requeues), updated_at=timezone.now()
        ):
            continue  # it moved meanwhile: alive after all
        try:
            send("forecasts.tasks.forecast_run_execute", str(run.pk))
        except BrokerUnavailable:
            continue
        progress_push(run_id=run.pk)
        actions.append(f"{run.pk} requeued")
    return actions


def forecast_run_sync(**kwargs) -> ForecastRun:
    """Create and execute a run in this process, series one after another (management command --sync)."""
    run = forecast_run_start(**kwargs, enqueue=False)
    for series_id in forecast_run_prepare(run_id=run.id):
        forecast_series_fit(series_id=series_id)
    forecast_run_maybe_finalise(run_id=run.id)
    run.refresh_from_db()
    return run


def forecast_run_prepare(*, run_id) -> list[int]:
    """Build the run's series from the database (once) and return the ids still pending."""
    with transaction.atomic():
        run = ForecastRun.objects.select_for_update().get(pk=run_id)
        if run.is_finished:
            return []
        if run.status == RunStatus.QUEUED:
            rows = []
            for metric in run.metrics:
                for spec in build_series(metric, level=run.level, frequency=run.frequency):
                    hist = [
                        {"ds": d.date().isoformat(), "y": float(y)}
                        for d, y in zip(spec.history["ds"], spec.history["y"], strict=True)
                    ]
                    rows.append(
                        ForecastSeries(
                            run=run,
                            metric=metric,
                            level=spec.level,
                            key=spec.key,
                            name=spec.name,
                            parent_key=spec.parent_key,
                            history=hist,
                        )
                    )
            ForecastSeries.objects.bulk_create(rows, ignore_conflicts=True)
            run.status = RunStatus.RUNNING
            run.started_at = timezone.now()
            run.series_total = run.series.count()
            run.save(update_fields=["status", "started_at", "series_total", "updated_at"])
        if run.note:  # picked up again after a re-queue
            ForecastRun.objects.filter(pk=run.pk).update(note="", updated_at=timezone.now())
        pending = list(run.series.filter(status=SeriesStatus.PENDING).values_list("id", flat=True))
    progress_push(run_id=run_id)
    return pending


def forecast_series_fit(*, series_id: int) -> str:
    """Fit + backtest one series; record the outcome on its row. Returns the series status."""
    series = ForecastSeries.objects.select_related("run").get(pk=series_id)
    if series.status != SeriesStatus.PENDING:
        return series.status
    run = series.run
    started = time.perf_counter()
    history = pd.DataFrame(series.history, columns=["ds", "y"])
    fields = {}
    try:
        result = fit_and_backtest(
            history,
            metric=series.metric,
            horizon=run.horizon,
            frequency=run.frequency,
            interval_width=run.interval_width,
            method=run.method,
            folds=settings.FORECAST_BACKTEST_FOLDS,
            candidates=tuple(settings.FORECAST_METHODS) or None,
        )
        fields = {
            "status": SeriesStatus.DONE,
            "fit": result,
            "backtest": result["backtest"],
            "method_used": result["method_used"],
        }
    except SeriesTooShort as exc:
        fields = {"status": SeriesStatus.SKIPPED, "failure_reason": f"skipped: {exc}"}
    except Exception as exc:  # noqa: BLE001 - a failed series is recorded and must not fail the others
        log.exception("forecast series %s failed", series_id)
        fields = {"status": SeriesStatus.FAILED, "failure_reason": f"{type(exc).__name__}: {exc}"[:2000]}
    fields["seconds"] = time.perf_counter() - started
    with transaction.atomic():
        won = ForecastSeries.objects.filter(pk=series_id, status=SeriesStatus.PENDING).update(
            **fields, updated_at=timezone.now()
        )
        if won:
            ForecastRun.objects.filter(pk=run.pk).update(series_done=F("series_done") + 1, updated_at=timezone.now())
    if won:
        progress_push(run_id=run.pk)
    return fields["status"]


def _finalise_lock_key(run_id) -> int:
    return zlib.crc32(str(run_id).encode()) & 0x7FFFFFFF


def forecast_run_maybe_finalise(*, run_id) -> bool:
    """Finalise the run if no series is pending and nobody else is finalising it. Returns True if this call did.

    A session advisory lock on the run (released by PostgreSQL when a killed worker's connection drops)
    picks the one finaliser; the run may be ``running`` or already ``reconciling`` — a finaliser killed
    mid-way leaves ``reconciling`` behind, and the re-delivered chunk or re-queued run finishes it. The
    points are written in one transaction that also completes the run, so a crash leaves none half-written.
    """
    if ForecastSeries.objects.filter(run_id=run_id, status=SeriesStatus.PENDING).exists():
        return False
    key = _finalise_lock_key(run_id)
    with connection.cursor() as cur:
        cur.execute("SELECT pg_try_advisory_lock(%s, %s)", [4343, key])
        if not cur.fetchone()[0]:
            return False
    try:
        claimed = ForecastRun.objects.filter(pk=run_id, status__in=[RunStatus.RUNNING, RunStatus.RECONCILING]).update(
            status=RunStatus.RECONCILING, note="", updated_at=timezone.now()
        )
        if not claimed:
            return False
        progress_push(run_id=run_id)
        try:
            with heartbeat(ForecastRun, run_id):
                forecast_run_finalise(run_id=run_id)
        except (OperationalError, InterfaceError):
            raise  # the database went away: the reaper re-queues the run once it is back
        except Exception as exc:  # noqa: BLE001 - record it on the run
            log.exception("finalising forecast run %s failed", run_id)
            ForecastRun.objects.filter(pk=run_id).update(
                status=RunStatus.FAILED, error=f"{type(exc).__name__}: {exc}"[:2000], finished_at=timezone.now()
            )
        progress_push(run_id=run_id)
        return True
    finally:
        with connection.cursor() as cur:
            cur.execute("SELECT pg_advisory_unlock(%s, %s)", [4343, key])


def forecast_run_fail(*, run_id, error: str) -> None:
    ForecastRun.objects.filter(pk=run_id).exclude(status=RunStatus.COMPLETED).update(
        status=RunStatus.FAILED, error=error[:2000], finished_at=timezone.now()
    )
    progress_push(run_id=run_id)


# --------------------------------------------------------------------------- reconciliation


def _aligned_residuals(lists: list[list[float]]) -> np.ndarray | None:
    t = min(len(r) for r in lists)
    if t < 3:
        return None
    return np.array([r[-t:] for r in lists]).T


def _shift_intervals(fc: dict, recon: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Keep each base interval's width, centred on the reconciled value (clipped at 0)."""
    base = np.asarray(fc["yhat"])
    lower = np.clip(np.asarray(fc["lower"]) + recon - base, 0, None)
    upper = np.maximum(np.asarray(fc["upper"]) + recon - base, recon)
    return np.minimum(lower, recon), upper


def _reconcile_mix(rows, methods: list[str], s, how: str, pick) -> tuple[np.ndarray, dict]:
    """Reconcile the forecasts ``pick(row, method)`` of every row; returns (n × h, info)."""
    fcs = [pick(r, m) for r, m in zip(rows, methods, strict=True)]
    base = np.array([fc["yhat"] for fc in fcs])
    resid = _aligned_residuals([fc["residuals"] for fc in fcs]) if how == "mint" else None
    if how == "mint" and resid is None:
        how = "bottom_up"
    recon, info = reconcile(base, s, method=how, residuals=resid)
    return recon, info


def _fold_effect(rows, methods, s, how, season) -> list[dict]:
    """Per-series backtest scores of the reconciled fold forecasts (same folds as the base scores)."""
    n_folds = min(len(r.fit.get("folds", [])) for r in rows)
    scores: list[list[dict]] = [[] for _ in rows]
    for j in range(n_folds):
        recon, _ = _reconcile_mix(rows, methods, s, how, lambda r, m, j=j: r.fit["folds"][j][m])
        for i, r in enumerate(rows):
            fold = r.fit["folds"][j]
            lower, upper = _shift_intervals(fold[methods[i]], recon[i])
            scores[i].append(
                score(
                    fold["actual"],
                    {"yhat": recon[i], "lower": lower, "upper": upper},
                    fold["train_tail"],
                    season=season,
                )
            )
    return [summarise(sc) if sc else {} for sc in scores]


def forecast_run_finalise(*, run_id) -> None:
    """Reconcile each metric's hierarchy, write the points, record the backtest effect, complete the run."""
    run = ForecastRun.objects.get(pk=run_id)
    season = SEASON[run.frequency]
    summary = {}
    with transaction.atomic():
        ForecastPoint.objects.filter(series__run=run).delete()
        for metric in run.metrics:
            rows = sorted(run.series.filter(metric=metric), key=lambda r: (LEVEL_RANK[r.level], r.key))
            done = [r for r in rows if r.status == SeriesStatus.DONE]
            if not done:
                summary[metric] = {"series": 0, "note": "no series could be fitted"}
                continue
            how = run.reconciliation
            note = ""
            if len(done) < len(rows) and how != "none":
                how, note = "none", "not reconciled: some series were skipped or failed"
            rows = done
            bottom_level = max(LEVEL_RANK[r.level] for r in rows)
            bottom = [r.key for r in rows if LEVEL_RANK[r.level] == bottom_level]
            s = summing_matrix([(r.key, r.parent_key or None) for r in rows], bottom)
            used = [r.method_used for r in rows]
            recon, info = _reconcile_mix(rows, used, s, how, lambda r, m: r.fit["methods"][m])
            effect = _fold_effect(rows, used, s, how, season)
            has_prophet = all(r.fit.get("folds") and all("prophet" in f for f in r.fit["folds"]) for r in rows)
            prophet_effect = (
                _fold_effect(rows, ["prophet"] * len(rows), s, how, season) if has_prophet else [{} for _ in rows]
            )
            points, beats = [], 0
            for i, r in enumerate(rows):
                fc = r.fit["methods"][r.method_used]
                lower, upper = _shift_intervals(fc, recon[i])
                points += [
                    ForecastPoint(
                        series=r, ds=ds, yhat=float(recon[i][k]), yhat_lower=float(lower[k]), yhat_upper=float(upper[k])
                    )
                    for k, ds in enumerate(fc["ds"])
                ]
                bt = dict(r.backtest)
                bt["reconciled"] = effect[i]
                bt["prophet_reconciled"] = prophet_effect[i]
                pm, bm = prophet_effect[i].get("mase"), bt.get("seasonal_naive", {}).get("mase")
                bt["prophet_beats_baseline"] = bool(pm is not None and bm is not None and pm < bm)
                cm = effect[i].get("mase")
                bt["chosen_beats_baseline"] = bool(cm is not None and bm is not None and cm < bm)
                beats += bt["chosen_beats_baseline"]
                r.backtest, r.reconciliation = bt, info["method"]
                r.save(update_fields=["backtest", "reconciliation", "updated_at"])
            ForecastPoint.objects.bulk_create(points)
            summary[metric] = {
                "series": len(rows),
                "reconciliation": info["method"],
                "shrinkage_lambda": info.get("shrinkage_lambda"),
                "note": note,
                "chosen_beats_baseline": beats,
                "share_chosen_beats_baseline": round(beats / len(rows), 3),
                "methods_used": {m: used.count(m) for m in sorted(set(used))},
                "mean_mase_base": fm.mean_or_none([r.backtest.get(r.method_used, {}).get("mase") for r in rows]),
                "mean_mase_reconciled": fm.mean_or_none([e.get("mase") for e in effect]),
                "mean_mase_baseline": fm.mean_or_none([r.backtest.get("seasonal_naive", {}).get("mase") for r in rows]),
            }
        ok = any(v.get("series") for v in summary.values())
        run.backtest = summary
        run.status = RunStatus.COMPLETED if ok else RunStatus.FAILED
        run.error = "" if ok else "no series could be fitted (see each series' reason)"
        run.finished_at = timezone.now()
        run.save(update_fields=["backtest", "status", "error", "finished_at", "updated_at"])
        if ok:
            # the very first forecast of a metric is published so the product has one to show; after
            # that a run is only seen by everyone once an HR admin publishes it
            for metric, s in summary.items():
                if (
                    s.get("series")
                    and not ForecastPublication.objects.filter(
                        metric=metric, frequency=run.frequency, is_current=True
                    ).exists()
                ):
                    _publish(run=run, metric=metric, user=None, note="first completed forecast of this metric")


# --------------------------------------------------------------------------- publishing


class PublishError(ValueError):
    """The run cannot be published (not completed, or nothing in it was fitted); the message says why."""


def _publish(*, run: ForecastRun, metric: str, user, note: str = "") -> ForecastPublication:
    current = (
        ForecastPublication.objects.select_for_update()
        .filter(metric=metric, frequency=run.frequency, is_current=True)
        .first()
    )
    if current is not None:
        if current.run_id == run.id:
            return current
        current.is_current = False
        current.save(update_fields=["is_current", "updated_at"])
    pub = ForecastPublication.objects.create(
        metric=metric,
        frequency=run.frequency,
        run=run,
        replaced_run_id=current.run_id if current else None,
        published_by=user if getattr(user, "is_authenticated", False) else None,
        note=note[:200],
    )
    _audit(user=user, action="forecast.publish", target=pub, details={
        "run_id": str(run.id), "metric": metric, "frequency": run.frequency,
        "replaced_run_id": str(current.run_id) if current else None,
    })  # fmt: skip
    return pub


def _audit(*, user, action: str, target, details: dict) -> None:
    """Write to core's audit log when the project has one (same transaction); the publication rows
    themselves are the forecast app's own record of who published what and when."""
    try:
        from core import audit  # noqa: PLC0415 - optional until the audit log lands
    except ImportError:
        return
    record = getattr(audit, "audit_log", None) or getattr(audit, "record", None)
    if record is not None:
        record(user=user, action=action, target=target, details=details)


def forecast_run_publish(*, run_id, user, metric: str | None = None) -> list[ForecastPublication]:
    """Make a completed run the published forecast of its metric(s) (``metric`` to publish just one).

    Raises PublishError when the run is not completed or has no fitted series for the metric.
    """
    with transaction.atomic():
        run = ForecastRun.objects.select_for_update().filter(pk=run_id).first()
        if run is None:
            raise PublishError(f"no forecast run {run_id}")
        if run.status != RunStatus.COMPLETED:
            raise PublishError(f"only a completed run can be published (this one is {run.status})")
        metrics = [metric] if metric else run.metrics
        if metric and metric not in run.metrics:
            raise PublishError(f"run {run.id} does not forecast {metric!r}; it covers {', '.join(run.metrics)}")
        fitted = [m for m in metrics if run.series.filter(metric=m, status=SeriesStatus.DONE).exists()]
        if not fitted:
            raise PublishError("this run has no fitted series to publish")
        return [_publish(run=run, metric=m, user=user) for m in fitted]


# --------------------------------------------------------------------------- live progress


def progress_push(*, run_id) -> None:
    """Send the run's progress fragment to pages watching it (best effort: a dead Redis must not fail the run)."""
    try:
        from asgiref.sync import async_to_sync
        from channels.layers import get_channel_layer
        from django.template.loader import render_to_string

        run = ForecastRun.objects.get(pk=run_id)
        html = render_to_string("forecasts/_run_progress.html", {"run": run, "oob": True})
        layer = get_channel_layer()
        for group in (f"forecast-run-{run.pk}", "forecast-runs"):
            async_to_sync(layer.group_send)(group, {"type": "run.progress", "html": html})
    except Exception:  # noqa: BLE001
        log.warning("could not push progress for forecast run %s", run_id, exc_info=True)
