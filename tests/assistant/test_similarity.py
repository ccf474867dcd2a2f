"""pgvector similarity: the HNSW-backed queries return the nearest rows by cosine (checked with numpy)."""

import random
from datetime import date

import numpy as np
import pytest

from assistant import selectors, services
from assistant.embeddings import DIM, LocalEmbedder, feature_vector
from assistant.models import TechnicianEmbedding
from assistant.services import FEATURE_NAMES, technician_embeddings_refresh
from tests.factories import DistrictFactory, SnapshotFactory, TechnicianFactory


def cos(a, b):
    a, b = np.asarray(a), np.asarray(b)
    return float(a @ b / (np.linalg.norm(a) * np.linalg.norm(b)))


@pytest.fixture
def many_techs(db):
    rng = random.Random(7)
    d = DistrictFactory(code="sim", name="Simville")
    techs = []
    for i in range(40):
        t = TechnicianFactory(
            employee_id=f"S{i:03d}",
            district=d,
            trade=rng.choice(["hvac", "plumbing", "appliance"]),
            hire_date=date(2015 + rng.randint(0, 8), 1, 1),
            certifications=rng.randint(0, 5),
        )
        SnapshotFactory(
            technician=t,
            month=date(2024, 2, 1),
            jobs_completed=rng.randint(40, 120),
            first_time_fix_rate=rng.uniform(0.5, 1.0),
            csat=rng.uniform(3, 5),
            overtime_hours=rng.uniform(0, 15),
            drive_time_minutes=rng.uniform(20, 120),
            utilization=rng.uniform(0.5, 1.1),
            training_hours=rng.uniform(0, 8),
        )
        techs.append(t)
    return techs


def test_similar_technicians_are_the_nearest_by_cosine(many_techs, recruiter):
    assert technician_embeddings_refresh() == 40
    rows = {
        e.technician.employee_id: np.asarray(e.embedding)
        for e in TechnicianEmbedding.objects.select_related("technician")
    }
    assert all(len(v) == DIM and abs(np.linalg.norm(v) - 1) < 1e-5 for v in rows.values())
    target = "S007"
    exact = sorted((k for k in rows if k != target), key=lambda k: -cos(rows[target], rows[k]))[:5]
    got = services.similar_technicians(user=recruiter, employee_id=target, limit=5)
    assert [s["employee_id"] for s in got["similar"]] == exact
    sims = [s["similarity"] for s in got["similar"]]
    assert sims == sorted(sims, reverse=True)
    assert sims[0] == pytest.approx(cos(rows[target], rows[exact[0]]), abs=1e-3)


def test_refresh_is_idempotent_and_vectors_exclude_pay_and_performance(many_techs):
    technician_embeddings_refresh()
    before = {e.technician_id: list(e.embedding) for e in TechnicianEmbedding.objects.all()}
    technician_embeddings_refresh()
    after = {e.technician_id: list(e.embedding) for e in TechnicianEmbedding.objects.all()}
    assert TechnicianEmbedding.objects.count() == 40 and before.keys() == after.keys()
    assert all(np.allclose(before[k], after[k]) for k in before)
    assert not any("pay" in f or "perf" in f or "rating" in f for f in FEATURE_NAMES)


def test_feature_vector_padding_preserves_cosine():
    a, b = [1.0, 2.0, None, 4.0], [2.0, 1.0, 3.0, 0.5]
    means, stds = [0.0] * 4, [1.0] * 4
    va, vb = feature_vector(a, means, stds), feature_vector(b, means, stds)
    assert len(va) == DIM
    assert cos(va, vb) == pytest.approx(cos([1, 2, 0, 4], [2, 1, 3, 0.5]), abs=1e-6)


def test_knowledge_search_returns_nearest_chunks_by_cosine_and_titles(policy_docs):
    from assistant.models import KnowledgeChunk

    query = "retention bonus eligibility"
    q = LocalEmbedder().embed_one(query)
    chunks = list(KnowledgeChunk.objects.select_related("document"))
    exact = sorted(chunks, key=lambda c: -cos(q, c.embedding))[:2]
    hits = selectors.knowledge_search(query=query, limit=2)
    assert [(h["document_id"], h["chunk"]) for h in hits] == [(c.document_id, c.index) for c in exact]
    assert hits[0]["title"] == "Retention and overtime policy"
    assert "retention bonus" in hits[0]["text"].lower()


def test_local_embedder_is_deterministic_and_normalised():
    e = LocalEmbedder()
    a1, a2 = e.embed_one("Retention bonus policy"), e.embed_one("Retention bonus policy")
    assert a1 == a2 and abs(np.linalg.norm(a1) - 1) < 1e-6
    assert cos(a1, e.embed_one("policy on retention bonuses")) > cos(a1, e.embed_one("fuel cards for vans"))


def _similar_query_sql(recruiter) -> list[str]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as ctx:
        services.similar_technicians(user=recruiter, employee_id="S007", limit=5)
    return [q["sql"] for q in ctx.captured_queries]


