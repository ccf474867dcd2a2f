"""Writes for the assistant: conversations, turns and their audit rows, Redis context, knowledge, embeddings."""

from __future__ import annotations

import io
import logging
from datetime import date
from typing import Any

import numpy as np
from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.utils import timezone

from assistant.models import (
    Conversation,
    KnowledgeChunk,
    KnowledgeDocument,
    LLMCall,
    Message,
    TechnicianEmbedding,
    ToolCall,
)
from assistant.outcomes import clean_text, json_safe

log = logging.getLogger(__name__)


class AssistantInputError(ValueError):
    """A message the assistant refuses to process; ``str(exc)`` is the reason shown to the user."""


# --------------------------------------------------------------------------- conversations


def conversation_create(*, user, title: str | None = None) -> Conversation:
    title = clean_text(title or "").strip()[:200] or "New conversation"
    return Conversation.objects.create(user=user, title=title)


def conversation_rename(*, conversation: Conversation, title: str) -> Conversation:
    title = clean_text(title or "").strip()
    if not title:
        raise AssistantInputError("A conversation title cannot be empty.")
    if len(title) > 200:
        raise AssistantInputError("A conversation title can be at most 200 characters.")
    conversation.title = title
    conversation.save(update_fields=["title", "updated_at"])
    return conversation


def conversation_delete(*, conversation: Conversation) -> None:
    context_clear(conversation_id=conversation.pk)
    conversation.delete()


def message_validate(text: Any) -> str:
    """Return the cleaned message or raise AssistantInputError with the reason."""
    if not isinstance(text, str):
        raise AssistantInputError("The message must be text.")
    text = clean_text(text).strip()  # lone surrogates / NUL would break PostgreSQL and the UTF-8 event stream
    if not text:
        raise AssistantInputError("The message is empty — type a question.")
    limit = settings.ASSISTANT_MAX_MESSAGE_CHARS
    if len(text) > limit:
        raise AssistantInputError(f"The message is too long ({len(text)} characters; the limit is {limit}).")
    return text


# --------------------------------------------------------------------------- turns and audit


@transaction.atomic
def turn_start(*, conversation: Conversation, text: str, model: str) -> tuple[Message, Message]:
    """Record the user's message and an empty assistant message (status streaming)."""
    first = not conversation.messages.exists()
    user_msg = Message.objects.create(conversation=conversation, role=Message.Role.USER, content=text)
    reply = Message.objects.create(
        conversation=conversation, role=Message.Role.ASSISTANT, status=Message.Status.STREAMING, model=model
    )
    if first and conversation.title == "New conversation":
        conversation.title = text[:80] + ("…" if len(text) > 80 else "")
    conversation.save(update_fields=["title", "updated_at"])
    return user_msg, reply


def turn_finish(
    *,
    message_id,
    content: str,
    status: str,
    error: str = "",
    reason: str = "",
    prompt_tokens: int = 0,
    completion_tokens: int = 0,
    latency_ms: int | None = None,
    first_token_ms: int | None = None,
    tools_used: list[str] | None = None,
    citations: list[dict] | None = None,
) -> None:
    Message.objects.filter(pk=message_id).update(
        content=clean_text(content),
        status=status,
        error=clean_text(error)[:500],
        reason=reason,
        prompt_tokens=prompt_tokens,
        completion_tokens=completion_tokens,
        latency_ms=latency_ms,
        first_token_ms=first_token_ms,
        tools_used=json_safe(tools_used or []),
        citations=json_safe(citations or []),
        updated_at=timezone.now(),
    )


