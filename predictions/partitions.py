# ruff: noqa: S608 - table names below are built from UUIDs, dates and constants, never from input
"""``Prediction`` is partitioned by RANGE (model_id, as_of): one partition per scoring (a model's scores of one
day), plus a DEFAULT partition for rows written one by one (the ORM: tests, fixtures, old code paths).

A scoring writes its rows into a table of its own (the *stage*: same columns as ``Prediction``, a CHECK
pinning its model and date, no index), never into the big indexed table. Publishing it is DDL, not a
row-by-row insert: build its indexes, analyze it, then in one transaction drop the same day's
previous partition (and that day's rows in the default partition) and ATTACH the stage in its place. The
CHECK lets ATTACH skip scanning it; the foreign keys are validated set-based. Readers keep querying
``predictions_prediction``: PostgreSQL prunes to the partition(s) a query's (model, as_of) names.

``CurrentScore`` is partitioned by LIST (model_type) the same way: its rows for a type are rebuilt into a
new table with its indexes (bulk-built), which replaces the type's partition in the switch's transaction.
"""

from __future__ import annotations

import uuid
from datetime import date, timedelta

from django.db import connection

PARENT = "predictions_prediction"
DEFAULT = "predictions_prediction_default"
_PART_PREFIX = "predictions_p_"
_STAGE_PREFIX = "predictions_s_"


def partition_name(model_id: uuid.UUID, as_of: date) -> str:
    return f"{_PART_PREFIX}{uuid.UUID(str(model_id)).hex}_{as_of:%Y%m%d}"


def stage_name(run_id: uuid.UUID) -> str:
    return f"{_STAGE_PREFIX}{uuid.UUID(str(run_id)).hex}"


def _bound(model_id, as_of: date) -> str:
    m = uuid.UUID(str(model_id))
    return f"FROM ('{m}', '{as_of.isoformat()}') TO ('{m}', '{(as_of + timedelta(days=1)).isoformat()}')"


def _exists(cur, name: str) -> bool:
    cur.execute("SELECT to_regclass(%s) IS NOT NULL", [name])
    return cur.fetchone()[0]


def stage_create(cur, name: str, model_id, as_of: date) -> None:
    """An empty stage for one (model, as_of): the parent's columns, defaults (ids from the parent's
    sequence) and CHECKs, plus the CHECK of its partition bound; no index, no foreign key. Logged: a COPY
    into it writes its WAL then (measured cheaper than an unlogged stage set logged at the switch, which
    rewrites it), and a PostgreSQL crash cannot empty the stage of chunks already marked done."""
    m = uuid.UUID(str(model_id))
    cur.execute(
        f"CREATE TABLE IF NOT EXISTS {name} (LIKE {PARENT} INCLUDING DEFAULTS INCLUDING CONSTRAINTS, "
        f"CONSTRAINT {name}_bound CHECK (model_id = '{m}' AND as_of = '{as_of.isoformat()}'))"
    )


def stage_ensure(model_id, as_of: date, name: str) -> None:
    with connection.cursor() as cur:
        if not _exists(cur, name):
            stage_create(cur, name, model_id, as_of)


def stage_rows(name: str) -> int:
    """Rows in a stage (0 if it does not exist)."""
    with connection.cursor() as cur:
        if not _exists(cur, name):
            return 0
        cur.execute(f"SELECT count(*) FROM {name}")
        return cur.fetchone()[0]


def stage_drop(name: str) -> None:
    with connection.cursor() as cur:
        cur.execute(f"DROP TABLE IF EXISTS {name}")


def stages() -> list[str]:
    """Every stage table there is (running, failed or abandoned runs)."""
    with connection.cursor() as cur:
        cur.execute(
            "SELECT relname FROM pg_class WHERE relkind = 'r' AND relname LIKE %s AND relnamespace = "
            "current_schema()::regnamespace",
            [_STAGE_PREFIX.replace("_", r"\_") + "%"],
        )
        return [r[0] for r in cur.fetchall()]


def publish(stage: str, model_id, as_of: date) -> None:
    """Make ``stage`` the partition of (model, as_of), replacing whatever that day held (call inside the
    switch's transaction: readers see the old rows until it commits, the new ones after, never a mix):
    ``stage_prepare`` then ``stage_attach``."""
    stage_prepare(stage)
    stage_attach(stage, model_id, as_of)


