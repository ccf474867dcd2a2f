"""Bounded storage: daily scorings kept for the daily window, then the last scoring of each month, and
nothing beyond the monthly window."""

from __future__ import annotations

from datetime import date

from django.db import connection

from predictions import partitions, services
from predictions.models import ModelStatus, Prediction, ScoringRun, TrainedModel
from tests.factories import TechnicianFactory

TODAY = date(2026, 12, 1)


def _scores(model, techs, as_of):
    Prediction.objects.bulk_create([
        Prediction(model=model, technician=t, as_of=as_of, score=0.2, band="medium", logit=-1.4, intercept=-1.0,
                   contributions=b"", feature_values=b"")
        for t in techs
    ])  # fmt: skip


def test_prune_keeps_daily_window_then_month_ends_within_the_monthly_window(db, settings):
    settings.PREDICTIONS_KEEP_DAILY_DAYS = 35
    settings.PREDICTIONS_KEEP_MONTHLY_MONTHS = 36
    model = TrainedModel.objects.create(model_type="retention", version=1, status=ModelStatus.ACTIVE)
    techs = TechnicianFactory.create_batch(3)
    dates = [date(2026, 11, 28), date(2026, 11, 1), date(2026, 10, 20), date(2026, 10, 10), date(2026, 9, 30),
             date(2026, 9, 2), date(2024, 1, 15), date(2023, 11, 30), date(2023, 11, 2)]  # fmt: skip
    for d in dates:
        _scores(model, techs, d)
    # two days as partitions of their own (what a scoring run attaches), the rest in the default partition
    as_partitions = [date(2026, 9, 30), date(2023, 11, 2)]
    for d in as_partitions:
        stage = f"predictions_s_test_{d:%Y%m%d}"
        partitions.stage_ensure(model.pk, d, stage)
        with connection.cursor() as cur:
            cur.execute(f"INSERT INTO {stage} SELECT * FROM {partitions.DEFAULT} WHERE as_of = %s", [d])  # noqa: S608
        partitions.publish(stage, model.pk, d)
    assert Prediction.objects.filter(model=model, as_of=as_partitions[1]).count() == len(techs)
    stale = ScoringRun.objects.create(model=model, as_of=TODAY, status=ScoringRun.Status.FAILED)
    partitions.stage_ensure(model.pk, TODAY, partitions.stage_name(stale.pk))
    running = ScoringRun.objects.create(model=model, as_of=date(2026, 11, 30))
    partitions.stage_ensure(model.pk, running.as_of, partitions.stage_name(running.pk))
    deleted = services.predictions_prune(today=TODAY)
    kept = sorted(set(Prediction.objects.filter(model=model).values_list("as_of", flat=True)))
    # daily window (from Oct 27): Nov 28, Nov 1 (and Oct 20 as October's last); Sep 30 for September;
    # Jan 2024 is inside 36 months; Nov 2023 (before Dec 2023) is gone entirely
    assert kept == [date(2024, 1, 15), date(2026, 9, 30), date(2026, 10, 20), date(2026, 11, 1), date(2026, 11, 28)]
    assert deleted == 4 * len(techs)
    with connection.cursor() as cur:  # the pruned day's partition is gone (DROP), the kept one stays
        cur.execute(
            "SELECT to_regclass(%s), to_regclass(%s)", [partitions.partition_name(model.pk, d) for d in as_partitions]
        )
        kept_part, pruned_part = cur.fetchone()
    assert kept_part is not None and pruned_part is None
    left = partitions.stages()
    assert partitions.stage_name(running.pk) in left and partitions.stage_name(stale.pk) not in left
