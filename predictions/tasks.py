"""Celery tasks: take ids, call a service, record progress/failure on the row (DESIGN.md)."""

from __future__ import annotations

from celery import shared_task

from predictions.models import ModelType


@shared_task(name="predictions.tasks.train_model_task", acks_late=True)
def train_model_task(model_id: str) -> str | None:
    """Train one queued run. Re-delivery of the same run id is a no-op once it has finished."""
    from predictions.services import model_run

    model = model_run(model_id=model_id)
    return model.status if model else None


@shared_task(name="predictions.tasks.activate_model_task", acks_late=True)
def activate_model_task(model_id: str) -> str | None:
    """After a promote: score the version into its own rows, then switch it active (interactive queue)."""
    from predictions.services import model_activation_run

    model = model_activation_run(model_id=model_id)
    return model.status if model else None


@shared_task(name="predictions.tasks.score_model_type_task", acks_late=True)
def score_model_type_task(model_type: str) -> int | str:
    """Score one model type: retention fans out into chunk tasks (returns the run id), candidates in place."""
    from predictions.selectors import active_model
    from predictions.services import predictions_score, scoring_run_start

    if model_type == ModelType.RETENTION:
        model = active_model(model_type=model_type)
        return str(scoring_run_start(model=model).pk) if model else 0
    return predictions_score(model_type=model_type)


@shared_task(name="predictions.tasks.score_chunk_task", acks_late=True)
def score_chunk_task(chunk_id: int) -> bool:
    """One chunk of a distributed scoring run (heavy queue); the last one switches the run (services)."""
    from predictions.services import scoring_chunk_run

    return scoring_chunk_run(chunk_id=chunk_id)


@shared_task(name="predictions.tasks.prune_predictions_task")
def prune_predictions_task() -> int:
    """Nightly: keep daily scores for PREDICTIONS_KEEP_DAILY_DAYS, monthly ones beyond (services)."""
    from predictions.services import predictions_prune

    return predictions_prune()


@shared_task(name="predictions.tasks.train_all_scheduled")
def train_all_scheduled() -> list[str]:
    """Weekly: a new EBM run per model type (it becomes active only if none is; HR promotes)."""
    from predictions.services import model_train

    return [str(model_train(model_type=t).id) for t in ModelType.values]


@shared_task(name="predictions.tasks.score_all_scheduled")
def score_all_scheduled() -> dict[str, int | str]:
    """Nightly: rescore every active technician (a distributed run: one heavy task per chunk, then one
    atomic switch) and every open candidate, with the active models."""
    return {t: score_model_type_task(t) for t in ModelType.values}