def stage_prepare(stage: str) -> None:
    """Everything that only touches the stage (nobody else reads it, no lock on ``Prediction``): the
    parent's primary key and indexes, bulk-built, and statistics. Call before ``stage_attach``; work that
    reads the new rows (the ranking refresh) can read the stage in between, before any reader waits."""
    with connection.cursor() as cur:
        cur.execute(f"ALTER TABLE {stage} ADD CONSTRAINT {stage}_pkey PRIMARY KEY (id, model_id, as_of)")
        cur.execute(
            f"CREATE INDEX {stage}_tech ON {stage} (model_id, as_of, technician_id) WHERE technician_id IS NOT NULL"
        )
        cur.execute(
            f"CREATE INDEX {stage}_cand ON {stage} (model_id, as_of, candidate_id) WHERE candidate_id IS NOT NULL"
        )
        # statistics now, not at autovacuum's leisure: the ranking refresh and the readers plan with them
        # (the columns readers filter and join on, from a small sample: ~15 ms instead of ~0.2 s for all)
        cur.execute(
            "SELECT current_setting('default_statistics_target'), set_config('default_statistics_target', '10', true)"
        )
        target = cur.fetchone()[0]
        cur.execute(f"ANALYZE {stage} (model_id, as_of, technician_id, candidate_id, score, band)")
        cur.execute("SELECT set_config('default_statistics_target', %s, true)", [target])


def stage_attach(stage: str, model_id, as_of: date) -> None:
    """The short part that locks ``Prediction`` until the commit: the day's old rows go (DROP of its
    partition: ACCESS EXCLUSIVE on ``Prediction``, only when a day is scored again; its rows in the default
    partition), the stage takes its place (ATTACH: SHARE UPDATE EXCLUSIVE on ``Prediction``, which readers
    pass, and ACCESS EXCLUSIVE on the default partition; the CHECK spares the scan, the foreign keys are
    validated set-based)."""
    name = partition_name(model_id, as_of)
    with connection.cursor() as cur:
        _drop_day(cur, model_id, as_of)
        cur.execute(f"ALTER TABLE {stage} RENAME TO {name}")
        for suffix in ("pkey", "tech", "cand"):
            cur.execute(f"ALTER INDEX {stage}_{suffix} RENAME TO {name}_{suffix}")
        cur.execute(f"ALTER TABLE {PARENT} ATTACH PARTITION {name} FOR VALUES {_bound(model_id, as_of)}")


def _drop_day(cur, model_id, as_of: date, count: bool = False) -> int:
    """Remove a (model, as_of)'s rows: its partition dropped, its rows in the default partition deleted."""
    cur.execute(f"DELETE FROM {DEFAULT} WHERE model_id = %s AND as_of = %s", [model_id, as_of])
    n = cur.rowcount
    name = partition_name(model_id, as_of)
    if _exists(cur, name):
        if count:
            cur.execute(f"SELECT count(*) FROM {name}")
            n += cur.fetchone()[0]
        cur.execute(f"DROP TABLE {name}")  # detaches it too
    return n


def drop_day(model_id, as_of: date) -> int:
    """Delete one scoring (a model's rows of one day); returns the rows removed."""
    with connection.cursor() as cur:
        return _drop_day(cur, model_id, as_of, count=True)


def days(before: date) -> list[tuple[uuid.UUID, date]]:
    """(model, as_of) of every scoring dated before ``before``: partitions by name, the default by scan."""
    with connection.cursor() as cur:
        cur.execute(
            "SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid "
            "WHERE i.inhparent = %s::regclass AND c.relname LIKE %s",
            [PARENT, _PART_PREFIX.replace("_", r"\_") + "%"],
        )
        out = set()
        for (rel,) in cur.fetchall():
            hexid, day = rel[len(_PART_PREFIX) :].split("_")
            d = date(int(day[:4]), int(day[4:6]), int(day[6:]))
            if d < before:
                out.add((uuid.UUID(hexid), d))
        cur.execute(f"SELECT DISTINCT model_id, as_of FROM {DEFAULT} WHERE as_of < %s", [before])
        out.update(cur.fetchall())
    return sorted(out)
