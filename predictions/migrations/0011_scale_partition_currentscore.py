# ruff: noqa: S608 - identifiers below come from the catalog and from constants
"""CurrentScore becomes a table partitioned by LIST (model_type), one partition per model type, so the switch
replaces a type's current scores by swapping in a bulk-built table (predictions.current) instead of deleting
and inserting 100k rows into three indexes. Existing rows move; the database's primary key becomes
(id, model_type), Django keeps ``id``. Its foreign keys to the people go (db_constraint=False): a swapped-in
partition is built from a join with them in the same transaction, so validating them again is wasted."""

import django.db.models.deletion
from django.db import migrations, models

COLS = "id, model_type, prediction_id, subject_key, score, band, region, district, trade, candidate_id, technician_id"
TYPES = ("retention", "quality_of_hire")
_INDEXES = (
    ("curscore_rank", "(model_type, score DESC, subject_key)"),
    ("curscore_band_rank", "(model_type, band, score DESC, subject_key)"),
    ("curscore_district_rank", "(model_type, district, score DESC, subject_key)"),
)


def forward(apps, schema_editor):
    with schema_editor.connection.cursor() as cur:
        cur.execute("ALTER TABLE predictions_currentscore RENAME TO predictions_currentscore_old")
        cur.execute("ALTER INDEX predictions_currentscore_pkey RENAME TO predictions_currentscore_old_pkey")
        for name, _ in _INDEXES:
            cur.execute(f"ALTER INDEX {name} RENAME TO {name}_old")
        # ids from a plain sequence of the new table (an identity or a sequence left by a backward migration goes)
        cur.execute("ALTER TABLE predictions_currentscore_old ALTER COLUMN id DROP IDENTITY IF EXISTS")
        cur.execute("ALTER TABLE predictions_currentscore_old ALTER COLUMN id DROP DEFAULT")
        cur.execute("DROP SEQUENCE IF EXISTS predictions_currentscore_id_seq")
        cur.execute("CREATE SEQUENCE predictions_currentscore_id_seq")
        cur.execute(
            """
            CREATE TABLE predictions_currentscore (
                id bigint NOT NULL DEFAULT nextval('predictions_currentscore_id_seq'),
                model_type varchar(20) NOT NULL,
                prediction_id bigint NOT NULL,
                subject_key varchar(60) NOT NULL,
                score double precision NOT NULL,
                band varchar(6) NOT NULL,
                region varchar(60) NOT NULL,
                district varchar(60) NOT NULL,
                trade varchar(30) NOT NULL,
                candidate_id uuid NULL,
                technician_id uuid NULL,
                CONSTRAINT predictions_currentscore_pkey PRIMARY KEY (id, model_type)
            ) PARTITION BY LIST (model_type)
            """
        )
        cur.execute("ALTER SEQUENCE predictions_currentscore_id_seq OWNED BY predictions_currentscore.id")
        for name, definition in _INDEXES:
            cur.execute(f"CREATE INDEX {name} ON predictions_currentscore {definition}")
        for t in TYPES:
            cur.execute(
                f"CREATE TABLE predictions_currentscore_{t} PARTITION OF predictions_currentscore FOR VALUES IN ('{t}')"
            )
        cur.execute(f"INSERT INTO predictions_currentscore ({COLS}) SELECT {COLS} FROM predictions_currentscore_old")
        cur.execute(
            "SELECT setval('predictions_currentscore_id_seq', coalesce(max(id), 0) + 1, false) "
            "FROM predictions_currentscore"
        )
        cur.execute("DROP TABLE predictions_currentscore_old")  # and its foreign keys (db_constraint=False now)


def backward(apps, schema_editor):
    with schema_editor.connection.cursor() as cur:
        cur.execute("ALTER SEQUENCE predictions_currentscore_id_seq OWNED BY NONE")
        cur.execute("ALTER INDEX predictions_currentscore_pkey RENAME TO predictions_currentscore_part_pkey")
        for name, _ in _INDEXES:
            cur.execute(f"ALTER INDEX {name} RENAME TO {name}_part")
        cur.execute(
            "CREATE TABLE predictions_currentscore_flat (LIKE predictions_currentscore INCLUDING DEFAULTS "
            "INCLUDING CONSTRAINTS)"
        )
        cur.execute(f"INSERT INTO predictions_currentscore_flat ({COLS}) SELECT {COLS} FROM predictions_currentscore")
        cur.execute("DROP TABLE predictions_currentscore CASCADE")
        cur.execute("ALTER TABLE predictions_currentscore_flat RENAME TO predictions_currentscore")
        cur.execute(
            "ALTER TABLE predictions_currentscore ADD CONSTRAINT predictions_currentscore_pkey PRIMARY KEY (id)"
        )
        cur.execute("ALTER SEQUENCE predictions_currentscore_id_seq OWNED BY predictions_currentscore.id")
        for name, definition in _INDEXES:
            cur.execute(f"CREATE INDEX {name} ON predictions_currentscore {definition}")
        for column, people in (("technician_id", "technicians_technician"), ("candidate_id", "technicians_candidate")):
            # rows whose person went by raw SQL (no key held them) would stop the constraint: they are stale
            cur.execute(
                f"DELETE FROM predictions_currentscore c WHERE {column} IS NOT NULL AND NOT EXISTS "
                f"(SELECT 1 FROM {people} p WHERE p.id = c.{column})"
            )
            cur.execute(
                f"ALTER TABLE predictions_currentscore ADD FOREIGN KEY ({column}) REFERENCES {people} (id) "
                "DEFERRABLE INITIALLY DEFERRED"
            )


class Migration(migrations.Migration):
    dependencies = [
        ("predictions", "0010_scale_partition_prediction"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[migrations.RunPython(forward, backward)],
            state_operations=[
                migrations.AlterField(
                    model_name="currentscore",
                    name=name,
                    field=models.ForeignKey(
                        blank=True,
                        db_constraint=False,
                        db_index=False,
                        null=True,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to=to,
                    ),
                )
                for name, to in (("technician", "technicians.technician"), ("candidate", "technicians.candidate"))
            ],
        ),
    ]
