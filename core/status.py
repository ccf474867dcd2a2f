"""What is still being prepared (first models, first forecasts), for the note on every page, the empty
states and the one console line per first result. Reads other apps' selectors only."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class Preparing:
    """One thing in progress, in user words: "Retention risk model", "training · 45%"."""

    key: str  # retention | quality_of_hire | forecasts
    title: str
    detail: str
    progress: int
    queued: bool = False


@dataclass
class Status:
    ready: set[str] = field(default_factory=set)  # keys that have a usable result
    preparing: list[Preparing] = field(default_factory=list)

    def waiting_for(self, key: str) -> Preparing | None:
        return next((p for p in self.preparing if p.key == key), None)


def preparation_status() -> Status:
    from forecasts.selectors import forecasts_in_preparation
    from predictions.selectors import models_in_preparation

    status = Status()
    models = models_in_preparation()
    status.ready |= set(models["active_types"])
    for m in models["running"]:
        queued = m.status == "queued"
        stage = "waiting for the worker" if queued else (m.stage or "training")
        status.preparing.append(
            Preparing(key=m.model_type, title=f"{m.get_model_type_display()} model v{m.version}",
                      detail=stage, progress=m.progress or 0, queued=queued)
        )  # fmt: skip
    fc = forecasts_in_preparation()
    if fc["has_forecast"]:
        status.ready.add("forecasts")
    run = fc["running"]
    if run is not None:
        queued = run.status == "queued"
        detail = (
            "waiting for the worker"
            if queued
            else f"{run.series_done} of {run.series_total} series"
            if run.series_total
            else run.get_status_display()
        )
        status.preparing.append(
            Preparing(key="forecasts", title="Forecasts" if not fc["has_forecast"] else "New forecasts",
                      detail=detail, progress=run.progress_pct, queued=queued)
        )  # fmt: skip
    return status
