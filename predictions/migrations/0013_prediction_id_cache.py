"""Prediction ids come from their sequence with a per-session cache of 8,192 values: a scoring's COPY takes
100k defaults, and an uncached ``nextval`` locks the sequence's page for every row (and WAL-logs it every 32)
— measured ~15 % of the COPY of 100k rows (bench/bench_scoring.py). Ids stay unique; they are no longer in
commit order across sessions, and a session that ends leaves the rest of its cache unused (a gap; bigint)."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("predictions", "0012_scoring_run_medians"),
    ]

    operations = [
        migrations.RunSQL(
            "ALTER SEQUENCE predictions_prediction_id_seq CACHE 8192",
            "ALTER SEQUENCE predictions_prediction_id_seq CACHE 1",
        ),
    ]
