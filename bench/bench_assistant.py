"""Assistant: websocket streaming overhead vs the LLM directly; HNSW vs exact similarity at 100k technicians.

1. Streaming: the same scripted answer (N tokens, paced by the fake OpenAI server) read (a) directly with the
   openai client and (b) through the whole product path — a real websocket client → uvicorn → Channels
   consumer → agent (DB writes, Redis context) → openai client → fake server. Per token we measure the time
   from the server flushing the chunk to the client receiving it (same process, same clock), so the added
   latency per token is (websocket − direct). Target: p95 added ≤ 5 ms.
2. Similarity: 100k TechnicianEmbedding rows (zero-padded 1536-d feature vectors, as the product builds
   them); index variants (the old whole-column index and the product's sub-vector expression index, others
   on request) built one after the other on the same rows after the bulk load; for each, recall@10 against
   the float64 truth and queries/s vs exact search (index scans off), exact scans interleaved with the HNSW
   queries in rounds, at several ``hnsw.ef_search`` values (set with SET LOCAL in the queries' transaction
   and checked with SHOW); plus the product's own code path (services.similar_embeddings) at
   ASSISTANT_HNSW_EF_SEARCH. A result counts as correct when its distance is at most the 10th true distance
   (ties). Target: recall@10 ≥ 0.99 at ≥ 40× exact-search queries/s, at the same setting.

Env: BENCH_ASSISTANT_N (default 100000 embeddings), BENCH_ASSISTANT_QUERIES (200), BENCH_ASSISTANT_EXACT_QUERIES
(10 per round), BENCH_ASSISTANT_ROUNDS (3), BENCH_ASSISTANT_EF (20,40,80), BENCH_ASSISTANT_VARIANTS
(full-m16-efc64,product), BENCH_ASSISTANT_WARM (200 other queries before the timed HNSW ones),
BENCH_ASSISTANT_TOKENS (default 300), BENCH_ASSISTANT_PARTS (stream,similarity), BENCH_PROGRESS=1 (print rows
as they come).
"""

from __future__ import annotations

import asyncio
import importlib
import json
import os
import socket
import statistics
import sys
import threading
import time
import uuid
from datetime import UTC, date, datetime

import numpy as np

from bench.harness import bench_database


def _p(values, q):
    return float(np.percentile(np.asarray(values), q)) if values else float("nan")


# --------------------------------------------------------------------------- streaming