def llm_call_record(
    *,
    message_id,
    user,
    model: str,
    iteration: int,
    result=None,
    error: str = "",
    reason: str = "",
    latency_ms: int = 0,
    request_chars: int = 0,
    attempts: int = 1,
) -> None:
    """Audit one LLM request; ``reason`` is the same code the turn reports (assistant.outcomes.Reason)."""
    LLMCall.objects.create(
        message_id=message_id,
        user=user,
        model=model,
        iteration=iteration,
        prompt_tokens=getattr(result, "prompt_tokens", 0) or 0,
        completion_tokens=getattr(result, "completion_tokens", 0) or 0,
        latency_ms=getattr(result, "latency_ms", 0) or latency_ms,
        finish_reason=(getattr(result, "finish_reason", "") or "")[:30],
        error=clean_text(error)[:500],
        reason=reason,
        request_chars=request_chars,
        attempts=getattr(result, "attempts", 0) or attempts,
    )


def tool_call_record(*, message_id, user, call_id: str, outcome) -> None:
    """The tool-call row and its audit-log entry, in one transaction."""
    from core.audit import audit_record, subjects_in
    from core.models import AuditAction

    args = outcome.arguments if isinstance(outcome.arguments, dict) else {}
    with transaction.atomic():
        audit_record(
            user=user,
            action=AuditAction.TOOL_CALL,
            object_type="assistant_tool",
            object_id=outcome.name[:60],
            subjects=[*subjects_in(args), *subjects_in(outcome.result)],
            via="assistant",
            detail={"arguments": args, "ok": outcome.ok, "error": outcome.error[:200], "message_id": str(message_id)},
        )
        _tool_call_row(message_id=message_id, user=user, call_id=call_id, outcome=outcome)


def _tool_call_row(*, message_id, user, call_id: str, outcome) -> None:
    ToolCall.objects.create(
        message_id=message_id,
        user=user,
        call_id=clean_text(call_id)[:100],
        name=clean_text(outcome.name)[:60],
        # PostgreSQL rejects NaN/Infinity and lone surrogates in JSON: store a sanitized copy, keep the row
        arguments=json_safe(outcome.arguments) if isinstance(outcome.arguments, dict) else {},
        ok=outcome.ok,
        error=clean_text(outcome.error)[:500],
        result_chars=len(outcome.content),
        duration_ms=outcome.duration_ms,
    )


# --------------------------------------------------------------------------- Redis context


def _ctx_key(conversation_id) -> str:
    return f"assistant:ctx:{conversation_id}"


def context_get(*, conversation: Conversation) -> list[dict[str, str]]:
    """Recent turns as chat messages: Redis first (TTL), rebuilt from PostgreSQL on a miss or dead Redis."""
    try:
        cached = cache.get(_ctx_key(conversation.pk))
    except Exception:  # noqa: BLE001 - Redis down: the durable history still answers
        log.warning("assistant context cache unavailable; reading history from the database")
        cached = None
    if cached is not None:
        return cached
    n = settings.ASSISTANT_CONTEXT_MESSAGES
    rows = list(
        conversation.messages.exclude(content="").exclude(status=Message.Status.STREAMING).order_by("-created_at")[:n]
    )
    ctx = [{"role": m.role, "content": m.content} for m in reversed(rows)]
    _ctx_set(conversation.pk, ctx)
    return ctx


def context_append(*, conversation_id, items: list[dict[str, str]]) -> None:
    try:
        ctx = cache.get(_ctx_key(conversation_id))
    except Exception:  # noqa: BLE001
        return
    if ctx is None:
        return  # rebuilt from the database next time
    _ctx_set(conversation_id, (ctx + items)[-settings.ASSISTANT_CONTEXT_MESSAGES :])


def _ctx_set(conversation_id, ctx) -> None:
    try:
        cache.set(_ctx_key(conversation_id), ctx, timeout=settings.ASSISTANT_CONTEXT_TTL_SECONDS)
    except Exception:  # noqa: BLE001
        log.warning("assistant context cache unavailable; not caching")


def context_clear(*, conversation_id) -> None:
    try:
        cache.delete(_ctx_key(conversation_id))
    except Exception:  # noqa: BLE001 - the key expires by TTL anyway
        log.warning("assistant context cache unavailable; context left to expire")


