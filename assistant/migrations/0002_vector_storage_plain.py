"""Store 1536-d vectors inline (PLAIN), not TOASTed.

A 1536-d vector is ~6 KB, above the ~2 KB TOAST threshold, so by default it lives in the TOAST table and
the heap looks tiny to the planner: at ~100k rows PostgreSQL then prefers a (parallel) sequential scan
over the HNSW index for ORDER BY embedding <=> q LIMIT k (seen in bench/bench_assistant.py). PLAIN keeps
the row (one per 8 KB page) in the heap, so the cost estimates reflect the real work and the HNSW index
is chosen; exact scans also skip de-TOASTing.
"""

from django.db import migrations

TABLES = ("assistant_knowledgechunk", "assistant_technicianembedding")


class Migration(migrations.Migration):
    dependencies = [("assistant", "0001_initial")]

    operations = [
        migrations.RunSQL(
            [f"ALTER TABLE {t} ALTER COLUMN embedding SET STORAGE PLAIN" for t in TABLES],
            reverse_sql=[f"ALTER TABLE {t} ALTER COLUMN embedding SET STORAGE EXTENDED" for t in TABLES],
        )
    ]
