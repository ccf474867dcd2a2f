"""Celery tasks: embed knowledge documents; refresh technician similarity embeddings (after scoring).

Both take ids (or nothing), call a service, record failure on the row, and are idempotent (upserts /
replace-all-chunks in one transaction), so a retry after a worker crash is safe.
"""

from __future__ import annotations

import logging

from celery import shared_task
from celery.signals import task_success

log = logging.getLogger(__name__)


@shared_task(name="assistant.tasks.embed_document", acks_late=True)
def embed_document(document_id: int) -> dict:
    from assistant.services import knowledge_document_embed

    doc = knowledge_document_embed(document_id=document_id)
    return {"document_id": doc.pk, "chunks": doc.chunks.count(), "model": doc.embedding_model}


@shared_task(name="assistant.tasks.reembed_stale_knowledge", acks_late=True)
def reembed_stale_knowledge() -> dict:
    """Beat: documents embedded by another embedder than the current one are embedded again."""
    from assistant.services import knowledge_reembed_stale

    return {"reembedded": knowledge_reembed_stale()}


@shared_task(name="assistant.tasks.refresh_technician_embeddings", acks_late=True)
def refresh_technician_embeddings(employee_ids: list[str] | None = None) -> dict:
    """Rebuild similarity vectors; predictions' scoring task enqueues this after a scoring run."""
    from assistant.services import technician_embeddings_refresh

    n = technician_embeddings_refresh(employee_ids=employee_ids)
    log.info("technician embeddings refreshed: %s", n)
    return {"written": n}


SCORING_TASKS = {
    "predictions.tasks.score_all_scheduled",
    "predictions.tasks.score_model_type_task",
    "predictions.tasks.train_model_task",  # a finished training run rescoring with a newly active model
    "predictions.tasks.activate_model_task",  # a promoted version scored and switched active
}


@task_success.connect
def _refresh_after_scoring(sender=None, **kwargs):
    """After predictions' scoring tasks succeed, rebuild similarity vectors (new snapshots → new profiles)."""
    name = getattr(sender, "name", None)
    # a distributed scoring run's chunks: only the one that switched the run (returns True) has new scores
    if name in SCORING_TASKS or (name == "predictions.tasks.score_chunk_task" and kwargs.get("result") is True):
        refresh_technician_embeddings.delay()