# --------------------------------------------------------------------------- knowledge


def extract_text(*, filename: str, data: bytes) -> str:
    """Plain text from a .txt/.md/.pdf upload. Raises AssistantInputError for anything else."""
    name = (filename or "").lower()
    if name.endswith(".pdf") or data[:5] == b"%PDF-":
        from pypdf import PdfReader
        from pypdf.errors import PdfReadError

        try:
            reader = PdfReader(io.BytesIO(data))
            text = "\n\n".join((page.extract_text() or "") for page in reader.pages)
        except (PdfReadError, ValueError, KeyError) as exc:
            raise AssistantInputError(f"Could not read the PDF: {exc}") from None
    elif name.endswith((".txt", ".md", ".markdown", ".text")) or not name:
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            raise AssistantInputError("The text file is not UTF-8.") from None
    else:
        raise AssistantInputError("Upload a .txt, .md or .pdf file.")
    text = text.replace("\x00", "").strip()
    if not text:
        raise AssistantInputError("The document has no extractable text.")
    return text


def knowledge_document_create(*, title: str, content: str) -> KnowledgeDocument:
    return KnowledgeDocument.objects.create(title=title.strip()[:200], content=content)


def knowledge_document_embed(*, document_id: int) -> KnowledgeDocument:
    """Chunk and embed a document; replaces its chunks in one transaction (idempotent)."""
    from assistant.embeddings import chunk_text
    from assistant.selectors import get_embedder

    doc = KnowledgeDocument.objects.filter(pk=document_id).first()
    if doc is None:
        raise AssistantInputError(f"No knowledge document with id {document_id}.")
    KnowledgeDocument.objects.filter(pk=doc.pk).update(status=KnowledgeDocument.Status.EMBEDDING, error="")
    try:
        chunks = chunk_text(doc.content)
        if not chunks:
            raise AssistantInputError("The document has no text to embed.")
        embedder = get_embedder()
        vectors = embedder.embed([f"{doc.title}\n\n{c}" for c in chunks])
        with transaction.atomic():
            doc.chunks.all().delete()
            KnowledgeChunk.objects.bulk_create(
                [
                    KnowledgeChunk(document=doc, index=i, text=c, embedding=v)
                    for i, (c, v) in enumerate(zip(chunks, vectors, strict=True))
                ]
            )
            doc.status = KnowledgeDocument.Status.READY
            doc.embedding_model = embedder.name
            doc.embedded_at = timezone.now()
            doc.error = ""
            doc.save(update_fields=["status", "embedding_model", "embedded_at", "error", "updated_at"])
    except Exception as exc:
        KnowledgeDocument.objects.filter(pk=doc.pk).update(status=KnowledgeDocument.Status.FAILED, error=str(exc)[:500])
        raise
    return doc


def knowledge_reembed_stale() -> int:
    """Re-embed every ready document embedded by another embedder than the current one (the OpenAI key was
    set, removed or its embedding model changed), one document at a time; returns how many. Run by the beat
    task ``assistant.tasks.reembed_stale_knowledge``; each document is idempotent (replace-all-chunks)."""
    from assistant.selectors import get_embedder

    name = get_embedder().name
    stale = list(
        KnowledgeDocument.objects.filter(status=KnowledgeDocument.Status.READY)
        .exclude(embedding_model=name)
        .values_list("pk", flat=True)
    )
    for pk in stale:
        try:
            knowledge_document_embed(document_id=pk)
        except Exception:  # noqa: BLE001 - recorded on the row (FAILED + reason); the others still re-embed
            log.exception("re-embedding knowledge document %s failed", pk)
    return len(stale)


def knowledge_document_enqueue(*, document_id: int) -> None:
    from core.queueing import enqueue_on_commit

    def failed(reason: str) -> None:
        KnowledgeDocument.objects.filter(pk=document_id).update(
            status=KnowledgeDocument.Status.FAILED, error=reason[:500]
        )

    enqueue_on_commit("assistant.tasks.embed_document", document_id, on_failure=failed)


