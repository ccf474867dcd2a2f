"""The read side of scoring (issue 15): a narrow table of the current scores and their counts.

``after_scores_switched(model, as_of)`` runs inside the transaction that makes a model's scores active —
the nightly scoring's write (predictions.scoring) and the activation switch (services.model_activate) —
and replaces, for that model type, the rows of ``CurrentScore`` (one narrow row per subject, index-ordered
by score), the per-(place, trade, band) ``ScoreCount`` aggregates and the ``CurrentScoreSet`` pointer. It is
three set-based statements (no per-row Python), so readers see either the old current set or the new one,
never a mix. The rankings, band counts and their totals read these tables (predictions.selectors).
"""

from __future__ import annotations

from datetime import date

from django.db import connection

from predictions.models import ModelType, TrainedModel

_SUBJECT = {
    # model type → (subject column, people table, business key column)
    ModelType.RETENTION: ("technician_id", "technicians_technician", "employee_id"),
    ModelType.QUALITY_OF_HIRE: ("candidate_id", "technicians_candidate", "candidate_id"),
}


def after_scores_switched(model: TrainedModel, as_of: date | None = None) -> int:
    """Make ``model``'s scores of ``as_of`` (default: its newest) the current set of its type; returns rows.

    Call inside the transaction that switches the active scores, after the switch. A version that is not
    (yet) the active one — scored before its activation — changes nothing: the activation switch calls this
    again once it is active, so readers keep the previous version's complete ranking until then."""
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
        cur.execute("DELETE FROM predictions_currentscore WHERE model_type = %s", [model.model_type])
        cur.execute("DELETE FROM predictions_scorecount WHERE model_type = %s", [model.model_type])
        cur.execute("DELETE FROM predictions_currentscoreset WHERE model_type = %s", [model.model_type])
        if as_of is None:
            return 0
        other = "candidate_id" if column == "technician_id" else "technician_id"
        # the rows go in in ranking order, so the ranking index is built at its right edge
        cur.execute(
            f"""
            INSERT INTO predictions_currentscore
                (model_type, prediction_id, {column}, {other}, subject_key, score, band, region, district, trade)
            SELECT %s, p.id, p.{column}, NULL, s.{key}, p.score, p.band, r.code, d.code, s.trade
              FROM predictions_prediction p
              JOIN {people} s ON s.id = p.{column}
              JOIN technicians_district d ON d.id = s.district_id
              JOIN technicians_region r ON r.id = d.region_id
             WHERE p.model_id = %s AND p.as_of = %s AND p.{column} IS NOT NULL
             ORDER BY p.score DESC, s.{key}
            """,  # noqa: S608 - identifiers come from _SUBJECT, never from input
            [model.model_type, model.pk, as_of],
        )
        rows = cur.rowcount
        cur.execute(
            """
            INSERT INTO predictions_scorecount (model_type, region, district, trade, band, n, score_sum)
            SELECT model_type, region, district, trade, band, count(*), sum(score)
              FROM predictions_currentscore WHERE model_type = %s
             GROUP BY model_type, region, district, trade, band
            """,
            [model.model_type],
        )
        cur.execute(
            "INSERT INTO predictions_currentscoreset (model_type, model_id, as_of, rows, refreshed_at) "
            "VALUES (%s, %s, %s, %s, now())",
            [model.model_type, model.pk, as_of, rows],
        )
    return rows
