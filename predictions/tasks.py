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
def score_model_type_task(model_type: str) -> int:
    from predictions.services import predictions_score

    return predictions_score(model_type=model_type)


@shared_task(name="predictions.tasks.train_all_scheduled")
def train_all_scheduled() -> list[str]:
    """Weekly: a new EBM run per model type (it becomes active only if none is; HR promotes)."""
    from predictions.services import model_train

    return [str(model_train(model_type=t).id) for t in ModelType.values]


@shared_task(name="predictions.tasks.score_all_scheduled")
def score_all_scheduled() -> dict[str, int]:
    """Nightly: rescore every active technician and open candidate with the active models."""
    from predictions.services import predictions_score

    return {t: predictions_score(model_type=t) for t in ModelType.values}
