"""Migrations 0010/0011 on a database with data: existing Prediction rows move into one partition per
(model, as_of), CurrentScore rows into their type's partition, ids keep coming from where they left off;
and back."""

from __future__ import annotations

from datetime import date

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from predictions.models import ModelStatus, TrainedModel
from tests.factories import TechnicianFactory

BEFORE = [("predictions", "0009_scale_store_codebook")]


def _migrate(target):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(target)


def _latest():
    executor = MigrationExecutor(connection)
    return [key for key in executor.loader.graph.leaf_nodes() if key[0] == "predictions"]


@pytest.mark.django_db(transaction=True)
def test_existing_rows_move_into_partitions_and_back():
    techs = TechnicianFactory.create_batch(3)
    m = TrainedModel.objects.create(model_type="retention", version=1, status=ModelStatus.ACTIVE).pk
    latest = _latest()
    _migrate(BEFORE)
    try:
        with connection.cursor() as cur:
            for d in (date(2026, 5, 1), date(2026, 6, 1)):
                for t in techs:
                    cur.execute(
                        "INSERT INTO predictions_prediction (model_id, technician_id, as_of, score, band, logit, "
                        "intercept, contributions, feature_values) VALUES (%s, %s, %s, 0.3, 'medium', -0.8, -1, "
                        "'', '')",
                        [m, t.pk, d],
                    )
            cur.execute(
                "INSERT INTO predictions_currentscore (model_type, prediction_id, technician_id, subject_key, score, "
                "band, region, district, trade) SELECT 'retention', id, technician_id, 'k', score, band, 'r', 'd', "
                "'t' FROM predictions_prediction WHERE as_of = '2026-06-01'"
            )
            cur.execute("SELECT max(id) FROM predictions_prediction")
            top = cur.fetchone()[0]

        _migrate(latest)
        with connection.cursor() as cur:
            cur.execute(
                "SELECT c.relname, (SELECT count(*) FROM predictions_prediction p WHERE p.tableoid = c.oid) "
                "FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid "
                "WHERE i.inhparent = 'predictions_prediction'::regclass ORDER BY 1"
            )
            parts = dict(cur.fetchall())
            assert parts == {
                f"predictions_p_{m.hex}_20260501": 3,
                f"predictions_p_{m.hex}_20260601": 3,
                "predictions_prediction_default": 0,
            }
            cur.execute("SELECT count(*) FROM predictions_currentscore_retention")
            assert cur.fetchone()[0] == 3
            cur.execute(
                "INSERT INTO predictions_prediction (model_id, technician_id, as_of, score, band, logit, intercept, "
                "contributions, feature_values) VALUES (%s, %s, '2026-07-01', 0.1, 'low', -2, -1, '', '') "
                "RETURNING id",
                [m, techs[0].pk],
            )
            assert cur.fetchone()[0] > top  # the sequence goes on from the moved rows

        _migrate(BEFORE)  # and back: one plain table with every row
        with connection.cursor() as cur:
            cur.execute("SELECT relkind, (SELECT count(*) FROM predictions_prediction) FROM pg_class "
                        "WHERE relname = 'predictions_prediction'")  # fmt: skip
            assert cur.fetchone() == ("r", 7)
    finally:
        _migrate(latest)