# --------------------------------------------------------------------------- technician embeddings

TRADES = ["appliance", "hvac", "refrigeration", "plumbing", "electrical"]
SCHEDULES = ["standard", "4x10", "rotating"]
SNAPSHOT_FEATURES = [
    "jobs_completed", "first_time_fix_rate", "callbacks", "csat", "overtime_hours",
    "drive_time_minutes", "utilization", "training_hours",
]  # fmt: skip
FEATURE_NAMES = (
    ["tenure_years", "commute_miles", "certifications", *SNAPSHOT_FEATURES]
    + [f"trade_{t}" for t in TRADES]
    + [f"schedule_{s}" for s in SCHEDULES]
)
FEATURE_VERSION = "features-v1"


def _feature_rows(technicians, latest: dict, as_of: date | None = None) -> list[list[float | None]]:
    as_of = as_of or date.today().replace(day=1)
    rows = []
    for t in technicians:
        s = latest.get(t.pk)
        row: list[float | None] = [
            t.tenure_days(as_of) / 365.25,
            float(t.commute_miles) if t.commute_miles is not None else None,
            float(t.certifications),
        ]
        row += [getattr(s, f) if s is not None else None for f in SNAPSHOT_FEATURES]
        # one-hot trade counts double: a plumber is never "similar" to an HVAC tech on metrics alone
        row += [2.0 if t.trade == tr else 0.0 for tr in TRADES]
        row += [1.0 if t.schedule_type == sc else 0.0 for sc in SCHEDULES]
        rows.append(row)
    return rows


def _population_stats() -> tuple[list[float], list[float]]:
    """Means/stds over all technicians (cached for an hour; recomputed by the full refresh)."""
    stats = cache.get("assistant:techvec:stats")
    if stats is None:
        stats = _compute_stats()
    return stats


def _compute_stats() -> tuple[list[float], list[float]]:
    from technicians.models import Technician, TechnicianSnapshot

    techs = list(Technician.objects.all())
    latest = {
        s.technician_id: s
        for s in TechnicianSnapshot.objects.order_by("technician_id", "-month").distinct("technician_id")
    }
    arr = np.array(_feature_rows(techs, latest), dtype=float) if techs else np.zeros((1, len(FEATURE_NAMES)))
    means = np.nanmean(np.where(np.isnan(arr), np.nan, arr), axis=0)
    stds = np.nanstd(arr, axis=0)
    # one-hot columns are not standardised (their weight is the design choice above)
    n_num = 3 + len(SNAPSHOT_FEATURES)
    means[n_num:] = 0.0
    stds[n_num:] = 1.0
    stats = (np.nan_to_num(means).tolist(), np.nan_to_num(stds, nan=1.0).tolist())
    cache.set("assistant:techvec:stats", stats, timeout=3600)
    return stats


#: A stored vector whose indexed part moved by less than this (Euclidean, unit vectors) is left as it is:
#: a refresh rewrites only technicians whose profile or snapshot changed, not every row for a new hire's
#: nudge to the population means.
REFRESH_EPSILON = 1e-4
#: When at least this share of the table (and ``REBUILD_MIN_ROWS``) changes — a new snapshot month, the
#: first refresh — the HNSW index is dropped and built again after the write, in the same transaction:
#: maintaining the graph row by row costs a few ms a row (minutes at 100k), a bulk build seconds.
REBUILD_FRACTION = 0.25
REBUILD_MIN_ROWS = 5000


def _vector_text(block: np.ndarray) -> list[str]:
    return ["[" + ",".join(format(float(v), ".9g") for v in row) + "]" for row in block]


