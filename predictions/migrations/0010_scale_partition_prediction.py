# ruff: noqa: S608 - identifiers below come from the catalog and from constants
"""Prediction becomes a table partitioned by RANGE (model_id, as_of) (predictions.partitions): one partition per
existing (model, as_of), a DEFAULT partition for rows written one by one; existing rows move into the new
layout. The primary key in the database becomes (id, model_id, as_of) (a partitioned table's unique keys
include the partition key); Django keeps ``id`` as the model's key (ids still come from one sequence).
PredictionStage goes: a scoring run stages into a table of its own, which becomes its partition."""

from datetime import timedelta

from django.db import migrations

COLS = "id, as_of, score, band, logit, intercept, contributions, feature_values, created_at, candidate_id, technician_id, model_id"
_INDEXES = (
    ("prediction_model_asof_tech", "(model_id, as_of, technician_id) WHERE technician_id IS NOT NULL"),
    ("prediction_model_asof_cand", "(model_id, as_of, candidate_id) WHERE candidate_id IS NOT NULL"),
)


def _fks(cur, table):
    cur.execute(
        "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint WHERE conrelid = %s::regclass AND contype = 'f'",
        [table],
    )
    return cur.fetchall()


def _partition(model_id, as_of):
    # the same names and bounds as predictions.partitions (copied: a migration must not change with the app)
    name = f"predictions_p_{model_id.hex}_{as_of:%Y%m%d}"
    return name, f"FROM ('{model_id}', '{as_of}') TO ('{model_id}', '{as_of + timedelta(days=1)}')"


def forward(apps, schema_editor):
    with schema_editor.connection.cursor() as cur:
        fks = _fks(cur, "predictions_prediction")
        cur.execute("ALTER TABLE predictions_prediction RENAME TO predictions_prediction_old")
        cur.execute("ALTER INDEX predictions_prediction_pkey RENAME TO predictions_prediction_old_pkey")
        for name, _ in _INDEXES:
            cur.execute(f"ALTER INDEX {name} RENAME TO {name}_old")
        # ids from a plain sequence of the new table (an identity or a sequence left by a backward migration goes)
        cur.execute("ALTER TABLE predictions_prediction_old ALTER COLUMN id DROP IDENTITY IF EXISTS")
        cur.execute("ALTER TABLE predictions_prediction_old ALTER COLUMN id DROP DEFAULT")
        cur.execute("DROP SEQUENCE IF EXISTS predictions_prediction_id_seq")
        cur.execute("CREATE SEQUENCE predictions_prediction_id_seq")
        cur.execute(
            """
            CREATE TABLE predictions_prediction (
                id bigint NOT NULL DEFAULT nextval('predictions_prediction_id_seq'),
                as_of date NOT NULL,
                score double precision NOT NULL,
                band varchar(6) NOT NULL,
                logit double precision NOT NULL,
                intercept double precision NOT NULL,
                contributions bytea NOT NULL,
                feature_values bytea NOT NULL,
                created_at timestamptz NOT NULL DEFAULT statement_timestamp(),
                candidate_id uuid NULL,
                technician_id uuid NULL,
                model_id uuid NOT NULL,
                CONSTRAINT predictions_prediction_pkey PRIMARY KEY (id, model_id, as_of),
                CONSTRAINT prediction_has_subject CHECK (technician_id IS NOT NULL OR candidate_id IS NOT NULL)
            ) PARTITION BY RANGE (model_id, as_of)
            """
        )
        cur.execute("ALTER SEQUENCE predictions_prediction_id_seq OWNED BY predictions_prediction.id")
        for name, definition in _INDEXES:
            cur.execute(f"CREATE INDEX {name} ON predictions_prediction {definition}")
        cur.execute("CREATE TABLE predictions_prediction_default PARTITION OF predictions_prediction DEFAULT")
        cur.execute("SELECT DISTINCT model_id, as_of FROM predictions_prediction_old")
        for model_id, as_of in cur.fetchall():
            name, bound = _partition(model_id, as_of)
            cur.execute(f"CREATE TABLE {name} PARTITION OF predictions_prediction FOR VALUES {bound}")
        cur.execute(
            f"INSERT INTO predictions_prediction ({COLS}) SELECT {COLS} FROM predictions_prediction_old "
            "ORDER BY model_id, as_of, technician_id, candidate_id"
        )
        cur.execute(
            "SELECT setval('predictions_prediction_id_seq', coalesce(max(id), 0) + 1, false) FROM predictions_prediction"
        )
        cur.execute("DROP TABLE predictions_prediction_old")
        for name, definition in fks:  # validated once, set-based, after the rows are in
            cur.execute(f"ALTER TABLE predictions_prediction ADD CONSTRAINT {name} {definition}")
        cur.execute("UPDATE predictions_scoringrun SET status = 'failed', error = 'stopped by migration 0010 "
                    "(staging moved to a table per run)', finished_at = now() WHERE status = 'running'")  # fmt: skip


def backward(apps, schema_editor):
    with schema_editor.connection.cursor() as cur:
        fks = _fks(cur, "predictions_prediction")
        cur.execute("ALTER SEQUENCE predictions_prediction_id_seq OWNED BY NONE")
        cur.execute("ALTER INDEX predictions_prediction_pkey RENAME TO predictions_prediction_part_pkey")
        for name, _ in _INDEXES:
            cur.execute(f"ALTER INDEX {name} RENAME TO {name}_part")
        cur.execute(
            "CREATE TABLE predictions_prediction_flat (LIKE predictions_prediction INCLUDING DEFAULTS "
            "INCLUDING CONSTRAINTS)"
        )
        cur.execute(f"INSERT INTO predictions_prediction_flat ({COLS}) SELECT {COLS} FROM predictions_prediction")
        cur.execute("DROP TABLE predictions_prediction CASCADE")
        cur.execute("ALTER TABLE predictions_prediction_flat RENAME TO predictions_prediction")
        cur.execute("ALTER TABLE predictions_prediction ADD CONSTRAINT predictions_prediction_pkey PRIMARY KEY (id)")
        cur.execute("ALTER SEQUENCE predictions_prediction_id_seq OWNED BY predictions_prediction.id")
        for name, definition in _INDEXES:
            cur.execute(f"CREATE INDEX {name} ON predictions_prediction {definition}")
        for name, definition in fks:
            cur.execute(f"ALTER TABLE predictions_prediction ADD CONSTRAINT {name} {definition}")


class Migration(migrations.Migration):
    dependencies = [
        ("predictions", "0009_scale_store_codebook"),
    ]

    operations = [
        migrations.RunPython(forward, backward),
        migrations.DeleteModel(name="PredictionStage"),
    ]
