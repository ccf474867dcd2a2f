"""The read side of scoring (issue 15): a narrow table of the current scores and their counts.

``after_scores_switched(model, as_of)`` runs inside the transaction that makes a model's scores active —
the nightly scoring's write (predictions.scoring) and the activation switch (services.model_activate) —
and replaces, for that model type, the rows of ``CurrentScore`` (one narrow row per subject, index-ordered
by score), the per-(place, trade, band) ``ScoreCount`` aggregates and the ``CurrentScoreSet`` pointer. It is
set-based (no per-row Python): the type's ``CurrentScore`` rows are built into a new table whose indexes are
bulk-built, then swapped in as the type's partition (``CurrentScore`` is partitioned by LIST (model_type),
migration 0011) — so readers see either the old current set or the new one, never a mix. The rankings, band counts and their totals read these tables (predictions.selectors).
"""

from __future__ import annotations

import uuid
from datetime import date

from django.db import connection

from predictions.models import ModelType, TrainedModel

# the parent's indexes (migrations 0006_h15b, 0011): a new partition gets the same before it is attached
_INDEXES = (
    ("curscore_rank", "(model_type, score DESC, subject_key)"),
    ("curscore_band_rank", "(model_type, band, score DESC, subject_key)"),
    ("curscore_district_rank", "(model_type, district, score DESC, subject_key)"),
)
_SUBJECT = {
    # model type → (subject column, people table, business key column)
    ModelType.RETENTION: ("technician_id", "technicians_technician", "employee_id"),
    ModelType.QUALITY_OF_HIRE: ("candidate_id", "technicians_candidate", "candidate_id"),
}


def after_scores_switched(model: TrainedModel, as_of: date | None = None, *, source: str | None = None) -> int:
    """Make ``model``'s scores of ``as_of`` (default: its newest) the current set of its type; returns rows.

    Call inside the transaction that switches the active scores, after the switch. A version that is not
    (yet) the active one — scored before its activation — changes nothing: the activation switch calls this
    again once it is active, so readers keep the previous version's complete ranking until then.
    ``source``: the table holding the new rows when they are not yet attached to ``Prediction`` (the scoring
    run's stage, predictions.partitions), so the rebuild runs before the switch locks the readers' tables."""
    column, people, key = _SUBJECT[ModelType(model.model_type)]
    with connection.cursor() as cur:
        cur.execute("SELECT status FROM predictions_trainedmodel WHERE id = %s", [model.pk])
        row = cur.fetchone()
        if row is None or row[0] != "active":
            return 0
        if as_of is None:
            cur.execute(
                f"SELECT max(as_of) FROM predictions_prediction WHERE model_id = %s AND {column} IS NOT NULL",  # noqa: S608
                [model.pk],
            )
            as_of = cur.fetchone()[0]
        cur.execute("DELETE FROM predictions_scorecount WHERE model_type = %s", [model.model_type])
        cur.execute("DELETE FROM predictions_currentscoreset WHERE model_type = %s", [model.model_type])
        if as_of is None:
            cur.execute("DELETE FROM predictions_currentscore WHERE model_type = %s", [model.model_type])
            return 0
        other = "candidate_id" if column == "technician_id" else "technician_id"
        mtype = ModelType(model.model_type).value
        new, part = f"predictions_cs_{uuid.uuid4().hex}", f"predictions_currentscore_{mtype}"
        # the type's rows are built into a new table: CREATE TABLE AS (a bulk write; rows in ranking order,
        # columns of the parent's types), the parent's NOT NULLs and default, the CHECK of its partition ...
        # (the sort of 100k rows in memory, not in temporary files: the default work_mem is 4 MB)
        cur.execute("SELECT current_setting('work_mem'), set_config('work_mem', '64MB', true)")
        work_mem = cur.fetchone()[0]
        cur.execute(
            f"""
            CREATE TABLE {new} AS
            SELECT nextval('predictions_currentscore_id_seq') AS id, %s::varchar(20) AS model_type,
                   p.id AS prediction_id, p.{column} AS {column}, NULL::uuid AS {other},
                   s.{key}::varchar(60) AS subject_key, p.score, p.band, r.code::varchar(60) AS region,
                   d.code::varchar(60) AS district, s.trade::varchar(30) AS trade
              FROM {source or "predictions_prediction"} p
              JOIN {people} s ON s.id = p.{column}
              JOIN technicians_district d ON d.id = s.district_id
              JOIN technicians_region r ON r.id = d.region_id
             WHERE p.model_id = %s AND p.as_of = %s AND p.{column} IS NOT NULL
             ORDER BY p.score DESC, s.{key}
            """,  # noqa: S608 - identifiers come from _SUBJECT and ModelType, never from input
            [mtype, model.pk, as_of],
        )
        rows = cur.rowcount
        cur.execute("SELECT set_config('work_mem', %s, true)", [work_mem])
        not_null = ", ".join(
            f"ALTER COLUMN {c} SET NOT NULL"
            for c in (
                "id",
                "model_type",
                "prediction_id",
                "subject_key",
                "score",
                "band",
                "region",
                "district",
                "trade",
            )
        )
        cur.execute(
            f"ALTER TABLE {new} ALTER COLUMN id SET DEFAULT nextval('predictions_currentscore_id_seq'), {not_null}, "
            f"ADD CONSTRAINT {new}_type CHECK (model_type = '{mtype}')"
        )
        cur.execute(f"ALTER TABLE {new} ADD CONSTRAINT {new}_pkey PRIMARY KEY (id, model_type)")
        for name, columns in _INDEXES:
            cur.execute(f"CREATE INDEX {new}_{name} ON {new} {columns}")
        cur.execute(
            f"""
            INSERT INTO predictions_scorecount (model_type, region, district, trade, band, n, score_sum)
            SELECT model_type, region, district, trade, band, count(*), sum(score)
              FROM {new} GROUP BY model_type, region, district, trade, band
            """  # noqa: S608
        )
        cur.execute(
            "INSERT INTO predictions_currentscoreset (model_type, model_id, as_of, rows, refreshed_at) "
            "VALUES (%s, %s, %s, %s, now())",
            [model.model_type, model.pk, as_of, rows],
        )
        # ... which replaces the type's partition (the CHECK spares ATTACH a scan; the keys are validated
        # set-based): the only step that locks the readers' table, last, until the commit
        cur.execute(f"DROP TABLE IF EXISTS {part}")
        cur.execute(f"ALTER TABLE {new} RENAME TO {part}")
        cur.execute(f"ALTER INDEX {new}_pkey RENAME TO {part}_pkey")
        for name, _ in _INDEXES:  # named after the parent's index, so a plan shows which one serves
            cur.execute(f"ALTER INDEX {new}_{name} RENAME TO {name}_{mtype}")
        cur.execute(f"ALTER TABLE predictions_currentscore ATTACH PARTITION {part} FOR VALUES IN ('{mtype}')")
    return rows