def technician_embeddings_refresh(*, employee_ids: list[str] | None = None, batch_size: int = 5000) -> int:
    """(Re)build TechnicianEmbedding rows (all, or the given employees); returns the rows written.

    Idempotent and set-based: the indexed part of every vector (``TECH_DIMS`` dims; the rest is zero
    padding) is COPYed into a temporary table, then one upsert writes the rows that are new or changed.
    A large change rebuilds the HNSW index in bulk (``REBUILD_FRACTION``). One transaction: a crash leaves
    the previous vectors and the index as they were. Tenure is taken at the start of the current month,
    so a technician's vector does not move every day."""
    from django.db import connection

    from assistant.embeddings import DIM, TECH_DIMS, feature_matrix
    from technicians.models import Technician, TechnicianSnapshot

    means, stds = _compute_stats() if employee_ids is None else _population_stats()
    as_of = date.today().replace(day=1)
    qs = Technician.objects.order_by("pk").only(
        "pk", "hire_date", "termination_date", "commute_miles", "certifications", "trade", "schedule_type"
    )
    if employee_ids is not None:
        qs = qs.filter(employee_id__in=employee_ids)
    table = TechnicianEmbedding._meta.db_table
    with transaction.atomic(), connection.cursor() as cur:
        # one refresh at a time (two would upsert the same rows in different orders, or wait on a rebuild)
        cur.execute("SELECT pg_advisory_xact_lock(hashtext('assistant.technician_embeddings_refresh'))")
        cur.execute("DROP TABLE IF EXISTS _tech_vectors")  # inside an outer transaction ON COMMIT comes later
        cur.execute(
            f"CREATE TEMP TABLE _tech_vectors (technician_id uuid PRIMARY KEY, sub vector({TECH_DIMS}), "
            "source_month date) ON COMMIT DROP"
        )
        last_pk = None
        while True:
            page = list((qs.filter(pk__gt=last_pk) if last_pk else qs)[:batch_size])
            if not page:
                break
            last_pk = page[-1].pk
            latest = {
                s.technician_id: s
                for s in TechnicianSnapshot.objects.filter(technician__in=page)
                .order_by("technician_id", "-month")
                .distinct("technician_id")
            }
            rows = _feature_rows(page, latest, as_of)
            block = feature_matrix(rows, means, stds, dim=TECH_DIMS)
            with cur.cursor.copy("COPY _tech_vectors (technician_id, sub, source_month) FROM STDIN") as copy:
                for t, text in zip(page, _vector_text(block), strict=True):
                    copy.write_row((t.pk, text, latest[t.pk].month if t.pk in latest else None))
        changed = (  # table name and dimensions are constants of the code
            f"NOT EXISTS (SELECT 1 FROM {table} e WHERE e.technician_id = s.technician_id "  # noqa: S608
            f"AND subvector(e.embedding, 1, {TECH_DIMS})::vector({TECH_DIMS}) <-> s.sub <= %s "
            "AND e.source_month IS NOT DISTINCT FROM s.source_month AND e.version = %s)"
        )
        params = [REFRESH_EPSILON, FEATURE_VERSION]
        cur.execute(f"SELECT count(*) FROM _tech_vectors s WHERE {changed}", params)  # noqa: S608 - constants
        n_changed = cur.fetchone()[0]
        if not n_changed:
            return 0
        cur.execute(f"SELECT count(*) FROM {table}")  # noqa: S608 - the model's table
        rebuild = n_changed >= max(REBUILD_MIN_ROWS, REBUILD_FRACTION * cur.fetchone()[0])
        index = TechnicianEmbedding._meta.indexes[0]
        if rebuild:
            cur.execute(f'DROP INDEX IF EXISTS "{index.name}"')
        cur.execute(  # table name and dimensions are constants of the code
            f"""INSERT INTO {table} (technician_id, embedding, source_month, version, created_at, updated_at)
                SELECT s.technician_id, s.sub || array_fill(0::real, ARRAY[%s])::vector, s.source_month, %s,
                       now(), now()
                  FROM _tech_vectors s WHERE {changed}
                ON CONFLICT (technician_id) DO UPDATE SET embedding = EXCLUDED.embedding,
                       source_month = EXCLUDED.source_month, version = EXCLUDED.version, updated_at = now()""",  # noqa: S608
            [DIM - TECH_DIMS, FEATURE_VERSION, *params],
        )
        if rebuild:
            # the upsert queued deferred FK checks; an index cannot be built over pending trigger events
            cur.execute("SET CONSTRAINTS ALL IMMEDIATE")
            cur.execute("SET CONSTRAINTS ALL DEFERRED")
            # the graph of 100k technicians outgrows the default 64 MB, and a build on disk is ~4× slower
            cur.execute("SET LOCAL maintenance_work_mem = %s", [settings.ASSISTANT_HNSW_BUILD_MEMORY])
            with connection.schema_editor(atomic=False) as editor:
                editor.add_index(TechnicianEmbedding, index)
    return n_changed


