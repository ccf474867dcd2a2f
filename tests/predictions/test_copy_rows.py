"""The binary COPY rows a scoring writes (``scoring._copy_parts``): rows of several bands, interleaved, written
in parts and read back by PostgreSQL field for field."""

from __future__ import annotations

import uuid
from datetime import date

import numpy as np
import pytest
from django.db import connection, transaction

from predictions.scoring import _copy_buffer, _copy_parts

COLS = "model_id, technician_id, as_of, score, band, logit, intercept, contributions, feature_values"


@pytest.mark.django_db(transaction=True)
def test_rows_of_three_bands_read_back_field_for_field():
    rng = np.random.default_rng(0)
    n, nt, nv = 257, 5, 3
    subjects = np.asarray(sorted(uuid.uuid4() for _ in range(n)), dtype=object)
    bands = np.asarray(rng.choice(["low", "medium", "high"], n))
    scores, logits = rng.random(n), rng.normal(size=n)
    codes = rng.integers(0, 256, (n, nt), dtype=np.uint8)
    values = rng.normal(size=(n, nv))
    values[3, 1] = np.nan
    model_id, day = uuid.uuid4(), date(2026, 7, 2)
    parts = _copy_parts(model_id, subjects, day, scores, bands, logits, -1.25, codes, values)
    assert b"".join(bytes(p) for p in parts) == _copy_buffer(
        model_id, subjects, day, scores, bands, logits, -1.25, codes, values
    )
    with transaction.atomic(), connection.cursor() as cur:
        cur.execute(
            "CREATE TEMP TABLE rows_back (model_id uuid, technician_id uuid, as_of date, score float8, "
            "band varchar(6), logit float8, intercept float8, contributions bytea, feature_values bytea)"
        )
        with cur.cursor.copy(f"COPY rows_back ({COLS}) FROM STDIN (FORMAT BINARY)") as copy:
            for lo, hi in ((0, 100), (100, 101), (101, n)):  # three parts of one COPY
                for part in _copy_parts(model_id, subjects[lo:hi], day, scores[lo:hi], bands[lo:hi], logits[lo:hi],
                                        -1.25, codes[lo:hi], values[lo:hi], header=lo == 0, trailer=hi == n):  # fmt: skip
                    copy.write(part)
        cur.execute(f"SELECT {COLS} FROM rows_back")
        back = {r[1]: r for r in cur.fetchall()}
        transaction.set_rollback(True)
    assert len(back) == n
    for i, s in enumerate(subjects):
        m, _, d, score, band, logit, intercept, contrib, vals = back[s]
        assert (m, d, band, intercept) == (model_id, day, bands[i], -1.25)
        assert score == scores[i] and logit == logits[i]
        assert bytes(contrib) == codes[i].tobytes()
        assert np.array_equal(np.frombuffer(bytes(vals), dtype="<f8"), values[i], equal_nan=True)