def _free_port() -> int:
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def _session_cookie(user) -> str:
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore

    s = SessionStore()
    s[SESSION_KEY] = str(user.pk)
    s[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    s[HASH_SESSION_KEY] = user.get_session_auth_hash()
    s.create()
    return s.session_key


async def _direct(fake, pieces, delay):
    from assistant.llm import ChatLLM

    fake.emitted.clear()
    fake.reply_text(pieces, delay=delay)
    llm = ChatLLM(api_key="sk-bench", base_url=fake.base_url, model="fake-gpt", timeout=10, max_retries=0)
    t0 = time.perf_counter()
    arrivals = []
    async for kind, _ in llm.stream([{"role": "user", "content": "bench"}]):
        if kind == "delta":
            arrivals.append(time.perf_counter())
    end = time.perf_counter()
    await llm.aclose()
    return t0, arrivals, end, list(fake.emitted)


async def _websocket(fake, pieces, delay, url, cookie, origin):
    import websockets

    fake.emitted.clear()
    fake.reply_text(pieces, delay=delay)
    async with websockets.connect(url, additional_headers={"Cookie": f"sessionid={cookie}", "Origin": origin}) as ws:
        ready = json.loads(await ws.recv())
        assert ready["type"] == "ready", ready
        t0 = time.perf_counter()
        await ws.send(json.dumps({"type": "ask", "message": "bench question"}))
        arrivals = []
        while True:
            ev = json.loads(await ws.recv())
            if ev["type"] == "delta":
                arrivals.append(time.perf_counter())
            elif ev["type"] == "done":
                end = time.perf_counter()
                assert ev["status"] == "complete", ev
                break
    return t0, arrivals, end, list(fake.emitted)


def _stream_rows() -> list[tuple[str, float, str]]:
    import uvicorn
    from django.conf import settings

    from assistant.services import conversation_create
    from tests.assistant.fake_openai import FakeOpenAI
    from tests.factories import HR_ADMIN, make_user

    n_tokens = int(os.environ.get("BENCH_ASSISTANT_TOKENS", 300))
    delay = 0.002
    pieces = [f"tok{i} " for i in range(n_tokens)]
    fake = FakeOpenAI()
    settings.OPENAI_API_KEY = "sk-bench"
    settings.OPENAI_BASE_URL = fake.base_url
    settings.OPENAI_MODEL = fake.model
    settings.OPENAI_MAX_RETRIES = 0
    settings.ASSISTANT_OFFLINE = False
    user = make_user(f"bench-{uuid.uuid4().hex[:6]}", HR_ADMIN)
    cookie = _session_cookie(user)
    from config.asgi import application

    port = _free_port()
    server = uvicorn.Server(
        uvicorn.Config(application, host="127.0.0.1", port=port, lifespan="off", log_level="warning")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.05)
    origin = f"http://127.0.0.1:{port}"
    results = {"direct": [], "ws": []}
    try:
        for rep in range(4):  # first round warms up connections/imports; interleave the two paths
            conv = conversation_create(user=user)
            url = f"ws://127.0.0.1:{port}/ws/assistant/{conv.pk}/"
            d = asyncio.run(_direct(fake, pieces, delay))
            w = asyncio.run(_websocket(fake, pieces, delay, url, cookie, origin))
            if rep:
                results["direct"].append(d)
                results["ws"].append(w)
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        fake.close()

    def summarise(runs):
        ttft = [a[0] - t0 for t0, a, _, _ in runs]
        total = [end - t0 for t0, _, end, _ in runs]
        lat = [x - e for _, a, _, em in runs for x, e in zip(a, em, strict=False)]
        return statistics.median(ttft), statistics.median(total), lat

    d_ttft, d_total, d_lat = summarise(results["direct"])
    w_ttft, w_total, w_lat = summarise(results["ws"])
    added = [w - d for w, d in zip(sorted(w_lat), sorted(d_lat), strict=False)]
    return [
        ("stream: tokens per answer", n_tokens, f"server paces {delay * 1000:.0f} ms/token; 3 runs each path"),
        ("stream: direct TTFT (ms, median)", d_ttft * 1000, "openai client → fake server"),
        ("stream: websocket TTFT (ms, median)", w_ttft * 1000, "ws → consumer → agent → openai → fake"),
        (
            "stream: TTFT added by websocket path (ms)",
            (w_ttft - d_ttft) * 1000,
            "includes DB turn_start + Redis context",
        ),
        ("stream: direct total (ms, median)", d_total * 1000, ""),
        ("stream: websocket total (ms, median)", w_total * 1000, ""),
        ("stream: total ratio websocket/direct", w_total / d_total, "≈1 means streaming adds little"),
        ("stream: direct flush→arrival p95 (ms)", _p(d_lat, 95) * 1000, "per token"),
        ("stream: websocket flush→arrival p95 (ms)", _p(w_lat, 95) * 1000, "per token"),
        ("stream: added latency per token p50 (ms)", _p(added, 50) * 1000, "websocket − direct"),
        ("stream: added latency per token p95 (ms)", (_p(w_lat, 95) - _p(d_lat, 95)) * 1000, "target ≤ 5 ms"),
    ]


# --------------------------------------------------------------------------- similarity


def _vectors(n: int, rng) -> np.ndarray:
    """Technician-like vectors: 22 standardised features in ~40 clusters, zero-padded to 1536, L2-normalised."""
    from assistant.embeddings import DIM

    k, d = 40, 22
    centres = rng.normal(0, 1.0, size=(k, d))
    labels = rng.integers(0, k, size=n)
    feats = centres[labels] + rng.normal(0, 0.6, size=(n, d))
    out = np.zeros((n, DIM), dtype=np.float32)
    out[:, :d] = feats
    out /= np.linalg.norm(out, axis=1, keepdims=True)
    return out


def _load(n: int, vecs: np.ndarray) -> list[str]:
    from django.db import connection
    from pgvector.psycopg import register_vector

    from technicians.models import District, Region, Technician

    region = Region.objects.create(code="bench", name="Bench")
    district = District.objects.create(code="bench", name="Bench", region=region)
    ids = [uuid.uuid4() for _ in range(n)]
    trades = ["hvac", "appliance", "plumbing", "refrigeration", "electrical"]
    for start in range(0, n, 10000):
        Technician.objects.bulk_create(
            [
                Technician(id=ids[i], employee_id=f"B{i:07d}", first_name="B", last_name=str(i), district=district,
                           trade=trades[i % 5], hire_date=date(2020, 1, 1))
                for i in range(start, min(n, start + 10000))
            ]
        )  # fmt: skip
    connection.ensure_connection()
    raw = connection.connection
    register_vector(raw)
    with raw.cursor() as cur:
        cur.execute("DROP INDEX IF EXISTS technician_embedding_hnsw")
        with cur.copy(
            "COPY assistant_technicianembedding (technician_id, embedding, version, created_at, updated_at) "
            "FROM STDIN WITH (FORMAT BINARY)"
        ) as copy:
            copy.set_types(["uuid", "vector", "varchar", "timestamptz", "timestamptz"])
            ts = datetime.now(UTC)
            for i in range(n):
                copy.write_row((ids[i], vecs[i], "bench", ts, ts))
    if not raw.autocommit:
        raw.commit()
    return [str(i) for i in ids]


# Index variants compared side by side on the same 100k rows: (label, indexed expression, opclass, m,
# ef_construction). "full" indexes the whole 1536-d column (the old index); "sub32" indexes the technician
# vector's first TECH_DIMS dimensions (the only ones it uses: the rest is zero padding, so cosine is equal),
# the expression index the product now has (assistant/migrations/0004_scale_hnsw_index.py). "half" is the
# whole column cast to halfvec (half the memory traffic). BENCH_ASSISTANT_VARIANTS picks them by label.
def _variants():
    from assistant.embeddings import TECH_DIMS

    sub = f"(subvector(embedding, 1, {TECH_DIMS})::vector({TECH_DIMS}))"
    out = {}
    for m, efc in ((16, 64), (16, 128), (24, 128), (16, 200), (32, 200)):
        out[f"full-m{m}-efc{efc}"] = ("embedding", "vector_cosine_ops", m, efc)
        out[f"half-m{m}-efc{efc}"] = ("(embedding::halfvec(1536))", "halfvec_cosine_ops", m, efc)
        out[f"sub32-m{m}-efc{efc}"] = (sub, "vector_cosine_ops", m, efc)
    from assistant.models import TechnicianEmbedding

    (index,) = TechnicianEmbedding._meta.indexes
    out["product"] = (sub, "vector_cosine_ops", index.m, index.ef_construction)  # built as the migration does
    return out


DEFAULT_VARIANTS = "full-m16-efc64,product"  # the old index and the product's index


class _ProgressRows(list):
    """Rows that are also printed as they come when BENCH_PROGRESS is set (a full run takes many minutes)."""

    def append(self, row):
        if os.environ.get("BENCH_PROGRESS"):
            print(f"  [progress] {row[0]:<58} {row[1]:>12.3f}  {row[2]}", file=sys.stderr, flush=True)
        super().append(row)


def _similarity_rows() -> list[tuple[str, float, str]]:
    """Recall is counted against distances, not ids: a returned row is correct when its exact distance is
    at most the 10th true distance (ties at the 10th place are all correct answers, and float32 storage can
    order near-ties differently from a float64 ground truth). ``hnsw.ef_search`` is set with ``SET LOCAL``
    inside the transaction of the queries and read back with ``SHOW`` there, so a setting that does not
    apply fails the bench instead of reporting the default's recall under another label.

    Each index variant is built on the same rows, then measured: the exact scan (index scans off) of the
    variant's own query and of the plain whole-column query, interleaved with the HNSW queries at each
    ``ef_search``, in ``BENCH_ASSISTANT_ROUNDS`` rounds; the speed-up is against the *faster* exact scan
    of the same round (median over rounds), so an expression that makes the exact scan slower cannot
    flatter the index."""
    from django.conf import settings
    from django.db import connection, transaction
    from django.test.utils import CaptureQueriesContext

    from assistant.models import TechnicianEmbedding
    from assistant.services import similar_embeddings

    n = int(os.environ.get("BENCH_ASSISTANT_N", 100_000))
    n_queries = int(os.environ.get("BENCH_ASSISTANT_QUERIES", 200))
    rounds = int(os.environ.get("BENCH_ASSISTANT_ROUNDS", 3))
    efs = [int(x) for x in os.environ.get("BENCH_ASSISTANT_EF", "20,40,80").split(",")]
    wanted = os.environ.get("BENCH_ASSISTANT_VARIANTS", DEFAULT_VARIANTS).split(",")
    variants = _variants()
    rng = np.random.default_rng(42)
    n_warm = int(os.environ.get("BENCH_ASSISTANT_WARM", 200))
    allv = _vectors(n + n_queries + n_warm, rng)
    # queries: held-out technicians from the same population; warm-up queries are other held-out ones
    vecs, queries, warmers = allv[:n], allv[n : n + n_queries], allv[n + n_queries :]
    t = time.perf_counter()
    ids = _load(n, vecs)
    load_s = time.perf_counter() - t
    row_of = {u: i for i, u in enumerate(ids)}
    v64 = vecs.astype(np.float64)
    with connection.cursor() as cur:  # now, not by autovacuum in the middle of the timed queries
        cur.execute("VACUUM (ANALYZE) assistant_technicianembedding")

    def lit(q) -> str:
        return "[" + ",".join(f"{x:.7g}" for x in q) + "]"

    def sql_for(expr: str) -> str:
        q = expr.replace("embedding", "%s::vector", 1)  # the query vector through the same expression
        return f"SELECT technician_id FROM assistant_technicianembedding ORDER BY {expr} <=> {q} LIMIT 10"

    def run(sql, q_set, settings_sql: list[str], expect: dict[str, str], warm=()):
        out, times = [], []
        with transaction.atomic(), connection.cursor() as cur:
            for s in settings_sql:
                cur.execute(s)
            for name, value in expect.items():  # the setting really applies to these queries
                cur.execute(f"SHOW {name}")
                got = cur.fetchone()[0]
                assert got == value, f"{name} is {got!r} inside the query transaction, expected {value!r}"
            literals = [lit(q) for q in q_set]  # built before the clock starts
            cur.execute("EXPLAIN " + sql, [literals[0]])
            plan = " ".join(r[0] for r in cur.fetchall())
            for q in warm:  # a serving database has its hot index pages cached (other queries than timed)
                cur.execute(sql, [lit(q)])
                cur.fetchall()
            for q in literals:
                t0 = time.perf_counter()
                cur.execute(sql, [q])
                out.append([str(r[0]) for r in cur.fetchall()])
                times.append(time.perf_counter() - t0)
        return out, times, plan

    truth: dict[bytes, tuple] = {}

    def recall(got: list[list[str]], q_set) -> tuple[float, float]:
        """(recall counting distance ties at the 10th place as correct, strict recall by id)."""
        by_dist, by_id = [], []
        for g, q in zip(got, q_set, strict=True):
            key = q.tobytes()
            if key not in truth:  # computed once per query vector (float64, all n rows)
                dist = 1.0 - v64 @ q.astype(np.float64)  # cosine distance (unit vectors)
                order = np.argpartition(dist, 10)[:11]
                order = order[np.argsort(dist[order], kind="stable")]
                truth[key] = (dist[order[9]], order[:10])
            kth, order = truth[key]
            mine = 1.0 - v64[[row_of[x] for x in g]] @ q.astype(np.float64)
            by_dist.append(min(10, int(np.sum(mine <= kth + 1e-6))) / 10)  # float32 storage: 1e-6 slack
            by_id.append(len(set(g) & {ids[j] for j in order[:10]}) / 10)
        return float(np.mean(by_dist)), float(np.mean(by_id))

    n_exact = min(len(queries), int(os.environ.get("BENCH_ASSISTANT_EXACT_QUERIES", 10)))
    off = (["SET LOCAL enable_indexscan = off"], {"enable_indexscan": "off"})
    plain_sql = sql_for("embedding")
    rows = _ProgressRows()
    rows.append(("similarity: embeddings", n, f"1536-d, loaded by binary COPY in {load_s:.1f}s"))
    first = True
    for label in wanted:
        expr, opclass, m, efc = variants[label]
        with connection.cursor() as cur:
            cur.execute("DROP INDEX IF EXISTS technician_embedding_hnsw")
            t = time.perf_counter()
            if label == "product":  # the model's index, with the migration's session settings
                with transaction.atomic(), connection.schema_editor(atomic=False) as editor:
                    for stmt in importlib.import_module("assistant.migrations.0004_scale_hnsw_index").BUILD_SETTINGS:
                        editor.execute(stmt)
                    editor.add_index(TechnicianEmbedding, TechnicianEmbedding._meta.indexes[0])
            else:
                cur.execute("SET maintenance_work_mem = '1GB'")
                cur.execute("SET max_parallel_maintenance_workers = 1")
                cur.execute(
                    f"CREATE INDEX technician_embedding_hnsw ON assistant_technicianembedding "
                    f"USING hnsw ({expr} {opclass}) WITH (m = {m}, ef_construction = {efc})"
                )
            build_s = time.perf_counter() - t
            cur.execute("SELECT pg_relation_size('technician_embedding_hnsw')")
            size_mb = cur.fetchone()[0] / 2**20
        rows.append((f"similarity [{label}]: HNSW build after bulk load (s)", build_s,
                     f"{expr} {opclass}, m={m}, ef_construction={efc}; index {size_mb:.0f} MB"))  # fmt: skip
        sql = sql_for(expr)
        if first:  # the ground truth query agrees with numpy (sanity check of the recall computation)
            exact, _, plan = run(plain_sql, queries[:n_exact], *off)
            r, strict = recall(exact, queries[:n_exact])
            rows.append(("similarity: exact SQL recall@10 vs numpy", r,
                         f"sanity check of the ground truth (by id, ties as misses: {strict:.3f})"))  # fmt: skip
            first = False
        per_ef: dict[int, list] = {ef: [] for ef in efs}
        exact_same, exact_plain, ratios = [], [], {ef: [] for ef in efs}
        for rnd in range(rounds):
            _, t_plain, plan_p = run(plain_sql, queries[:n_exact], *off)
            _, t_same, plan_s = run(sql, queries[:n_exact], *off)
            assert "hnsw" not in plan_p + plan_s, plan_s
            q_plain, q_same = 1 / statistics.median(t_plain), 1 / statistics.median(t_same)
            exact_plain.append(q_plain)
            exact_same.append(q_same)
            for ef in efs:
                got, t_hnsw, plan = run(sql, queries, [f"SET LOCAL hnsw.ef_search = {int(ef)}"],
                                        {"hnsw.ef_search": str(ef)}, warm=warmers if rnd == 0 else ())  # fmt: skip
                if os.environ.get("BENCH_DEBUG"):
                    print(label, ef, plan[:300])
                assert "technician_embedding_hnsw" in plan, f"ef_search={ef}: HNSW index not used: {plan}"
                qps = 1 / statistics.median(t_hnsw)
                per_ef[ef].append((got, qps))
                ratios[ef].append(qps / max(q_plain, q_same))
        rows.append((f"similarity [{label}]: exact queries/s, whole column / same query", statistics.median(exact_plain),
                     f"/ {statistics.median(exact_same):.1f}; index scans off; {n_exact} queries × {rounds} rounds"
                     f"{'; parallel' if 'Gather' in plan_p else ''}"))  # fmt: skip
        for ef in efs:
            r, strict = recall(per_ef[ef][0][0], queries)
            qps = statistics.median(q for _, q in per_ef[ef])
            ratio = statistics.median(ratios[ef])
            ok = "MET" if r >= 0.99 and ratio >= 40 else "missed"
            rows.append((
                f"similarity [{label}]: recall@10 | × exact (ef_search={ef})", r,
                f"{ratio:.0f}× exact ({qps:.0f} q/s; rounds {', '.join(f'{x:.0f}×' for x in ratios[ef])}); "
                f"by id {strict:.3f}; target ≥ 0.99 at ≥ 40×: {ok}",
            ))  # fmt: skip
        if label == "product":  # the product's own code path: ORM query, joins, filter, its ef_search
            ef = settings.ASSISTANT_HNSW_EF_SEARCH
            with CaptureQueriesContext(connection) as ctx:
                similar_embeddings(queries[0], limit=10)
            knn = next(q["sql"] for q in ctx.captured_queries if "<=>" in q["sql"])
            with transaction.atomic(), connection.cursor() as cur:
                cur.execute("SET LOCAL hnsw.ef_search = %s", [ef])
                cur.execute("EXPLAIN " + knn)
                plan = " ".join(r[0] for r in cur.fetchall())
            assert "technician_embedding_hnsw" in plan, plan
            got, times = [], []
            for rnd in range(2):
                for q in warmers if rnd == 0 else queries:
                    t0 = time.perf_counter()
                    res = [str(r.technician_id) for r in similar_embeddings(q, limit=10)]
                    if rnd:
                        times.append(time.perf_counter() - t0)
                        got.append(res)
            exact_times = []  # the same code path without the index (index scans off in its transaction)
            for q in queries[:n_exact]:
                with transaction.atomic(), connection.cursor() as cur:
                    cur.execute("SET LOCAL enable_indexscan = off")
                    t0 = time.perf_counter()
                    similar_embeddings(q, limit=10)
                    exact_times.append(time.perf_counter() - t0)
            r, strict = recall(got, queries)
            qps, exact_qps = 1 / statistics.median(times), 1 / statistics.median(exact_times)
            rows.append((
                f"similarity [{label}]: product path recall@10 | × exact (ef_search={ef})", r,
                f"{qps / exact_qps:.0f}× the same path without the index ({qps:.0f} vs {exact_qps:.1f} q/s) — "
                "services.similar_embeddings: ORM, joins to technician/district/region, active filter, "
                f"iterative scan; by id {strict:.3f}; ASSISTANT_HNSW_EF_SEARCH",
            ))  # fmt: skip
    return rows


def run() -> list[tuple[str, float, str]]:
    parts = os.environ.get("BENCH_ASSISTANT_PARTS", "stream,similarity").split(",")
    rows = []
    with bench_database("assistant"):
        if "stream" in parts:
            rows += _stream_rows()
        if "similarity" in parts:
            rows += _similarity_rows()
    return rows


if __name__ == "__main__":
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    for metric, value, note in run():
        print(f"  {metric:<58} {value:>12.3f}  {note}")