def test_similar_technicians_query_is_served_by_the_hnsw_index_with_the_configured_ef_search(
    many_techs, recruiter, settings
):
    """The product's query orders by the indexed expression (the sub-vector), so PostgreSQL can use the
    HNSW index; ef_search comes from the setting, set with SET LOCAL in the query's transaction."""
    from django.db import connection, transaction

    technician_embeddings_refresh()
    settings.ASSISTANT_HNSW_EF_SEARCH = 57
    sqls = _similar_query_sql(recruiter)
    knn = [i for i, s in enumerate(sqls) if "<=>" in s]
    assert len(knn) == 1, sqls
    ef = max(i for i, s in enumerate(sqls[: knn[0]]) if "hnsw.ef_search" in s)
    assert "57" in sqls[ef] and "SET LOCAL" in sqls[ef]
    assert not any("COMMIT" in s or "RELEASE" in s for s in sqls[ef : knn[0]])  # same transaction
    with transaction.atomic(), connection.cursor() as cur:
        # 40 rows: sorting them all is cheaper; without sorts the plan must take its order from an index
        cur.execute("SET LOCAL enable_sort = off")
        cur.execute("EXPLAIN " + sqls[knn[0]])
        plan = " ".join(r[0] for r in cur.fetchall())
    assert "Index Scan using technician_embedding_hnsw" in plan, plan


def test_no_data_direction_is_inside_the_indexed_part_and_old_vectors_are_moved(many_techs, recruiter):
    """A technician with no feature data gets a direction the sub-vector index can see (a zero sub-vector
    has no cosine); the migration moves vectors stored with the old direction (the last dimension)."""
    from importlib import import_module

    from django.db import connection

    from assistant.embeddings import TECH_DIMS

    v = feature_vector([None, None], [0.0, 0.0], [1.0, 1.0])
    assert v[TECH_DIMS - 1] == 1.0 and sum(abs(x) for x in v) == 1.0
    with pytest.raises(ValueError):
        feature_vector([1.0] * TECH_DIMS, [0.0] * TECH_DIMS, [1.0] * TECH_DIMS)

    technician_embeddings_refresh()
    old = np.zeros(DIM)
    old[DIM - 1] = 1.0
    target = TechnicianEmbedding.objects.get(technician__employee_id="S003")
    target.embedding = old
    target.save()
    migration = import_module("assistant.migrations.0004_scale_hnsw_index")
    migration.move_no_data_direction(None, type("Editor", (), {"connection": connection})())
    moved = np.asarray(TechnicianEmbedding.objects.get(pk=target.pk).embedding)
    assert moved[TECH_DIMS - 1] == 1.0 and moved[DIM - 1] == 0.0 and np.linalg.norm(moved) == pytest.approx(1.0)
    others = TechnicianEmbedding.objects.exclude(pk=target.pk)
    assert all(np.linalg.norm(np.asarray(e.embedding)[:TECH_DIMS]) == pytest.approx(1.0) for e in others)


def _index_def() -> str | None:
    from django.db import connection

    with connection.cursor() as cur:
        cur.execute(
            "SELECT indexdef FROM pg_indexes WHERE indexname = 'technician_embedding_hnsw' "
            "AND tablename = 'assistant_technicianembedding'"
        )
        row = cur.fetchone()
    return row[0] if row else None


def _vectors() -> dict:
    return {e.technician_id: np.asarray(e.embedding) for e in TechnicianEmbedding.objects.all()}


def test_refresh_writes_only_new_or_changed_vectors(many_techs):
    assert technician_embeddings_refresh() == 40
    before = _vectors()
    assert technician_embeddings_refresh() == 0  # nothing changed: nothing rewritten
    t = many_techs[3]
    t.certifications += 4
    t.save()
    assert technician_embeddings_refresh(employee_ids=[t.employee_id]) == 1  # population stats kept
    after = _vectors()
    assert [k for k in after if not np.array_equal(after[k], before[k])] == [t.pk]


def test_a_large_change_rebuilds_the_index_in_bulk_with_the_same_result(many_techs, monkeypatch):
    definition = _index_def()
    assert definition and "hnsw" in definition
    technician_embeddings_refresh()  # 40 rows < REBUILD_MIN_ROWS: row-by-row index upkeep
    incremental = _vectors()
    TechnicianEmbedding.objects.all().delete()
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    monkeypatch.setattr(services, "REBUILD_MIN_ROWS", 10)
    with CaptureQueriesContext(connection) as ctx:
        assert technician_embeddings_refresh() == 40  # all new: index dropped, rows written, index built
    sqls = [q["sql"] for q in ctx.captured_queries]
    drop = next(i for i, q in enumerate(sqls) if q.startswith("DROP INDEX"))
    write = next(i for i, q in enumerate(sqls) if "INSERT INTO assistant_technicianembedding" in q)
    assert drop < write < next(i for i, q in enumerate(sqls) if q.startswith("CREATE INDEX"))
    assert _index_def() == definition
    bulk = _vectors()
    assert bulk.keys() == incremental.keys() and all(np.array_equal(bulk[k], incremental[k]) for k in bulk)


def test_a_failed_bulk_rebuild_leaves_the_previous_vectors_and_index(many_techs, monkeypatch):
    from django.db.backends.postgresql.schema import DatabaseSchemaEditor

    technician_embeddings_refresh()
    before = _vectors()
    for t in many_techs[:20]:
        t.certifications += 5
        t.save()

    def crash(self, model, index):
        raise RuntimeError("worker killed while building the index")

    monkeypatch.setattr(services, "REBUILD_MIN_ROWS", 10)
    monkeypatch.setattr(DatabaseSchemaEditor, "add_index", crash)
    with pytest.raises(RuntimeError):
        technician_embeddings_refresh()
    assert _index_def() is not None
    after = _vectors()
    assert all(np.array_equal(before[k], after[k]) for k in before)