def similar_embeddings(vector, *, limit: int, exclude=None) -> list[TechnicianEmbedding]:
    """Active technicians' embedding rows nearest to ``vector`` (``.distance`` = cosine distance), through
    the HNSW index: ordered by the indexed sub-vector (same cosine as the whole vector), with
    ``ASSISTANT_HNSW_EF_SEARCH``. The neighbours' own vectors are not loaded (6 KB each, not needed)."""
    from assistant.embeddings import TECH_DIMS
    from assistant.models import TechSubvector
    from assistant.selectors import _search

    qs = TechnicianEmbedding.objects.filter(technician__termination_date__isnull=True)
    if exclude is not None:
        qs = qs.exclude(technician=exclude)
    qs = qs.defer("embedding").select_related("technician__district__region")
    return _search(qs, TechSubvector("embedding"), vector[:TECH_DIMS], limit)


def similar_technicians(*, user, employee_id: str, limit: int = 5) -> dict[str, Any]:
    from technicians.selectors import redact, technician_get_for_user, technician_to_dict

    target = technician_get_for_user(user=user, employee_id=employee_id)
    from technicians.models import Technician

    missing = list(
        Technician.objects.active().filter(embedding__isnull=True).values_list("employee_id", flat=True)[:5001]
    )
    if employee_id not in missing and not TechnicianEmbedding.objects.filter(technician=target).exists():
        missing.append(employee_id)
    if missing:
        # Normally kept fresh by assistant.tasks.refresh_technician_embeddings after scoring. Fill gaps inline
        # when small; otherwise queue the full refresh and search the target's own district meanwhile.
        if len(missing) > 5000:
            from core import queueing

            try:
                queueing.send("assistant.tasks.refresh_technician_embeddings")
            except queueing.BrokerUnavailable:
                log.warning("could not queue the full embedding refresh; filling the target's district only")
            missing = [employee_id, *Technician.objects.active().filter(district_id=target.district_id)
                       .filter(embedding__isnull=True).values_list("employee_id", flat=True)]  # fmt: skip
        technician_embeddings_refresh(employee_ids=missing)
    emb = TechnicianEmbedding.objects.filter(technician=target).first()
    rows = similar_embeddings(emb.embedding, limit=limit, exclude=target)
    keep = (
        "employee_id",
        "first_name",
        "last_name",
        "district_name",
        "region",
        "trade",
        "tenure_years",
        "schedule_type",
    )
    t = technician_to_dict(user=user, technician=target)
    return redact(
        user,
        {
            "target": {k: t.get(k) for k in keep},
            "similar": [
                {k: d.get(k) for k in keep} | {"similarity": round(1.0 - float(r.distance), 3)}
                for r, d in ((r, technician_to_dict(user=user, technician=r.technician)) for r in rows)
            ],
            "method": "cosine over standardised profile + latest-month metrics (no pay/performance fields)",
        },
    )
