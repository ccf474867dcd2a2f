"""Reads for the assistant: conversations (owner-only), knowledge search, vector search helpers.

Selectors never write: the similarity lookup, which fills missing embeddings first, lives in services."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.db.models import QuerySet
from django.http import Http404
from pgvector.django import CosineDistance

from assistant.models import Conversation, KnowledgeChunk, KnowledgeDocument, Message, TechnicianEmbedding


def get_embedder():
    """OpenAI embeddings when a key is configured (and not forced local), else the offline embedder."""
    from assistant.embeddings import LocalEmbedder, OpenAIEmbedder

    mode = settings.ASSISTANT_EMBEDDER
    if mode == "openai" or (mode == "auto" and settings.OPENAI_API_KEY):
        return OpenAIEmbedder(
            api_key=settings.OPENAI_API_KEY,
            base_url=settings.OPENAI_BASE_URL,
            model=settings.OPENAI_EMBEDDING_MODEL,
            timeout=settings.OPENAI_TIMEOUT_SECONDS,
            max_retries=settings.OPENAI_MAX_RETRIES,
        )
    return LocalEmbedder()


def conversation_list(*, user) -> QuerySet[Conversation]:
    return Conversation.objects.filter(user=user).order_by("-updated_at")


def conversation_get_for_user(*, user, conversation_id) -> Conversation:
    """The user's own conversation, or Http404 (another user's id is indistinguishable from a missing one)."""
    try:
        conv = Conversation.objects.filter(user=user, pk=conversation_id).first()
    except Exception:  # noqa: BLE001 - a malformed UUID is "not found"
        conv = None
    if conv is None:
        raise Http404("No such conversation.")
    return conv


def message_list(*, conversation: Conversation) -> QuerySet[Message]:
    return conversation.messages.order_by("created_at")


def _search(qs, field, vector, limit: int, ef_search: int | None = None):
    """Nearest rows by cosine distance, via the HNSW index (``ORDER BY … <=> q LIMIT k``). ``field`` is a
    column name or the indexed expression (technicians: ``TechSubvector("embedding")``).

    ``hnsw.ef_search`` sets the recall/speed trade-off (see bench/bench_assistant.py); iterative scans
    (pgvector ≥ 0.8) keep going when a WHERE filter drops candidates, so a filtered query still returns
    ``limit`` rows. Relaxed order may swap near-ties, so rows are re-sorted by their exact distance.
    """
    ef = ef_search or settings.ASSISTANT_HNSW_EF_SEARCH
    with transaction.atomic():
        with connection.cursor() as cur:
            cur.execute("SET LOCAL hnsw.ef_search = %s", [int(ef)])
            cur.execute("SET LOCAL hnsw.iterative_scan = relaxed_order")
        rows = list(qs.annotate(distance=CosineDistance(field, vector)).order_by("distance")[:limit])
    return sorted(rows, key=lambda r: r.distance)


def knowledge_search(*, query: str, limit: int = 4) -> list[dict[str, Any]]:
    """Nearest chunks by the current embedder's vectors. Documents embedded by another embedder (the
    OpenAI key was set or removed since) cannot be compared by vector: until the re-embed task
    (``services.knowledge_reembed_stale``) has caught up they are found by PostgreSQL full-text search."""
    embedder = get_embedder()
    ready = KnowledgeChunk.objects.filter(document__status=KnowledgeDocument.Status.READY).select_related("document")
    rows = _search(ready.filter(document__embedding_model=embedder.name), "embedding", embedder.embed_one(query), limit)
    hits = [_hit(c, 1.0 - float(c.distance)) for c in rows]
    if len(hits) < limit:
        stale = ready.exclude(document__embedding_model=embedder.name)
        hits += [_hit(c, float(c.rank)) for c in _text_search(stale, query, limit - len(hits))]
    return hits


def _hit(c: KnowledgeChunk, similarity: float) -> dict[str, Any]:
    return {"document_id": c.document_id, "title": c.document.title, "chunk": c.index, "text": c.text,
            "similarity": similarity}  # fmt: skip


def _text_search(qs: QuerySet, query: str, limit: int) -> list[KnowledgeChunk]:
    """Full-text match (any of the query's words, English stemming), best rank first."""
    import re

    from django.contrib.postgres.search import SearchQuery, SearchRank, SearchVector

    words = [w for w in re.findall(r"[A-Za-z0-9]+", query.lower()) if len(w) > 2][:30]
    if not words or limit <= 0:
        return []
    tsq = SearchQuery(" | ".join(words), search_type="raw", config="english")
    doc = SearchVector("document__title", "text", config="english")
    return list(qs.annotate(rank=SearchRank(doc, tsq)).filter(rank__gt=0).order_by("-rank", "pk")[:limit])


def best_performer(*, district: str) -> str | None:
    """Employee id of the active technician with the best CSAT × first-time-fix in their latest month.

    Uses only metrics every role may see (never the HR-only performance rating), so the answer is
    the same for a recruiter and an HR admin.
    """
    from technicians.models import Technician, TechnicianSnapshot

    active = Technician.objects.active().filter(district__code=district)
    latest = (
        TechnicianSnapshot.objects.filter(technician__in=active, csat__isnull=False, first_time_fix_rate__isnull=False)
        .order_by("technician_id", "-month")
        .distinct("technician_id")
    )
    best = sorted(latest.select_related("technician"), key=lambda s: s.csat * s.first_time_fix_rate, reverse=True)
    return best[0].technician.employee_id if best else None


def embedding_coverage() -> dict[str, int]:
    from technicians.models import Technician

    return {"technicians": Technician.objects.count(), "embedded": TechnicianEmbedding.objects.count()}


def operational_metrics() -> list:
    """Prometheus (core/metrics.py): assistant turns by how they ended, and LLM requests that failed."""
    from django.db.models import Count

    from assistant.models import LLMCall
    from core.metrics import Metric

    turns = Metric("ta_assistant_turns", "Assistant turns by final status.", kind="counter", labels=("status",))
    for row in Message.objects.filter(role=Message.Role.ASSISTANT).values("status").annotate(n=Count("pk")):
        turns.samples[(row["status"],)] = float(row["n"])
    errors = Metric("ta_llm_errors", "LLM requests that ended in an error.", kind="counter")
    errors.samples[()] = float(LLMCall.objects.exclude(error="").count())
    return [turns, errors]


def knowledge_document_get(*, document_id) -> KnowledgeDocument:
    """A knowledge document cited in an answer (policies are readable by every role), or Http404."""
    from django.shortcuts import get_object_or_404

    return get_object_or_404(KnowledgeDocument, pk=document_id)
